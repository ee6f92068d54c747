package cfinv

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// DistributionConfig returns the configuration of distribution id (its
// origins, cache behaviours and DefaultRootObject) through GetDistribution,
// the call cfinv already needs permission for.
func (c *Client) DistributionConfig(ctx context.Context, id string) (*types.DistributionConfig, error) {
	res, err := c.api.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if err != nil {
		return nil, c.translate("get distribution", id, err)
	}
	if res.Distribution == nil || res.Distribution.DistributionConfig == nil {
		return nil, fmt.Errorf("get distribution %s: the response has no DistributionConfig", id)
	}
	return res.Distribution.DistributionConfig, nil
}

// Distribution is a distribution as Distributions lists it.
type Distribution struct {
	ID         string
	DomainName string
	Aliases    []string
	Status     string
	Enabled    bool
	Comment    string
}

// Distributions lists every distribution, following pagination.
func (c *Client) Distributions(ctx context.Context) ([]Distribution, error) {
	var out []Distribution
	marker := ""
	for {
		page, next, err := c.DistributionsPage(ctx, marker, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		marker = next
	}
}

// DistributionsPage returns one page of distributions, as one
// ListDistributions call returns it: from marker ("" for the first page),
// at most maxItems (0: CloudFront's default, 100), and the marker of the
// next page ("" after the last).
func (c *Client) DistributionsPage(ctx context.Context, marker string, maxItems int) (page []Distribution, next string, err error) {
	in := &cloudfront.ListDistributionsInput{}
	if marker != "" {
		in.Marker = aws.String(marker)
	}
	if maxItems > 0 {
		in.MaxItems = aws.Int32(int32(min(maxItems, math.MaxInt32)))
	}
	res, err := c.api.ListDistributions(ctx, in)
	if err != nil {
		return nil, "", c.translate("list distributions", "", err)
	}
	l := res.DistributionList
	if l == nil {
		return nil, "", nil
	}
	for _, s := range l.Items {
		d := Distribution{ID: aws.ToString(s.Id), DomainName: aws.ToString(s.DomainName), Status: aws.ToString(s.Status), Enabled: aws.ToBool(s.Enabled), Comment: aws.ToString(s.Comment)}
		if s.Aliases != nil {
			d.Aliases = s.Aliases.Items
		}
		page = append(page, d)
	}
	if aws.ToBool(l.IsTruncated) {
		next = aws.ToString(l.NextMarker)
	}
	return page, next, nil
}

// LooksLikeID reports whether s has the shape of a distribution ID ("E"
// and upper-case letters and digits) rather than a domain name.
func LooksLikeID(s string) bool {
	if len(s) < 8 || len(s) > 20 || strings.Contains(s, ".") {
		return false
	}
	for _, r := range s {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// Resolve maps each of names to distribution IDs, in order and without
// duplicates: an ID passes through (LooksLikeID), and a domain name or
// alias is looked up with one ListDistributions call for all of them. A
// distribution matches when its CloudFront domain or an alias equals the
// name (case-insensitively), or when an alias "*.example.com" covers the
// name "x.example.com"; exact matches win over wildcard aliases. A name
// nothing matches is an *APIError matching ErrNotFound.
func (c *Client) Resolve(ctx context.Context, names ...string) ([]string, error) {
	var out []string
	var all []Distribution
	seen := map[string]bool{}
	for _, n := range names {
		ids := []string{n}
		if !LooksLikeID(n) {
			if all == nil {
				var err error
				if all, err = c.Distributions(ctx); err != nil {
					return nil, err
				}
			}
			var err error
			if ids, err = match(all, n); err != nil {
				return nil, err
			}
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// match returns the IDs of dists that name matches, as Resolve describes.
func match(dists []Distribution, name string) ([]string, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	var exact, wild []string
	for _, d := range dists {
		if strings.EqualFold(d.DomainName, name) {
			exact = append(exact, d.ID)
			continue
		}
		for _, a := range d.Aliases {
			a = strings.ToLower(a)
			if a == name {
				exact = append(exact, d.ID)
				break
			}
			if suffix, ok := strings.CutPrefix(a, "*"); ok && strings.HasSuffix(name, suffix) && !strings.Contains(strings.TrimSuffix(name, suffix), ".") && len(name) > len(suffix) {
				wild = append(wild, d.ID)
				break
			}
		}
	}
	switch {
	case len(exact) > 0:
		return exact, nil
	case len(wild) > 0:
		return wild, nil
	}
	return nil, &APIError{Op: "resolve distribution", Message: fmt.Sprintf("no distribution matches %q by domain name or alias", name), kind: ErrNotFound}
}
