package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// Errors of the resource methods.
var (
	// ErrNoResource means no resource of the kind has the given ID.
	ErrNoResource = errors.New("no such resource")
	// ErrResourceExists means a resource of the kind already has the name
	// (or, improbably, the ID).
	ErrResourceExists = errors.New("resource already exists")
)

// Resource is one of the account's configuration resources other than
// distributions: an origin access control, a cache, origin request or
// response headers policy, a public key or a key group. The emulator
// knows each kind's shape; the store keeps the config tree and indexes
// the name, which is unique within a kind.
type Resource struct {
	// Kind names the resource type, e.g. "origin-access-control"; it is
	// also a bucket name in the Bolt file.
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Name is unique among the resources of Kind.
	Name             string    `json:"name"`
	ETag             string    `json:"etag"`
	CreatedTime      time.Time `json:"created"`
	LastModifiedTime time.Time `json:"lastModified"`
	// Config is the resource's config (e.g. OriginAccessControlConfig)
	// as validated and stored by the emulator.
	Config *distconfig.Node `json:"config"`
	Tags   []Tag            `json:"tags,omitempty"`
	// Seq orders the resources of a kind by creation; the store assigns
	// it.
	Seq uint64 `json:"seq"`
}

// Clone returns a deep copy of r.
func (r *Resource) Clone() *Resource {
	c := *r
	c.Config = r.Config.Clone()
	if r.Tags != nil {
		c.Tags = slices.Clone(r.Tags)
	}
	return &c
}

// Snapshot is a read-only view of the store inside a resource write
// transaction, for checks such as "is this policy used by a
// distribution?" that must agree with the write.
type Snapshot interface {
	// Distributions returns every distribution.
	Distributions() ([]*Distribution, error)
	// Resources returns every resource of kind in creation order.
	Resources(kind string) ([]*Resource, error)
}

// ResourceStore holds Resources; Store includes it. The same durability
// and copy rules as for distributions apply.
type ResourceStore interface {
	// CreateResource stores r, assigning r.Seq. A resource of r.Kind with
	// the same Name or ID gives ErrResourceExists and nothing is stored;
	// an empty Name or one over MaxKeyBytes gives ErrInvalidKey.
	CreateResource(ctx context.Context, r *Resource) error

	// GetResource returns the resource kind/id, or ErrNoResource.
	GetResource(ctx context.Context, kind, id string) (*Resource, error)

	// ListResources returns every resource of kind in creation order.
	ListResources(ctx context.Context, kind string) ([]*Resource, error)

	// UpdateResource calls fn with a copy of the resource in one
	// transaction and stores it if fn returns nil (fn's error is
	// returned unchanged). fn may change Name, Config, ETag,
	// LastModifiedTime and Tags; a Name another resource of the kind has
	// gives ErrResourceExists. It returns ErrNoResource.
	UpdateResource(ctx context.Context, kind, id string, fn func(r *Resource) error) (*Resource, error)

	// DeleteResource calls check (when not nil) with the resource and a
	// Snapshot in one transaction and deletes the resource if check
	// returns nil (check's error is returned unchanged). It returns
	// ErrNoResource when there is nothing to delete.
	DeleteResource(ctx context.Context, kind, id string, check func(r *Resource, in Snapshot) error) error
}
