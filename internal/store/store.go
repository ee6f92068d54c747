// Package store persists the state of the local CloudFront emulator:
// distributions and their invalidations. Store is a domain interface (no
// raw keys or bytes); Bolt keeps the state in a bbolt file and fsyncs every
// commit, Mem keeps it in memory. Both pass the conformance suite in
// package storetest.
//
// Records are encoded with encoding/json. Times are stored with their full
// precision; the emulator rounds them when it renders XML.
package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// Sentinel errors. Implementations return them (possibly wrapped) so callers
// can test with errors.Is.
var (
	// ErrNoDistribution means no distribution has the given ID.
	ErrNoDistribution = errors.New("no such distribution")
	// ErrNoInvalidation means the distribution has no invalidation with
	// the given ID.
	ErrNoInvalidation = errors.New("no such invalidation")
	// ErrDistributionExists means a distribution with the same
	// CallerReference (or, improbably, the same ID) already exists.
	ErrDistributionExists = errors.New("distribution already exists")
	// ErrInvalidationExists means the distribution already has an
	// invalidation with the same ID. (A reused CallerReference is not an
	// error: CreateInvalidation returns the existing invalidation.)
	ErrInvalidationExists = errors.New("invalidation ID already exists")
	// ErrBadMarker means a list marker names no item of the list.
	ErrBadMarker = errors.New("marker names no item")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("store closed")
	// ErrInvalidKey means a client-chosen value the store keys by (a
	// CallerReference) is empty or longer than MaxKeyBytes. It comes
	// wrapped in a *KeyError. Nothing is stored.
	ErrInvalidKey = errors.New("invalid key")
)

// MaxKeyBytes is the longest CallerReference a Store accepts: bbolt's limit
// on a key. The emulator refuses much shorter ones first; this bound is the
// store's own, so no implementation can fail later on a key another
// accepted (cfinv issue 10).
const MaxKeyBytes = 32768

// KeyError describes a key a Store refused; it wraps ErrInvalidKey.
type KeyError struct {
	What string // e.g. "invalidation CallerReference"
	Len  int    // its length in bytes
}

// Error says what was refused and why.
func (e *KeyError) Error() string {
	if e.Len == 0 {
		return e.What + " is empty"
	}
	return fmt.Sprintf("%s is %d bytes long, over the store's limit of %d", e.What, e.Len, MaxKeyBytes)
}

// Unwrap returns ErrInvalidKey.
func (e *KeyError) Unwrap() error { return ErrInvalidKey }

// ExistsError is the error CreateDistribution returns for a reused
// CallerReference: it names the distribution that holds it, which
// CloudFront's DistributionAlreadyExists message ends with. It wraps
// ErrDistributionExists.
type ExistsError struct {
	// ID is the distribution that already has the CallerReference.
	ID string
}

// Error names the existing distribution.
func (e *ExistsError) Error() string { return "distribution already exists: " + e.ID }

// Unwrap returns ErrDistributionExists.
func (e *ExistsError) Unwrap() error { return ErrDistributionExists }

// checkKey returns a *KeyError when key cannot be stored.
func checkKey(what, key string) error {
	if key == "" || len(key) > MaxKeyBytes {
		return &KeyError{What: what, Len: len(key)}
	}
	return nil
}

// Status values, as CloudFront spells them.
const (
	StatusInProgress = "InProgress"
	StatusCompleted  = "Completed"
	StatusDeployed   = "Deployed"
)

// Distribution is one distribution as stored.
type Distribution struct {
	ID               string    `json:"id"`
	ARN              string    `json:"arn"`
	DomainName       string    `json:"domainName"`
	ETag             string    `json:"etag"`
	Status           string    `json:"status"`
	LastModifiedTime time.Time `json:"lastModified"`
	// DeployedAt is when Status InProgress turns into Deployed. Zero
	// means Status is final.
	DeployedAt      time.Time `json:"deployedAt,omitzero"`
	CallerReference string    `json:"callerReference"`
	// Config is the DistributionConfig as the client sent it, plus the
	// members CloudFront fills in when they are left out.
	Config *distconfig.Node `json:"config"`
	// Tags are the distribution's tags in the order they were first
	// added, keys unique. Tagging does not change ETag or
	// LastModifiedTime, as in CloudFront.
	Tags []Tag `json:"tags,omitempty"`
	// Seq orders distributions by creation; the store assigns it.
	Seq uint64 `json:"seq"`
}

// Tag is one resource tag, as CloudFront models it (Key 1–128 characters,
// Value 0–256); the emulator validates them before storing.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// StatusAt returns the distribution's status at now: Deployed once now has
// reached DeployedAt.
func (d *Distribution) StatusAt(now time.Time) string {
	if d.Status == StatusInProgress && !d.DeployedAt.IsZero() && !now.Before(d.DeployedAt) {
		return StatusDeployed
	}
	return d.Status
}

// Clone returns a deep copy of d.
func (d *Distribution) Clone() *Distribution {
	c := *d
	c.Config = d.Config.Clone()
	if d.Tags != nil {
		c.Tags = slices.Clone(d.Tags)
	}
	return &c
}

// Invalidation is one invalidation batch as stored. Its status is derived
// from CompleteAt, so a deadline survives restarts and nothing has to run in
// the background for it to pass.
type Invalidation struct {
	// DistributionID names the set holding the invalidation: a
	// distribution's ID, or an owner given to CreateInvalidationSet.
	DistributionID  string    `json:"distributionId"`
	ID              string    `json:"id"`
	CallerReference string    `json:"callerReference"`
	Paths           []string  `json:"paths"`
	CreateTime      time.Time `json:"createTime"`
	CompleteAt      time.Time `json:"completeAt"`
	// Seq orders invalidations by creation, also when CreateTimes are
	// equal; the store assigns it.
	Seq uint64 `json:"seq"`
}

// InProgressAt reports whether the invalidation is still running at now.
func (inv *Invalidation) InProgressAt(now time.Time) bool { return now.Before(inv.CompleteAt) }

// StatusAt returns InProgress before CompleteAt and Completed from then on.
func (inv *Invalidation) StatusAt(now time.Time) string {
	if inv.InProgressAt(now) {
		return StatusInProgress
	}
	return StatusCompleted
}

// Clone returns a deep copy of inv.
func (inv *Invalidation) Clone() *Invalidation {
	c := *inv
	c.Paths = append([]string(nil), inv.Paths...)
	return &c
}

// Store holds distributions and invalidations. Implementations are safe for
// concurrent use. Every method that changes state has committed it durably
// (for Bolt: fsync'd) when it returns nil. Returned records are copies the
// caller may modify. Methods return ErrClosed after Close.
type Store interface {
	// CreateDistribution stores d, assigning d.Seq. It returns
	// ErrDistributionExists, and stores nothing, when a distribution
	// with the same CallerReference or ID exists (CloudFront refuses a
	// reused distribution CallerReference whatever the config). An empty
	// CallerReference or one over MaxKeyBytes gives ErrInvalidKey. For a
	// reused CallerReference the error is an *ExistsError naming the
	// distribution that holds it.
	CreateDistribution(ctx context.Context, d *Distribution) error

	// GetDistribution returns the distribution with the given ID, or
	// ErrNoDistribution.
	GetDistribution(ctx context.Context, id string) (*Distribution, error)

	// ListDistributions returns up to max distributions in creation order,
	// starting after the one whose ID is marker ("" starts at the first).
	// truncated reports whether more follow the last one returned. An
	// unknown marker gives ErrBadMarker. max < 1 returns no items.
	ListDistributions(ctx context.Context, marker string, max int) (items []*Distribution, truncated bool, err error)

	// UpdateDistribution calls fn with a copy of the distribution in one
	// transaction and stores the copy if fn returns nil; fn's error is
	// returned unchanged and nothing is written. fn must not change ID,
	// CallerReference or Seq. It returns the stored result, or
	// ErrNoDistribution.
	UpdateDistribution(ctx context.Context, id string, fn func(d *Distribution) error) (*Distribution, error)

	// DeleteDistribution calls check (when not nil) with the distribution
	// in one transaction and, if it returns nil, deletes the distribution
	// and all its invalidations; check's error is returned unchanged. It
	// returns ErrNoDistribution when there is nothing to delete.
	DeleteDistribution(ctx context.Context, id string, check func(d *Distribution) error) error

	// CreateInvalidation stores inv (whose ID, CallerReference, Paths,
	// CreateTime and CompleteAt the caller has set), assigning inv.Seq,
	// atomically with two checks:
	//
	//   - If the distribution already has an invalidation with
	//     inv.CallerReference, that one is returned with created false and
	//     nothing is written, whatever its paths; the caller compares.
	//   - Otherwise admit is called with the distribution's invalidations
	//     in progress at now (oldest first), and inv is stored, and
	//     returned with created true, only if admit returns nil. admit's
	//     error is returned unchanged. admit runs inside the write
	//     transaction: it must not call the Store.
	//
	// It returns ErrNoDistribution for an unknown inv.DistributionID,
	// ErrInvalidationExists when the ID is taken, and ErrInvalidKey for an
	// empty CallerReference or one over MaxKeyBytes.
	CreateInvalidation(ctx context.Context, inv *Invalidation, now time.Time, admit func(inProgress []*Invalidation) error) (got *Invalidation, created bool, err error)

	// GetInvalidation returns the invalidation id of distribution distID.
	// It returns ErrNoDistribution when the distribution does not exist
	// and ErrNoInvalidation when it has no such invalidation (also when
	// the ID belongs to another distribution).
	GetInvalidation(ctx context.Context, distID, id string) (*Invalidation, error)

	// ListInvalidations returns up to max invalidations of distID, newest
	// first (by creation sequence), starting after the one whose ID is
	// marker ("" starts at the newest). truncated reports whether more
	// follow. It returns ErrNoDistribution or ErrBadMarker.
	ListInvalidations(ctx context.Context, distID, marker string, max int) (items []*Invalidation, truncated bool, err error)

	// CountInProgress returns how many invalidations of distID are in
	// progress at now, or ErrNoDistribution. It does not scan the
	// distribution's completed invalidations.
	CountInProgress(ctx context.Context, distID string, now time.Time) (int, error)

	// CreateInvalidationSet gives owner, which is not a distribution's
	// ID, a set of invalidations of its own, which CreateInvalidation,
	// GetInvalidation, ListInvalidations and CountInProgress then take in
	// place of a distribution ID, with the same contract: the emulator
	// keeps each distribution tenant's invalidations so (cfinv issue 24
	// item 10). It is idempotent: an existing set, a distribution's too,
	// is kept as it is. An empty owner or one over MaxKeyBytes gives
	// ErrInvalidKey.
	CreateInvalidationSet(ctx context.Context, owner string) error

	// DeleteInvalidationSet deletes the set CreateInvalidationSet made
	// for owner, with its invalidations. It returns ErrNoDistribution
	// when owner has no such set (a distribution's set goes only with
	// DeleteDistribution).
	DeleteInvalidationSet(ctx context.Context, owner string) error

	// ResourceStore holds the other configuration resources (origin
	// access controls, policies, public keys, key groups).
	ResourceStore

	// Close releases the store. Later calls return ErrClosed.
	Close() error
}
