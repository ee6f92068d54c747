package emulator

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// invalidationBatch is a decoded InvalidationBatch request.
type invalidationBatch struct {
	CallerReference string
	Paths           []string
}

// parseBody parses a request body as one XML document whose root is root.
func parseBody(body []byte, root string) (*distconfig.Node, *apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errorf("MissingBody", msgMissingBody)
	}
	n, err := distconfig.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fixed("MalformedXML", "%v", err)
	}
	if n.Name != root {
		return nil, fixed("MalformedXML", "The root element is <%s>, want <%s>.", n.Name, root)
	}
	return n, nil
}

// quantityOf checks a CloudFront list element {Quantity, Items}: Quantity
// must be a non-negative integer equal to the number of items.
func quantityOf(n *distconfig.Node, what string) (int, *apiError) {
	qn := n.Child("Quantity")
	if qn == nil {
		return 0, errorf("InvalidArgument", "%s.Quantity is required.", what)
	}
	q, err := strconv.Atoi(qn.Value())
	if err != nil || q < 0 {
		return 0, fixed("MalformedXML", "%s.Quantity %q is not a non-negative integer.", what, qn.Value())
	}
	got := 0
	if items := n.Child("Items"); items != nil {
		got = len(items.Nodes)
	}
	if q != got {
		return 0, errorf("InconsistentQuantities", "The specified quantity of %s (%d) does not match the actual quantity supplied (%d).", n.Name, q, got)
	}
	return q, nil
}

// decodeInvalidationBatch parses and validates a CreateInvalidation body.
// Checks run in CloudFront's order: body, XML, quantities, batch size, then
// each item.
func decodeInvalidationBatch(body []byte) (*invalidationBatch, *apiError) {
	n, aerr := parseBody(body, "InvalidationBatch")
	if aerr != nil {
		return nil, aerr
	}
	paths := n.Child("Paths")
	if paths == nil {
		return nil, errorf("InvalidArgument", "InvalidationBatch.Paths is required.")
	}
	if _, aerr := quantityOf(paths, "InvalidationBatch.Paths"); aerr != nil {
		return nil, aerr
	}
	b := &invalidationBatch{}
	if items := paths.Child("Items"); items != nil {
		for _, it := range items.Nodes {
			if it.Name != "Path" || len(it.Nodes) > 0 {
				return nil, fixed("MalformedXML", "InvalidationBatch.Paths.Items holds <%s>, want <Path> text elements.", it.Name)
			}
			// Raw text, not trimmed: the path is exactly what was sent.
			b.Paths = append(b.Paths, it.Text)
		}
	}
	if len(b.Paths) > cfpath.MaxBatchPaths {
		return nil, errorf("BatchTooLarge", "Invalidation batch specified is too large: %d paths, the limit is %d.", len(b.Paths), cfpath.MaxBatchPaths)
	}
	if len(b.Paths) == 0 {
		return nil, errorf("InvalidArgument", "Your request contains no invalidation paths; send at least one.")
	}
	ref := n.Child("CallerReference")
	if ref == nil || ref.Text == "" || len(ref.Nodes) > 0 {
		return nil, errorf("InvalidArgument", "InvalidationBatch.CallerReference is required.")
	}
	if aerr := checkCallerReference("InvalidationBatch.CallerReference", ref.Text); aerr != nil {
		return nil, aerr
	}
	b.CallerReference = ref.Text
	for i, p := range b.Paths {
		if err := cfpath.Validate(p); err != nil {
			var pe *cfpath.Error
			reason := err.Error()
			if errors.As(err, &pe) {
				reason = pe.Reason
			}
			return nil, errorf("InvalidArgument", "Your request contains one or more invalid invalidation paths: item %d %q: %s.", i+1, truncate(p, 100), reason)
		}
	}
	return b, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// admitLimits enforces CloudFront's per-distribution in-progress limits,
// counting the new batch: 3,000 non-wildcard items (paths and tags) and,
// separately, 15 wildcard paths.
func admitLimits(running []*store.Invalidation, paths []string) *apiError {
	load := cfpath.LoadOf(paths)
	for _, inv := range running {
		load = load.Add(cfpath.LoadOf(inv.Paths))
	}
	if load.Paths > cfpath.MaxInProgressPaths {
		return fixed("TooManyInvalidationsInProgress", "%d paths would be in progress, the limit is %d.", load.Paths, cfpath.MaxInProgressPaths)
	}
	if load.Wildcards > cfpath.MaxInProgressWildcards {
		return fixed("TooManyInvalidationsInProgress", "%d wildcard paths would be in progress, the limit is %d.", load.Wildcards, cfpath.MaxInProgressWildcards)
	}
	return nil
}

func (s *Server) createInvalidation(w http.ResponseWriter, r *http.Request) {
	distID := r.PathValue("id")
	batch, aerr := decodeInvalidationBatch(requestBody(r))
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	got, err := s.storeInvalidation(r.Context(), batch, invalidationTarget{
		set: distID, purge: distID, noun: "distribution", log: []any{"distribution", distID},
	})
	switch {
	case errors.Is(err, store.ErrNoDistribution):
		s.writeError(w, r, errorf("NoSuchDistribution", msgNoSuchDistribution))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", location(r, "/2020-05-31/distribution/"+distID+"/invalidation/"+got.ID))
	s.writeXML(w, r, http.StatusCreated, s.wireInvalidation(got))
}

// invalidationTarget is where storeInvalidation puts a batch.
type invalidationTarget struct {
	set   string // the invalidation set: a distribution's ID or a tenant's
	purge string // the distribution whose edge cache the batch purges
	noun  string // what set is, in errors: "distribution", "distribution tenant"
	log   []any  // attributes of a failed purge's log line
	// makeSet creates the set when the store has none yet (a tenant's
	// first invalidation); otherwise that is store.ErrNoDistribution.
	makeSet bool
}

// storeInvalidation stores batch as a new invalidation of t.set, or returns
// the one its caller reference already made (the same paths, else
// InvalidationBatchAlreadyExists). The purge of t.purge runs inside the
// store's admission: after the in-progress limits passed and before the
// record is committed, so a stored invalidation (and hence a Completed
// status) always means its purge was applied, and a failed purge leaves
// nothing behind. See docs/emulator.md. A new ID that collides with a
// stored one is drawn again, up to three times.
func (s *Server) storeInvalidation(ctx context.Context, batch *invalidationBatch, t invalidationTarget) (*store.Invalidation, error) {
	now := s.now()
	admit := func(running []*store.Invalidation) error {
		if aerr := admitLimits(running, batch.Paths); aerr != nil {
			return aerr
		}
		if s.purger != nil {
			if err := s.purger.Purge(ctx, t.purge, slices.Clone(batch.Paths)); err != nil {
				s.log.Error("purge failed", append(slices.Clone(t.log), "err", err)...)
				return errorf("ServiceUnavailable", "CloudFront encountered an internal error. Please try again. (purge: %v)", err)
			}
		}
		return nil
	}
	var (
		got     *store.Invalidation
		created bool
		err     error
	)
	madeSet := !t.makeSet
	for tries := 0; tries < 3; {
		inv := &store.Invalidation{
			DistributionID:  t.set,
			ID:              newInvalidationID(),
			CallerReference: batch.CallerReference,
			Paths:           batch.Paths,
			CreateTime:      now,
			CompleteAt:      now.Add(s.delay),
		}
		got, created, err = s.store.CreateInvalidation(ctx, inv, now, admit)
		if errors.Is(err, store.ErrNoDistribution) && !madeSet {
			if err = s.store.CreateInvalidationSet(ctx, t.set); err != nil {
				break
			}
			madeSet = true
			continue
		}
		if !errors.Is(err, store.ErrInvalidationExists) {
			break
		}
		tries++
	}
	if err != nil {
		return nil, err
	}
	if !created && !slices.Equal(got.Paths, batch.Paths) {
		return nil, errorf("InvalidationBatchAlreadyExists",
			"The CallerReference %q was already used for invalidation %s of this %s with different paths.", batch.CallerReference, got.ID, t.noun)
	}
	return got, nil
}

func (s *Server) wireInvalidation(inv *store.Invalidation) *xmlInvalidation {
	return &xmlInvalidation{
		ID:         inv.ID,
		Status:     inv.StatusAt(s.now()),
		CreateTime: wireTime(inv.CreateTime),
		InvalidationBatch: xmlInvalidationBatch{
			Paths:           xmlPaths{Quantity: len(inv.Paths), Items: inv.Paths},
			CallerReference: inv.CallerReference,
		},
	}
}

func (s *Server) getInvalidation(w http.ResponseWriter, r *http.Request) {
	inv, err := s.store.GetInvalidation(r.Context(), r.PathValue("id"), r.PathValue("invID"))
	switch {
	case errors.Is(err, store.ErrNoDistribution):
		s.writeError(w, r, errorf("NoSuchDistribution", msgNoSuchDistribution))
	case errors.Is(err, store.ErrNoInvalidation):
		s.writeError(w, r, errorf("NoSuchInvalidation", msgNoSuchInvalidation))
	case err != nil:
		s.writeError(w, r, err)
	default:
		s.writeXML(w, r, http.StatusOK, s.wireInvalidation(inv))
	}
}

// DefaultMaxItems is the page size of list operations when MaxItems is not
// sent; MaxMaxItems is the largest accepted.
const (
	DefaultMaxItems = 100
	MaxMaxItems     = 1000
)

func parseMaxItems(r *http.Request) (int, *apiError) {
	q := r.URL.Query()
	if !q.Has("MaxItems") {
		return DefaultMaxItems, nil
	}
	v := q.Get("MaxItems")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxMaxItems {
		return 0, errorf("InvalidArgument", "MaxItems %q is invalid: it must be an integer from 1 to %d.", truncate(v, 40), MaxMaxItems)
	}
	return n, nil
}

func (s *Server) listInvalidations(w http.ResponseWriter, r *http.Request) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	marker := r.URL.Query().Get("Marker")
	items, truncated, err := s.store.ListInvalidations(r.Context(), r.PathValue("id"), marker, max)
	switch {
	case errors.Is(err, store.ErrNoDistribution):
		s.writeError(w, r, errorf("NoSuchDistribution", msgNoSuchDistribution))
		return
	case errors.Is(err, store.ErrBadMarker):
		s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name an invalidation of this distribution.", truncate(marker, 40)))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	out := &xmlInvalidationList{Marker: marker, MaxItems: max, IsTruncated: truncated, Quantity: len(items)}
	for _, inv := range items {
		if out.Items == nil {
			out.Items = &xmlInvalidationItems{}
		}
		out.Items.Summaries = append(out.Items.Summaries, xmlInvalidationSummary{ID: inv.ID, CreateTime: wireTime(inv.CreateTime), Status: inv.StatusAt(now)})
	}
	if truncated {
		out.NextMarker = items[len(items)-1].ID
	}
	s.writeXML(w, r, http.StatusOK, out)
}
