package emulator_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// Concurrency of writes whose check reads other records: an alias moved
// by two requests at once, a reference added while its target is
// deleted. Each round starts the requests together from goroutines of the
// real SDK client against the server on loopback, waits for all of them,
// and then checks the invariant; the requests' own answers may be errors
// (the loser of a race is refused), the state after them may not be
// inconsistent.

// rounds is how many times each race is run per test.
const rounds = 25

// holders returns the distributions (of ids) whose aliases include alias.
func (f *fixture) holders(alias string, ids []string) []string {
	f.t.Helper()
	var out []string
	for _, id := range ids {
		for _, a := range f.aliases(aws.String(id)) {
			if strings.EqualFold(a, alias) {
				out = append(out, id)
			}
		}
	}
	return out
}

// together runs each of fns in its own goroutine, released at once, and
// waits for all of them.
func together(fns ...func()) {
	var start, done sync.WaitGroup
	start.Add(1)
	for _, fn := range fns {
		done.Go(func() {
			start.Wait()
			fn()
		})
	}
	start.Done()
	done.Wait()
}

// TestAliasMovesAreAtomic: concurrent AssociateAlias calls moving one
// alias to different distributions, and UpdateDomainAssociation moving it
// at the same time, leave it on exactly one distribution after every
// round (before, the check of where the alias was and the writes moving
// it were separate transactions, and a round could leave it on two
// distributions or on none).
func TestAliasMovesAreAtomic(t *testing.T) {
	f := newFixture(t, withBolt(t))
	ctx := t.Context()
	const alias = "www.example.com"
	var ids []string
	for i := range 4 {
		cfg := sdkConfig(fmt.Sprintf("race-%d", i))
		cfg.Enabled = aws.Bool(false) // UpdateDomainAssociation moves only off a disabled one
		cfg.ViewerCertificate = &types.ViewerCertificate{
			ACMCertificateArn:      aws.String("arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"),
			SSLSupportMethod:       types.SSLSupportMethodSniOnly,
			MinimumProtocolVersion: types.MinimumProtocolVersionTLSv122021,
		}
		if i == 0 {
			cfg.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{alias}}
		}
		out, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
		if err != nil {
			t.Fatalf("CreateDistribution %d: %v", i, err)
		}
		ids = append(ids, aws.ToString(out.Distribution.Id))
	}
	for round := range rounds {
		var fns []func()
		for i, id := range ids {
			if i%2 == 0 {
				fns = append(fns, func() {
					_, _ = f.cf.AssociateAlias(ctx, &cloudfront.AssociateAliasInput{TargetDistributionId: aws.String(id), Alias: aws.String(alias)})
				})
				continue
			}
			fns = append(fns, func() {
				_, _ = f.cf.UpdateDomainAssociation(ctx, &cloudfront.UpdateDomainAssociationInput{Domain: aws.String(alias),
					TargetResource: &types.DistributionResourceId{DistributionId: aws.String(id)}})
			})
		}
		together(fns...)
		if got := f.holders(alias, ids); len(got) != 1 {
			t.Fatalf("round %d: %s is on %d distributions %v, want exactly 1", round, alias, len(got), got)
		}
	}
}

// TestReferenceChecksAreAtomic: DeleteCachePolicy racing an
// UpdateDistribution that starts using the policy ends with the policy
// deleted and unused, or kept and used, never deleted while a
// distribution names it (before, the update's "does it exist?" and the
// delete's "is it in use?" each read the state before the other's write).
func TestReferenceChecksAreAtomic(t *testing.T) {
	f := newFixture(t, withBolt(t))
	ctx := t.Context()
	const managed = "658327ea-f89d-4fab-a63d-7e88639e58f6" // CachingOptimized
	dist := aws.ToString(f.createDist("uses-policy").Distribution.Id)
	for round := range rounds {
		created, err := f.cf.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &types.CachePolicyConfig{
			Name: aws.String(fmt.Sprintf("race-%d", round)), MinTTL: aws.Int64(0),
			ParametersInCacheKeyAndForwardedToOrigin: &types.ParametersInCacheKeyAndForwardedToOrigin{
				EnableAcceptEncodingGzip: aws.Bool(true),
				HeadersConfig:            &types.CachePolicyHeadersConfig{HeaderBehavior: types.CachePolicyHeaderBehaviorNone},
				CookiesConfig:            &types.CachePolicyCookiesConfig{CookieBehavior: types.CachePolicyCookieBehaviorNone},
				QueryStringsConfig:       &types.CachePolicyQueryStringsConfig{QueryStringBehavior: types.CachePolicyQueryStringBehaviorNone},
			},
		}})
		if err != nil {
			t.Fatalf("round %d: CreateCachePolicy: %v", round, err)
		}
		policy := created.CachePolicy.Id
		cur, err := f.cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(dist)})
		if err != nil {
			t.Fatalf("round %d: GetDistributionConfig: %v", round, err)
		}
		cfg := cur.DistributionConfig
		cfg.DefaultCacheBehavior.CachePolicyId = policy
		together(func() {
			_, _ = f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(dist), IfMatch: cur.ETag, DistributionConfig: cfg})
		}, func() {
			_, _ = f.cf.DeleteCachePolicy(ctx, &cloudfront.DeleteCachePolicyInput{Id: policy, IfMatch: created.ETag})
		})
		got, err := f.cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(dist)})
		if err != nil {
			t.Fatalf("round %d: GetDistributionConfig: %v", round, err)
		}
		used := aws.ToString(got.DistributionConfig.DefaultCacheBehavior.CachePolicyId) == aws.ToString(policy)
		_, err = f.cf.GetCachePolicy(ctx, &cloudfront.GetCachePolicyInput{Id: policy})
		exists := err == nil
		if used && !exists {
			t.Fatalf("round %d: the distribution uses cache policy %s, which was deleted", round, aws.ToString(policy))
		}
		if !used {
			continue
		}
		// Back to the managed policy for the next round.
		got.DistributionConfig.DefaultCacheBehavior.CachePolicyId = aws.String(managed)
		if _, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(dist), IfMatch: got.ETag, DistributionConfig: got.DistributionConfig}); err != nil {
			t.Fatalf("round %d: reset the policy: %v", round, err)
		}
	}
}
