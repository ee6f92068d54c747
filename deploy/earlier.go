package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/plan"
)

// invalidateOnce buys the invalidation of in on inv's distribution once
// per deploy: its caller reference derives from the deploy ID and the
// distribution only. When a run of this deploy already bought it (a
// re-run after a kill, or of a deploy that completed), that invalidation
// is reported (Invalidation.AlreadyCreated, its batch Resumed) and waited
// for, not bought again; only URLs it does not cover are invalidated, with
// a second reference.
//
// The earlier invalidation is looked up first when objects written by an
// earlier run of this deploy were found (Report.Resumed): CloudFront would
// answer a CreateInvalidation with its reference and the same paths with
// that invalidation, not bill it again, but the report could not tell it
// from a new one. Otherwise the invalidation is sent, and looked up when
// CloudFront refuses its reference for other paths.
func (d *run) invalidateOnce(ctx context.Context, inv *Invalidation, in plan.Input) error {
	ref := cfinv.DeployReference(inv.DistributionID, nil, d.id)
	var old *cfinv.Batch
	if len(d.rep.Resumed) > 0 {
		var err error
		if old, err = d.earlierInvalidation(ctx, inv.DistributionID, ref); err != nil {
			return err
		}
	}
	if old == nil {
		err := d.send(ctx, inv, in, cfinv.Request{CallerReference: ref})
		if !errors.Is(err, cfinv.ErrBatchExists) {
			return err
		}
		// Created by an earlier run, with other paths.
		if old, err = d.earlierInvalidation(ctx, inv.DistributionID, ref); err != nil {
			return err
		}
	}
	inv.AlreadyCreated = true
	var covered []string
	if old != nil {
		covered = old.Paths
		if err := d.useEarlier(ctx, inv, old); err != nil {
			return err
		}
	}
	in.Purge = slices.DeleteFunc(in.Purge, func(u string) bool {
		return slices.ContainsFunc(covered, func(p string) bool { return cfpath.Match(p, u) })
	})
	if len(in.Purge) == 0 {
		return nil
	}
	return d.send(ctx, inv, in, cfinv.Request{DeployID: d.id})
}

// useEarlier reports old, the invalidation an earlier run of this deploy
// bought, on inv, waiting for it unless told not to.
func (d *run) useEarlier(ctx context.Context, inv *Invalidation, old *cfinv.Batch) error {
	d.o.event(Event{Step: StepInvalidate, Message: fmt.Sprintf("%s: invalidation %s (%s) was bought by an earlier run of this deploy; not bought again", inv.DistributionID, old.ID, paths(len(old.Paths)))})
	if !d.o.NoWait && !d.o.DryRun && old.Status != "Completed" {
		done, err := d.cf.Wait(ctx, cfinv.WaitRequest{Targets: []cfinv.Target{{DistributionID: inv.DistributionID, IDs: []string{old.ID}}}, Timeout: d.o.Timeout})
		if err != nil {
			return fmt.Errorf("wait for invalidation %s of %s: %w", old.ID, inv.DistributionID, err)
		}
		if len(done) == 1 {
			old.Status = done[0].Status
		}
	}
	inv.Batches = append(inv.Batches, *old)
	return nil
}

// reportEarlier reports on inv the invalidation a completed earlier run
// of this deploy bought (its clean marker says it completed, and bought
// invalidations), when it is found: a re-run has nothing to invalidate.
func (d *run) reportEarlier(ctx context.Context, inv *Invalidation) error {
	old, err := d.earlierInvalidation(ctx, inv.DistributionID, cfinv.DeployReference(inv.DistributionID, nil, d.id))
	if err != nil || old == nil {
		return err
	}
	inv.AlreadyCreated = true
	return d.useEarlier(ctx, inv, old)
}

// earlierLookups is how many of a distribution's latest invalidations
// earlierInvalidation reads to find the one an earlier run of the deploy
// made.
const earlierLookups = 25

// earlierInvalidation returns the invalidation of dist with caller
// reference ref, among its latest ones, as a batch marked Resumed; nil
// when it is not found.
func (d *run) earlierInvalidation(ctx context.Context, dist, ref string) (*cfinv.Batch, error) {
	list, err := d.cf.List(ctx, dist, earlierLookups, "")
	if err != nil {
		return nil, err
	}
	for _, sum := range list {
		inv, err := d.cf.Get(ctx, dist, aws.ToString(sum.Id))
		if err != nil {
			return nil, err
		}
		b := inv.InvalidationBatch
		if b == nil || aws.ToString(b.CallerReference) != ref {
			continue
		}
		out := &cfinv.Batch{DistributionID: dist, Number: 1, ID: aws.ToString(inv.Id), CallerReference: ref,
			Status: aws.ToString(inv.Status), CreateTime: aws.ToTime(inv.CreateTime), Resumed: true}
		if b.Paths != nil {
			out.Paths = b.Paths.Items
		}
		return out, nil
	}
	return nil, nil
}

// paths is "1 path" or "N paths".
func paths(n int) string {
	if n == 1 {
		return "1 path"
	}
	return fmt.Sprintf("%d paths", n)
}
