package plan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/cfpath"

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
	// One *Function per function, however many behaviours run it.
	fns := map[string]*Function{}
	viewerRequest := func(fa *types.FunctionAssociations) *Function {
		if fa == nil {
			return nil
		}
		for _, a := range fa.Items {
			if a.EventType != types.EventTypeViewerRequest {
				continue
			}
			arn := aws.ToString(a.FunctionARN)
			if fns[arn] == nil {
				fns[arn] = &Function{Name: arn[strings.LastIndexByte(arn, '/')+1:]}
			}
			return fns[arn]
		}
		return nil
	}
	fnNote := func(f *Function) string {
		if f == nil {
			return ""
		}
		return fmt.Sprintf(", viewer-request function %q", f.Name)
	}
	defID := aws.ToString(cfg.DefaultCacheBehavior.TargetOriginId)
	def, ok := target(defID)
	if !ok {
		return nil, nil, fmt.Errorf("the default cache behaviour's origin %q is not among the origins", defID)
	}
	bucket := aws.ToString(def.DomainName)
	defFn := viewerRequest(cfg.DefaultCacheBehavior.FunctionAssociations)
	notes = []string{fmt.Sprintf("default behaviour: origin %q (%s), origin path %q%s", defID, bucket, aws.ToString(def.OriginPath), fnNote(defFn))}
	if cfg.CacheBehaviors != nil {
		for _, cb := range cfg.CacheBehaviors.Items {
			pattern, id := aws.ToString(cb.PathPattern), aws.ToString(cb.TargetOriginId)
			o, ok := target(id)
			local := ok && aws.ToString(o.DomainName) == bucket
			fn := viewerRequest(cb.FunctionAssociations)
			routes = append(routes, Route{PathPattern: pattern, Local: local, OriginPath: aws.ToString(o.OriginPath), ViewerRequest: fn})
			if local {
				notes = append(notes, fmt.Sprintf("behaviour %q: same bucket, origin path %q%s", pattern, aws.ToString(o.OriginPath), fnNote(fn)))
			} else {
				notes = append(notes, fmt.Sprintf("behaviour %q: origin %q is another host; keys at URLs it matches are not reachable and are left out", pattern, id))
			}
		}
	}
	routes = append(routes, Route{Local: true, OriginPath: aws.ToString(def.OriginPath), ViewerRequest: defFn})
	return routes, notes, nil
}

// DefaultErrorCachingMinTTL is how long CloudFront caches an error
// response when a custom error response sets no ErrorCachingMinTTL, in
// seconds.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html
const DefaultErrorCachingMinTTL = 10

// ErrorPage is a page of a distribution's CustomErrorResponses:
// CloudFront answers the errors Codes with it and caches that answer
// under the URL that failed, not under Path. So a changed error page is
// not cleared by purging Path: the URLs that answered with it keep the old
// copy for up to MinTTL seconds.
type ErrorPage struct {
	// Path is the ResponsePagePath, as configured ("/404.html").
	Path string
	// Codes are the HTTP error codes answered with the page, in order.
	Codes []int32
	// MinTTL is the longest ErrorCachingMinTTL among them, in seconds.
	MinTTL int64
}

// DistributionErrorPages returns the error pages of cfg's
// CustomErrorResponses, one per ResponsePagePath, in order.
func DistributionErrorPages(cfg *types.DistributionConfig) []ErrorPage {
	if cfg.CustomErrorResponses == nil {
		return nil
	}
	var pages []ErrorPage
	for _, r := range cfg.CustomErrorResponses.Items {
		path := aws.ToString(r.ResponsePagePath)
		if path == "" {
			continue
		}
		ttl := int64(DefaultErrorCachingMinTTL)
		if r.ErrorCachingMinTTL != nil {
			ttl = *r.ErrorCachingMinTTL
		}
		i := slices.IndexFunc(pages, func(p ErrorPage) bool { return p.Path == path })
		if i < 0 {
			pages = append(pages, ErrorPage{Path: path})
			i = len(pages) - 1
		}
		pages[i].Codes = append(pages[i].Codes, aws.ToInt32(r.ErrorCode))
		pages[i].MinTTL = max(pages[i].MinTTL, ttl)
	}
	return pages
}

// errorPageWarnings warns about each page whose URL is among purge.
func errorPageWarnings(pages []ErrorPage, purge []string) []Warning {
	var out []Warning
	for _, p := range pages {
		url := p.Path
		if c, _, err := cfpath.Clean(url); err == nil {
			url = c
		}
		if !slices.Contains(purge, url) {
			continue
		}
		codes := make([]string, len(p.Codes))
		for i, c := range p.Codes {
			codes[i] = strconv.Itoa(int(c))
		}
		out = append(out, Warning{Kind: WarnErrorPage, Path: url,
			Message: fmt.Sprintf("%s changed and is the distribution's error page for %s (ErrorCachingMinTTL %d s): CloudFront caches it under every URL that answered with it, and purging %s does not clear those copies; to clear them now, also invalidate /* (or the prefixes whose URLs answered %s), or lower ErrorCachingMinTTL so that they expire sooner",
				url, strings.Join(codes, ", "), p.MinTTL, url, strings.Join(codes, ", "))})
	}
	return out
}
