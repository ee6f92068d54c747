package store

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Resources live under resources/<kind>/, one bucket per kind, created on
// the first write of that kind:
//
//	resources/<kind>/ids/    ID -> JSON Resource
//	resources/<kind>/order/  8-byte big-endian Seq -> ID
//	resources/<kind>/names/  Name -> ID
var (
	bktResources = []byte("resources")
	bktNames     = []byte("names")
)

// kindBuckets returns kind's ids, order and names buckets, creating them
// when create is set (in a write transaction); nil when absent.
func kindBuckets(tx *bolt.Tx, kind string, create bool) (ids, order, names *bolt.Bucket, err error) {
	top := tx.Bucket(bktResources)
	k := top.Bucket([]byte(kind))
	if k == nil {
		if !create {
			return nil, nil, nil, nil
		}
		if k, err = top.CreateBucket([]byte(kind)); err != nil {
			return nil, nil, nil, err
		}
		for _, name := range [][]byte{bktIDs, bktOrder, bktNames} {
			if _, err := k.CreateBucket(name); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	return k.Bucket(bktIDs), k.Bucket(bktOrder), k.Bucket(bktNames), nil
}

func getResource(ids *bolt.Bucket, kind, id string) (*Resource, error) {
	if ids == nil {
		return nil, ErrNoResource
	}
	v := ids.Get([]byte(id))
	if v == nil {
		return nil, ErrNoResource
	}
	var r Resource
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", kind, id, err)
	}
	return &r, nil
}

// CreateResource implements Store.
func (b *Bolt) CreateResource(_ context.Context, r *Resource) error {
	if err := checkKey(r.Kind+" name", r.Name); err != nil {
		return fmt.Errorf("create %s: %w", r.Kind, err)
	}
	var seq uint64
	err := b.update(func(tx *bolt.Tx) error {
		ids, order, names, err := kindBuckets(tx, r.Kind, true)
		if err != nil {
			return err
		}
		if names.Get([]byte(r.Name)) != nil {
			return fmt.Errorf("name %q: %w", r.Name, ErrResourceExists)
		}
		if ids.Get([]byte(r.ID)) != nil {
			return fmt.Errorf("id %s: %w", r.ID, ErrResourceExists)
		}
		if seq, err = ids.NextSequence(); err != nil {
			return err
		}
		c := *r
		c.Seq = seq
		if err := putJSON(ids, c.ID, &c); err != nil {
			return err
		}
		if err := order.Put(u64(seq), []byte(c.ID)); err != nil {
			return err
		}
		return names.Put([]byte(c.Name), []byte(c.ID))
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", r.Kind, err)
	}
	r.Seq = seq
	return nil
}

// GetResource implements Store.
func (b *Bolt) GetResource(_ context.Context, kind, id string) (*Resource, error) {
	var r *Resource
	err := b.view(func(tx *bolt.Tx) error {
		ids, _, _, err := kindBuckets(tx, kind, false)
		if err != nil {
			return err
		}
		r, err = getResource(ids, kind, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", kind, id, err)
	}
	return r, nil
}

func listResources(tx *bolt.Tx, kind string) ([]*Resource, error) {
	ids, order, _, err := kindBuckets(tx, kind, false)
	if err != nil || ids == nil {
		return nil, err
	}
	var out []*Resource
	err = order.ForEach(func(_, id []byte) error {
		r, err := getResource(ids, kind, string(id))
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// ListResources implements Store.
func (b *Bolt) ListResources(_ context.Context, kind string) ([]*Resource, error) {
	var out []*Resource
	err := b.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listResources(tx, kind)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", kind, err)
	}
	return out, nil
}

// UpdateResource implements Store.
func (b *Bolt) UpdateResource(_ context.Context, kind, id string, fn func(r *Resource) error) (*Resource, error) {
	var out *Resource
	var fnErr error
	err := b.update(func(tx *bolt.Tx) error {
		ids, _, names, err := kindBuckets(tx, kind, false)
		if err != nil {
			return err
		}
		old, err := getResource(ids, kind, id)
		if err != nil {
			return err
		}
		c := old.Clone()
		if fnErr = fn(c); fnErr != nil {
			return fnErr
		}
		c.Kind, c.ID, c.Seq, c.CreatedTime = old.Kind, old.ID, old.Seq, old.CreatedTime
		if c.Name != old.Name {
			if err := checkKey(kind+" name", c.Name); err != nil {
				return err
			}
			if names.Get([]byte(c.Name)) != nil {
				return fmt.Errorf("name %q: %w", c.Name, ErrResourceExists)
			}
			if err := names.Delete([]byte(old.Name)); err != nil {
				return err
			}
			if err := names.Put([]byte(c.Name), []byte(id)); err != nil {
				return err
			}
		}
		out = c
		return putJSON(ids, id, c)
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("update %s %s: %w", kind, id, err)
	}
	return out, nil
}

// boltSnapshot reads inside the write transaction it is given.
type boltSnapshot struct{ tx *bolt.Tx }

func (s boltSnapshot) Distributions() ([]*Distribution, error) {
	var out []*Distribution
	err := s.tx.Bucket(bktDistOrder).ForEach(func(_, id []byte) error {
		d, err := getDist(s.tx, string(id))
		if err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

func (s boltSnapshot) Resources(kind string) ([]*Resource, error) { return listResources(s.tx, kind) }

// DeleteResource implements Store.
func (b *Bolt) DeleteResource(_ context.Context, kind, id string, check func(r *Resource, in Snapshot) error) error {
	var checkErr error
	err := b.update(func(tx *bolt.Tx) error {
		ids, order, names, err := kindBuckets(tx, kind, false)
		if err != nil {
			return err
		}
		r, err := getResource(ids, kind, id)
		if err != nil {
			return err
		}
		if check != nil {
			if checkErr = check(r.Clone(), boltSnapshot{tx}); checkErr != nil {
				return checkErr
			}
		}
		if err := ids.Delete([]byte(id)); err != nil {
			return err
		}
		if err := order.Delete(u64(r.Seq)); err != nil {
			return err
		}
		return names.Delete([]byte(r.Name))
	})
	if checkErr != nil {
		return checkErr
	}
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", kind, id, err)
	}
	return nil
}
