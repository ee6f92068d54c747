package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Mem is a Store held in memory, for tests and throw-away servers. Its
// zero value is not usable; call NewMem.
type Mem struct {
	mu     sync.Mutex
	closed bool
	seq    uint64
	dists  map[string]*Distribution
	order  []string          // distribution IDs in creation order
	refs   map[string]string // distribution CallerReference -> ID
	invs   map[string]*memInvalidations
	owners map[string]bool          // sets of CreateInvalidationSet
	res    map[string]*memResources // by kind
}

type memInvalidations struct {
	byID       map[string]*Invalidation
	order      []*Invalidation // creation order, oldest first
	refs       map[string]string
	inProgress map[string]*Invalidation // pruned as deadlines pass
}

var _ Store = (*Mem)(nil)

// NewMem returns an empty in-memory store.
func NewMem() *Mem {
	return &Mem{
		dists:  map[string]*Distribution{},
		refs:   map[string]string{},
		invs:   map[string]*memInvalidations{},
		owners: map[string]bool{},
	}
}

func newMemInvalidations() *memInvalidations {
	return &memInvalidations{byID: map[string]*Invalidation{}, refs: map[string]string{}, inProgress: map[string]*Invalidation{}}
}

func (m *Mem) lock() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// CreateDistribution implements Store.
func (m *Mem) CreateDistribution(_ context.Context, d *Distribution) error {
	if err := checkKey("distribution CallerReference", d.CallerReference); err != nil {
		return fmt.Errorf("create distribution: %w", err)
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if id, ok := m.refs[d.CallerReference]; ok {
		return fmt.Errorf("create distribution: caller reference %q: %w", d.CallerReference, &ExistsError{ID: id})
	}
	if _, ok := m.dists[d.ID]; ok {
		return fmt.Errorf("create distribution: id %s: %w", d.ID, ErrDistributionExists)
	}
	m.seq++
	d.Seq = m.seq
	m.dists[d.ID] = d.Clone()
	m.order = append(m.order, d.ID)
	m.refs[d.CallerReference] = d.ID
	m.invs[d.ID] = newMemInvalidations()
	return nil
}

// CreateInvalidationSet implements Store.
func (m *Mem) CreateInvalidationSet(_ context.Context, owner string) error {
	if err := checkKey("invalidation set owner", owner); err != nil {
		return fmt.Errorf("create invalidation set: %w", err)
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if m.invs[owner] == nil {
		m.invs[owner] = newMemInvalidations()
		m.owners[owner] = true
	}
	return nil
}

// DeleteInvalidationSet implements Store.
func (m *Mem) DeleteInvalidationSet(_ context.Context, owner string) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if !m.owners[owner] {
		return fmt.Errorf("delete invalidation set %s: %w", owner, ErrNoDistribution)
	}
	delete(m.owners, owner)
	delete(m.invs, owner)
	return nil
}

// GetDistribution implements Store.
func (m *Mem) GetDistribution(_ context.Context, id string) (*Distribution, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	d, ok := m.dists[id]
	if !ok {
		return nil, fmt.Errorf("get distribution %s: %w", id, ErrNoDistribution)
	}
	return d.Clone(), nil
}

// ListDistributions implements Store.
func (m *Mem) ListDistributions(_ context.Context, marker string, max int) ([]*Distribution, bool, error) {
	if err := m.lock(); err != nil {
		return nil, false, err
	}
	defer m.mu.Unlock()
	start := 0
	if marker != "" {
		d, ok := m.dists[marker]
		if !ok {
			return nil, false, fmt.Errorf("list distributions after %q: %w", marker, ErrBadMarker)
		}
		for i, id := range m.order {
			if id == d.ID {
				start = i + 1
				break
			}
		}
	}
	var out []*Distribution
	i := start
	for ; i < len(m.order) && len(out) < max; i++ {
		out = append(out, m.dists[m.order[i]].Clone())
	}
	return out, i < len(m.order), nil
}

// UpdateDistribution implements Store.
func (m *Mem) UpdateDistribution(_ context.Context, id string, fn func(d *Distribution) error) (*Distribution, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	d, ok := m.dists[id]
	if !ok {
		return nil, fmt.Errorf("update distribution %s: %w", id, ErrNoDistribution)
	}
	c := d.Clone()
	if err := fn(c); err != nil {
		return nil, err
	}
	c.ID, c.CallerReference, c.Seq = d.ID, d.CallerReference, d.Seq
	m.dists[id] = c
	return c.Clone(), nil
}

// DeleteDistribution implements Store.
func (m *Mem) DeleteDistribution(_ context.Context, id string, check func(d *Distribution) error) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	d, ok := m.dists[id]
	if !ok {
		return fmt.Errorf("delete distribution %s: %w", id, ErrNoDistribution)
	}
	if check != nil {
		if err := check(d.Clone()); err != nil {
			return err
		}
	}
	delete(m.dists, id)
	delete(m.refs, d.CallerReference)
	delete(m.invs, id)
	for i, o := range m.order {
		if o == id {
			m.order = append(m.order[:i:i], m.order[i+1:]...)
			break
		}
	}
	return nil
}

// CreateInvalidation implements Store.
func (m *Mem) CreateInvalidation(_ context.Context, inv *Invalidation, now time.Time, admit func([]*Invalidation) error) (*Invalidation, bool, error) {
	if err := checkKey("invalidation CallerReference", inv.CallerReference); err != nil {
		return nil, false, fmt.Errorf("create invalidation for %s: %w", inv.DistributionID, err)
	}
	if err := m.lock(); err != nil {
		return nil, false, err
	}
	defer m.mu.Unlock()
	set, ok := m.invs[inv.DistributionID]
	if !ok {
		return nil, false, fmt.Errorf("create invalidation for %s: %w", inv.DistributionID, ErrNoDistribution)
	}
	if id, ok := set.refs[inv.CallerReference]; ok {
		return set.byID[id].Clone(), false, nil
	}
	if _, ok := set.byID[inv.ID]; ok {
		return nil, false, fmt.Errorf("create invalidation %s: %w", inv.ID, ErrInvalidationExists)
	}
	running := set.running(now)
	if admit != nil {
		if err := admit(running); err != nil {
			return nil, false, err
		}
	}
	m.seq++
	c := inv.Clone()
	c.Seq = m.seq
	inv.Seq = c.Seq
	set.byID[c.ID] = c
	set.order = append(set.order, c)
	set.refs[c.CallerReference] = c.ID
	if c.InProgressAt(now) {
		set.inProgress[c.ID] = c
	}
	return c.Clone(), true, nil
}

// running prunes completed entries from the in-progress index and returns
// copies of the rest, oldest first.
func (s *memInvalidations) running(now time.Time) []*Invalidation {
	var out []*Invalidation
	for id, inv := range s.inProgress {
		if !inv.InProgressAt(now) {
			delete(s.inProgress, id)
			continue
		}
		out = append(out, inv.Clone())
	}
	sortBySeq(out)
	return out
}

// GetInvalidation implements Store.
func (m *Mem) GetInvalidation(_ context.Context, distID, id string) (*Invalidation, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	set, ok := m.invs[distID]
	if !ok {
		return nil, fmt.Errorf("get invalidation %s of %s: %w", id, distID, ErrNoDistribution)
	}
	inv, ok := set.byID[id]
	if !ok {
		return nil, fmt.Errorf("get invalidation %s of %s: %w", id, distID, ErrNoInvalidation)
	}
	return inv.Clone(), nil
}

// ListInvalidations implements Store.
func (m *Mem) ListInvalidations(_ context.Context, distID, marker string, max int) ([]*Invalidation, bool, error) {
	if err := m.lock(); err != nil {
		return nil, false, err
	}
	defer m.mu.Unlock()
	set, ok := m.invs[distID]
	if !ok {
		return nil, false, fmt.Errorf("list invalidations of %s: %w", distID, ErrNoDistribution)
	}
	i := len(set.order) - 1
	if marker != "" {
		inv, ok := set.byID[marker]
		if !ok {
			return nil, false, fmt.Errorf("list invalidations of %s after %q: %w", distID, marker, ErrBadMarker)
		}
		for i >= 0 && set.order[i].Seq >= inv.Seq {
			i--
		}
	}
	var out []*Invalidation
	for ; i >= 0 && len(out) < max; i-- {
		out = append(out, set.order[i].Clone())
	}
	return out, i >= 0, nil
}

// CountInProgress implements Store.
func (m *Mem) CountInProgress(_ context.Context, distID string, now time.Time) (int, error) {
	if err := m.lock(); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	set, ok := m.invs[distID]
	if !ok {
		return 0, fmt.Errorf("count invalidations of %s: %w", distID, ErrNoDistribution)
	}
	return len(set.running(now)), nil
}

// Close implements Store.
func (m *Mem) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
