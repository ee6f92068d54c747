package plan

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// DistributionRoutes turns a distribution's cache behaviours into a
// Mapper's Routes, ordered behaviours first and the default last, and
// returns notes, one line each, saying what it found ("default behaviour:
// origin …"). The bucket being planned is the default behaviour's origin; a
// behaviour's origin is local when it has the same domain name (the same
// bucket, perhaps under another origin path). A behaviour that targets an
// origin group uses the group's first (primary) member. It reads cfg only:
// fetching it (cfinv.Client.DistributionConfig) is the caller's business.
//
// It fails when cfg has no default cache behaviour or the default
// behaviour's origin is not among cfg's origins.
func DistributionRoutes(cfg *types.DistributionConfig) (routes []Route, notes []string, err error) {
	origins := map[string]types.Origin{}
	if cfg.Origins != nil {
		for _, o := range cfg.Origins.Items {
			origins[aws.ToString(o.Id)] = o
		}
	}
	groups := map[string]string{}
	if cfg.OriginGroups != nil {
		for _, g := range cfg.OriginGroups.Items {
			if g.Members != nil && len(g.Members.Items) > 0 {
				groups[aws.ToString(g.Id)] = aws.ToString(g.Members.Items[0].OriginId)
			}
		}
	}
	target := func(id string) (types.Origin, bool) {
		if member, ok := groups[id]; ok {
			id = member
		}
		o, ok := origins[id]
		return o, ok
	}
	if cfg.DefaultCacheBehavior == nil {
		return nil, nil, errors.New("no default cache behaviour")
	}
	defID := aws.ToString(cfg.DefaultCacheBehavior.TargetOriginId)
	def, ok := target(defID)
	if !ok {
		return nil, nil, fmt.Errorf("the default cache behaviour's origin %q is not among the origins", defID)
	}
	bucket := aws.ToString(def.DomainName)
	notes = []string{fmt.Sprintf("default behaviour: origin %q (%s), origin path %q", defID, bucket, aws.ToString(def.OriginPath))}
	if cfg.CacheBehaviors != nil {
		for _, cb := range cfg.CacheBehaviors.Items {
			pattern, id := aws.ToString(cb.PathPattern), aws.ToString(cb.TargetOriginId)
			o, ok := target(id)
			local := ok && aws.ToString(o.DomainName) == bucket
			routes = append(routes, Route{PathPattern: pattern, Local: local, OriginPath: aws.ToString(o.OriginPath)})
			if local {
				notes = append(notes, fmt.Sprintf("behaviour %q: same bucket, origin path %q", pattern, aws.ToString(o.OriginPath)))
			} else {
				notes = append(notes, fmt.Sprintf("behaviour %q: origin %q is another host; keys at URLs it matches are not reachable and are left out", pattern, id))
			}
		}
	}
	routes = append(routes, Route{Local: true, OriginPath: aws.ToString(def.OriginPath)})
	return routes, notes, nil
}
