package store

import (
	"context"
	"fmt"
)

// memResources holds one kind's resources.
type memResources struct {
	byID  map[string]*Resource
	names map[string]string // Name -> ID
	order []string          // IDs in creation order
	seq   uint64
}

func (m *Mem) kind(kind string, create bool) *memResources {
	if m.res == nil {
		m.res = map[string]*memResources{}
	}
	k := m.res[kind]
	if k == nil && create {
		k = &memResources{byID: map[string]*Resource{}, names: map[string]string{}}
		m.res[kind] = k
	}
	return k
}

// CreateResource implements Store.
func (m *Mem) CreateResource(_ context.Context, r *Resource) error {
	if err := checkKey(r.Kind+" name", r.Name); err != nil {
		return fmt.Errorf("create %s: %w", r.Kind, err)
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	k := m.kind(r.Kind, true)
	if _, ok := k.names[r.Name]; ok {
		return fmt.Errorf("create %s: name %q: %w", r.Kind, r.Name, ErrResourceExists)
	}
	if _, ok := k.byID[r.ID]; ok {
		return fmt.Errorf("create %s: id %s: %w", r.Kind, r.ID, ErrResourceExists)
	}
	k.seq++
	r.Seq = k.seq
	k.byID[r.ID] = r.Clone()
	k.names[r.Name] = r.ID
	k.order = append(k.order, r.ID)
	return nil
}

// GetResource implements Store.
func (m *Mem) GetResource(_ context.Context, kind, id string) (*Resource, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	if k := m.kind(kind, false); k != nil {
		if r, ok := k.byID[id]; ok {
			return r.Clone(), nil
		}
	}
	return nil, fmt.Errorf("get %s %s: %w", kind, id, ErrNoResource)
}

func (m *Mem) resources(kind string) []*Resource {
	k := m.kind(kind, false)
	if k == nil {
		return nil
	}
	out := make([]*Resource, 0, len(k.order))
	for _, id := range k.order {
		out = append(out, k.byID[id].Clone())
	}
	return out
}

// ListResources implements Store.
func (m *Mem) ListResources(_ context.Context, kind string) ([]*Resource, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	return m.resources(kind), nil
}

// UpdateResource implements Store.
func (m *Mem) UpdateResource(_ context.Context, kind, id string, fn func(r *Resource) error) (*Resource, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	k := m.kind(kind, false)
	if k == nil || k.byID[id] == nil {
		return nil, fmt.Errorf("update %s %s: %w", kind, id, ErrNoResource)
	}
	old := k.byID[id]
	c := old.Clone()
	if err := fn(c); err != nil {
		return nil, err
	}
	c.Kind, c.ID, c.Seq, c.CreatedTime = old.Kind, old.ID, old.Seq, old.CreatedTime
	if c.Name != old.Name {
		if err := checkKey(kind+" name", c.Name); err != nil {
			return nil, fmt.Errorf("update %s %s: %w", kind, id, err)
		}
		if _, taken := k.names[c.Name]; taken {
			return nil, fmt.Errorf("update %s %s: name %q: %w", kind, id, c.Name, ErrResourceExists)
		}
		delete(k.names, old.Name)
		k.names[c.Name] = id
	}
	k.byID[id] = c
	return c.Clone(), nil
}

// memSnapshot is the Snapshot of a Mem whose lock is held.
type memSnapshot struct{ m *Mem }

func (s memSnapshot) Distributions() ([]*Distribution, error) {
	out := make([]*Distribution, 0, len(s.m.order))
	for _, id := range s.m.order {
		out = append(out, s.m.dists[id].Clone())
	}
	return out, nil
}

func (s memSnapshot) Resources(kind string) ([]*Resource, error) { return s.m.resources(kind), nil }

// DeleteResource implements Store.
func (m *Mem) DeleteResource(_ context.Context, kind, id string, check func(r *Resource, in Snapshot) error) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	k := m.kind(kind, false)
	if k == nil || k.byID[id] == nil {
		return fmt.Errorf("delete %s %s: %w", kind, id, ErrNoResource)
	}
	r := k.byID[id]
	if check != nil {
		if err := check(r.Clone(), memSnapshot{m}); err != nil {
			return err
		}
	}
	delete(k.byID, id)
	delete(k.names, r.Name)
	for i, o := range k.order {
		if o == id {
			k.order = append(k.order[:i:i], k.order[i+1:]...)
			break
		}
	}
	return nil
}
