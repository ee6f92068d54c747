package edgecache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// resolved is a distribution with its config read once.
type resolved struct {
	id         string
	enabled    bool
	rootObject string
	tagHeader  string
	behaviors  []distconfig.Behavior
	def        distconfig.Behavior
	origins    map[string]distconfig.Origin
	// errorResponses are the CustomErrorResponses by ErrorCode.
	errorResponses map[int]distconfig.ErrorResponse
	// policies are Distribution.Policies.
	policies map[string]*distconfig.Node
	// functions are Distribution.Functions; domain its DomainName.
	functions map[string]FunctionCode
	domain    string
	routes    routeSet // built on first use (route.go)
	// staging is the distribution's route to its staging distribution
	// (staging.go), or nil.
	staging *staging
}

type hostTable struct {
	built    time.Time
	exact    map[string]*resolved
	wildcard map[string]*resolved // "*.example.com" stored as "example.com"
}

// lookupHost finds the distribution served at host: its DomainName, one
// of its Aliases (a "*.example.com" alias covers one label), or
// "ID.localhost". ok is false for an unknown host.
//
// An unknown host makes the proxy list the distributions again if its list
// is older than missRefresh, so a distribution created a moment ago is
// served at once rather than after ConfigRefresh.
func (p *Proxy) lookupHost(ctx context.Context, host string) (*resolved, bool, error) {
	if strings.IndexByte(host, ':') >= 0 { // no port, no SplitHostPort error to allocate
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	d, ok, err := p.lookupIn(ctx, host, 0)
	if !ok && d == nil && err == nil {
		return p.lookupIn(ctx, host, missRefresh)
	}
	return d, ok, err
}

// missRefresh is the age beyond which a lookup of an unknown host lists
// the distributions again; it bounds the listing rate an unknown Host
// header can cause.
const missRefresh = 100 * time.Millisecond

// lookupIn looks host up in the host table, rebuilt first if it is older
// than maxAge (0 means ConfigRefresh).
func (p *Proxy) lookupIn(ctx context.Context, host string, maxAge time.Duration) (*resolved, bool, error) {
	t, err := p.table(ctx, maxAge)
	if t == nil {
		return nil, false, err
	}
	if err != nil {
		p.logger().LogAttrs(ctx, slog.LevelWarn, "edge list distributions, using the previous list", slog.Any("error", err))
	}
	if d, ok := t.exact[host]; ok {
		return d, true, nil
	}
	if _, parent, ok := strings.Cut(host, "."); ok {
		if d, ok := t.wildcard[parent]; ok {
			return d, true, nil
		}
	}
	return nil, false, nil
}

// RefreshDistributions makes the next request list the distributions
// again, however recent the host table is by Now and ConfigRefresh. Call it
// after changing what Distributions lists, to have the change served at
// once: with a clock that stands still (a test's), the table would
// otherwise never go stale. A listing that is running when it is called
// finishes first, so what it returns, possibly from before the change, is
// discarded rather than kept.
func (p *Proxy) RefreshDistributions() {
	p.hostMu.Lock()
	defer p.hostMu.Unlock()
	p.hosts.Store(nil)
}

func (p *Proxy) table(ctx context.Context, maxAge time.Duration) (*hostTable, error) {
	refresh := p.ConfigRefresh
	if refresh <= 0 {
		refresh = DefaultConfigRefresh
	}
	if maxAge > 0 && maxAge < refresh {
		refresh = maxAge
	}
	now := p.now()
	if t := p.hosts.Load(); t != nil && now.Sub(t.built) < refresh && !now.Before(t.built) {
		return t, nil
	}
	p.hostMu.Lock()
	defer p.hostMu.Unlock()
	old := p.hosts.Load()
	if old != nil && now.Sub(old.built) < refresh && !now.Before(old.built) {
		return old, nil
	}
	if p.Distributions == nil {
		return old, errors.New("list distributions: Proxy.Distributions is nil")
	}
	list, err := p.Distributions.ListDistributions(ctx)
	if err != nil {
		return old, fmt.Errorf("list distributions: %w", err)
	}
	t := &hostTable{built: now, exact: map[string]*resolved{}, wildcard: map[string]*resolved{}}
	byID := make(map[string]*resolved, len(list))
	var primaries []int
	for i, d := range list {
		c := d.Config
		r := &resolved{
			id: d.ID, enabled: c.Enabled(), rootObject: c.DefaultRootObject(), tagHeader: c.CacheTagHeader(),
			behaviors: c.CacheBehaviors(), def: c.DefaultCacheBehavior(), origins: map[string]distconfig.Origin{},
			errorResponses: c.CustomErrorResponses(), policies: d.Policies,
			functions: d.Functions, domain: d.DomainName,
		}
		for _, o := range c.Origins() {
			r.origins[o.ID] = o
		}
		byID[d.ID] = r
		if d.Staging != nil {
			primaries = append(primaries, i)
		}
		if d.IsStaging {
			continue // served only through its primary
		}
		t.exact[strings.ToLower(d.ID)+".localhost"] = r
		if d.DomainName != "" {
			t.exact[strings.ToLower(d.DomainName)] = r
		}
		for _, a := range c.Aliases() {
			a = strings.TrimSuffix(strings.ToLower(a), ".")
			if rest, ok := strings.CutPrefix(a, "*."); ok {
				t.wildcard[rest] = r
			} else {
				t.exact[a] = r
			}
		}
		for _, dom := range d.Domains {
			t.exact[strings.TrimSuffix(strings.ToLower(dom), ".")] = r
		}
	}
	for _, i := range primaries {
		d := list[i]
		if to := byID[d.Staging.StagingID]; to != nil && to != byID[d.ID] {
			byID[d.ID].staging = &staging{route: *d.Staging, to: to}
		}
	}
	p.hosts.Store(t)
	return t, nil
}
