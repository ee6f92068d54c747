// Package edgestore connects the edge cache to the emulator's state: it
// lists a store's distributions, with the policies they name, in the form
// edgecache.Proxy reads them.
// `cfinv serve` and cfinvtest both wire their edge through it, and neither
// edgecache nor store has to know the other.
package edgestore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
)

// pageSize is how many distributions one store call lists.
const pageSize = 1000

// policyKinds are the store kinds of the policies the edge honours.
var policyKinds = []string{"cache-policy", "origin-request-policy", "response-headers-policy"}

// policies returns the configs of the account's cache, origin request and
// response headers policies and of AWS's managed ones, by ID.
func policies(ctx context.Context, st store.Store) (map[string]*distconfig.Node, error) {
	out := emulator.ManagedPolicies()
	for _, kind := range policyKinds {
		list, err := st.ListResources(ctx, kind)
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			out[r.ID] = r.Config
		}
	}
	return out, nil
}

// tenantDomains returns the domains of the enabled distribution tenants
// in st, by the ID of the distribution each belongs to.
func tenantDomains(ctx context.Context, st store.Store) (map[string][]string, error) {
	list, err := st.ListResources(ctx, "distribution-tenant")
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, t := range list {
		if t.Config.Value("Enabled") == "false" {
			continue
		}
		parent := t.Config.Value("DistributionId")
		for _, d := range t.Config.Find("Domains").All("Domain") {
			out[parent] = append(out[parent], d.Value())
		}
	}
	return out, nil
}

// KVSFunc returns the content of the key value store id; ok is false when
// there is no such store.
type KVSFunc func(ctx context.Context, id string) (kv *cffunc.KeyValueStore, ok bool, err error)

// storeKVS reads a key value store from st.
func storeKVS(st store.Store) KVSFunc {
	return func(ctx context.Context, id string) (*cffunc.KeyValueStore, bool, error) {
		r, err := st.GetResource(ctx, emulator.KeyValueStoreKind, id)
		if errors.Is(err, store.ErrNoResource) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		kv, err := emulator.KeyValueStoreContent(r)
		return kv, err == nil, err
	}
}

// functions returns the LIVE code of the account's CloudFront Functions,
// by name, each with the content of the key value stores it associates;
// a function never published is not there.
func functions(ctx context.Context, st store.Store, kvs KVSFunc) (map[string]edgecache.FunctionCode, error) {
	list, err := st.ListResources(ctx, emulator.FunctionKind)
	if err != nil {
		return nil, err
	}
	out := map[string]edgecache.FunctionCode{}
	for _, f := range list {
		runtime, code, etag, ok := emulator.FunctionCode(f, "LIVE")
		if !ok {
			continue
		}
		fc := edgecache.FunctionCode{Runtime: runtime, Code: code, ETag: etag}
		for _, id := range emulator.KeyValueStoreIDs(f, "LIVE") {
			kv, ok, err := kvs(ctx, id)
			if err != nil {
				return nil, err
			}
			if ok {
				fc.KeyValueStores = append(fc.KeyValueStores, kv)
			}
		}
		out[f.Name] = fc
	}
	return out, nil
}

// stagingRoutes returns, by policy ID, the enabled continuous deployment
// policies in st with a traffic config, as edgecache routes them; a
// route's StagingID is still the staging distribution's domain name, which
// Distributions resolves.
func stagingRoutes(ctx context.Context, st store.Store) (map[string]edgecache.StagingRoute, error) {
	list, err := st.ListResources(ctx, emulator.ContinuousDeploymentPolicyKind)
	if err != nil {
		return nil, err
	}
	out := map[string]edgecache.StagingRoute{}
	for _, p := range list {
		c := p.Config
		if c.Value("Enabled") != "true" {
			continue
		}
		rt := edgecache.StagingRoute{PolicyID: p.ID, Version: p.ETag, StagingID: p.Name}
		switch c.Value("TrafficConfig", "Type") {
		case "SingleHeader":
			rt.Header, rt.Value = c.Value("TrafficConfig", "SingleHeaderConfig", "Header"), c.Value("TrafficConfig", "SingleHeaderConfig", "Value")
		case "SingleWeight":
			w := c.Find("TrafficConfig", "SingleWeightConfig")
			rt.Weight, _ = strconv.ParseFloat(strings.TrimSpace(w.Value("Weight")), 64)
			idle, _ := strconv.Atoi(w.Value("SessionStickinessConfig", "IdleTTL"))
			max, _ := strconv.Atoi(w.Value("SessionStickinessConfig", "MaximumTTL"))
			rt.IdleTTL, rt.MaxTTL = time.Duration(idle)*time.Second, time.Duration(max)*time.Second
		default:
			continue // no traffic config: nothing goes to staging
		}
		out[p.ID] = rt
	}
	return out, nil
}

// Distributions returns an edgecache.Distributions listing every
// distribution in st, page by page, each with a read-only view of its
// stored config, the cache and response headers policies (custom and
// managed) it may name, the domains of its enabled tenants, the LIVE
// code of the CloudFront Functions and, for a primary distribution, its
// enabled continuous deployment policy (a staging distribution is marked
// IsStaging).
func Distributions(st store.Store) edgecache.DistributionsFunc {
	return DistributionsReading(st, nil)
}

// DistributionsReading is Distributions reading key value stores through
// kvs (nil: from st), e.g. emulator.Server.KeyValueStore, which keeps them
// decoded.
func DistributionsReading(st store.Store, kvs KVSFunc) edgecache.DistributionsFunc {
	if kvs == nil {
		kvs = storeKVS(st)
	}
	return func(ctx context.Context) ([]edgecache.Distribution, error) {
		var out []edgecache.Distribution
		pols, err := policies(ctx, st)
		if err != nil {
			return nil, err
		}
		domains, err := tenantDomains(ctx, st)
		if err != nil {
			return nil, err
		}
		fns, err := functions(ctx, st, kvs)
		if err != nil {
			return nil, err
		}
		routes, err := stagingRoutes(ctx, st)
		if err != nil {
			return nil, err
		}
		byDomain := map[string]string{}
		marker := ""
		for {
			items, truncated, err := st.ListDistributions(ctx, marker, pageSize)
			if err != nil {
				return nil, err
			}
			for _, d := range items {
				out = append(out, edgecache.Distribution{ID: d.ID, DomainName: d.DomainName, Config: distconfig.View(d.Config), Policies: pols, Domains: domains[d.ID], Functions: fns,
					IsStaging: d.Config.Value("Staging") == "true"})
				if pid := d.Config.Value("ContinuousDeploymentPolicyId"); pid != "" {
					if rt, ok := routes[pid]; ok {
						out[len(out)-1].Staging = &rt
					}
				}
				byDomain[strings.ToLower(d.DomainName)] = d.ID
			}
			if !truncated || len(items) == 0 {
				break
			}
			marker = items[len(items)-1].ID
		}
		// A policy names its staging distribution by domain name.
		for i := range out {
			if rt := out[i].Staging; rt != nil {
				rt.StagingID = byDomain[rt.StagingID]
			}
		}
		return out, nil
	}
}
