package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// NewResource returns resource n of kind, not yet stored.
func NewResource(kind string, n int) *store.Resource {
	name := fmt.Sprintf("name-%d", n)
	return &store.Resource{
		Kind: kind, ID: fmt.Sprintf("R%013d", n), Name: name, ETag: fmt.Sprintf("ET%d", n),
		CreatedTime: T0, LastModifiedTime: T0,
		Config: &distconfig.Node{Name: "Config", Nodes: []*distconfig.Node{{Name: "Name", Text: name}}},
		Tags:   []store.Tag{{Key: "k", Value: "v"}},
	}
}

func testResources(t *testing.T, s store.Store) {
	const kind, other = "cache-policy", "key-group"
	a, b := NewResource(kind, 1), NewResource(kind, 2)
	for _, r := range []*store.Resource{a, b, NewResource(other, 1)} {
		if err := s.CreateResource(ctx(t), r); err != nil {
			t.Fatalf("CreateResource(%s %s): %v", r.Kind, r.ID, err)
		}
	}
	if a.Seq == 0 || b.Seq <= a.Seq {
		t.Errorf("Seq = %d, %d; want increasing from 1", a.Seq, b.Seq)
	}
	dup := NewResource(kind, 3)
	dup.Name = a.Name
	wantErr(t, "CreateResource(same name)", s.CreateResource(ctx(t), dup), store.ErrResourceExists)
	sameID := NewResource(kind, 1)
	sameID.Name = "fresh"
	wantErr(t, "CreateResource(same id)", s.CreateResource(ctx(t), sameID), store.ErrResourceExists)
	empty := NewResource(kind, 4)
	empty.Name = ""
	wantErr(t, "CreateResource(empty name)", s.CreateResource(ctx(t), empty), store.ErrInvalidKey)

	got, err := s.GetResource(ctx(t), kind, a.ID)
	if err != nil || got.Name != a.Name || got.Config.Value("Name") != a.Name || len(got.Tags) != 1 {
		t.Fatalf("GetResource = %+v, %v", got, err)
	}
	_, err = s.GetResource(ctx(t), other, a.Name)
	wantErr(t, "GetResource(other kind)", err, store.ErrNoResource)
	_, err = s.GetResource(ctx(t), "never-written", "x")
	wantErr(t, "GetResource(unknown kind)", err, store.ErrNoResource)

	list, err := s.ListResources(ctx(t), kind)
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("ListResources = %v, %v; want %s, %s", list, err, a.ID, b.ID)
	}
	if none, err := s.ListResources(ctx(t), "never-written"); err != nil || len(none) != 0 {
		t.Errorf("ListResources(unknown kind) = %v, %v", none, err)
	}

	boom := errors.New("boom")
	if _, err := s.UpdateResource(ctx(t), kind, a.ID, func(*store.Resource) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateResource(fn fails) = %v, want boom", err)
	}
	_, err = s.UpdateResource(ctx(t), kind, a.ID, func(r *store.Resource) error { r.Name = b.Name; return nil })
	wantErr(t, "UpdateResource(taken name)", err, store.ErrResourceExists)
	up, err := s.UpdateResource(ctx(t), kind, a.ID, func(r *store.Resource) error {
		r.Name, r.ETag, r.Seq = "renamed", "ET9", 99
		return nil
	})
	if err != nil || up.Name != "renamed" || up.ETag != "ET9" || up.Seq != a.Seq {
		t.Fatalf("UpdateResource = %+v, %v", up, err)
	}
	// The old name is free again, the new one taken.
	reuse := NewResource(kind, 5)
	reuse.Name = a.Name
	if err := s.CreateResource(ctx(t), reuse); err != nil {
		t.Errorf("CreateResource(freed name): %v", err)
	}
	_, err = s.UpdateResource(ctx(t), kind, "RNOPE", func(*store.Resource) error { return nil })
	wantErr(t, "UpdateResource(unknown)", err, store.ErrNoResource)

	if err := s.CreateDistribution(ctx(t), NewDistribution(1)); err != nil {
		t.Fatal(err)
	}
	inUse := errors.New("in use")
	err = s.DeleteResource(ctx(t), kind, a.ID, func(r *store.Resource, in store.Snapshot) error {
		dists, err := in.Distributions()
		if err != nil || len(dists) != 1 {
			t.Errorf("Snapshot.Distributions = %d, %v; want 1", len(dists), err)
		}
		others, err := in.Resources(other)
		if err != nil || len(others) != 1 {
			t.Errorf("Snapshot.Resources = %d, %v; want 1", len(others), err)
		}
		return inUse
	})
	if !errors.Is(err, inUse) {
		t.Fatalf("DeleteResource(check refuses) = %v", err)
	}
	if err := s.DeleteResource(ctx(t), kind, a.ID, nil); err != nil {
		t.Fatalf("DeleteResource: %v", err)
	}
	wantErr(t, "DeleteResource(again)", s.DeleteResource(ctx(t), kind, a.ID, nil), store.ErrNoResource)
	renamedFree := NewResource(kind, 6)
	renamedFree.Name = "renamed"
	if err := s.CreateResource(ctx(t), renamedFree); err != nil {
		t.Errorf("CreateResource(name of deleted): %v", err)
	}
}
