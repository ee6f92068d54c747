package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/spf13/cobra"
)

// The AWS CLI's pagination (botocore's PageIterator, botocore/paginate.py,
// with ListInvalidations' paginator: input token Marker, output token
// InvalidationList.NextMarker, more results InvalidationList.IsTruncated,
// limit key MaxItems, result key InvalidationList.Items), so that
// --max-items, --starting-token, --page-size and --no-paginate behave as
// there and a NextToken of either tool resumes in the other (issue 11
// item 2).

// pageFlags are the AWS CLI's pagination options.
type pageFlags struct {
	MaxItems      int    // --max-items: most items in all (0: all)
	PageSize      int    // --page-size: MaxItems of each call (0: the server's default)
	StartingToken string // --starting-token: a NextToken printed before
	Marker        string // --marker: the API's Marker of the first call
	NoPaginate    bool   // --no-paginate: one call, printed as it is
}

func (p *pageFlags) register(cmd *cobra.Command, maxItemsUsage string) {
	fl := cmd.Flags()
	fl.IntVar(&p.MaxItems, "max-items", 0, maxItemsUsage)
	fl.IntVar(&p.PageSize, "page-size", 0, "items per ListInvalidations call (its MaxItems; default: the server's, 100)")
	fl.StringVar(&p.StartingToken, "starting-token", "", "resume from the NextToken a paginated listing printed (cfinv's or the AWS CLI's)")
	fl.StringVar(&p.Marker, "marker", "", "Marker of the first ListInvalidations call, as in the AWS CLI")
	fl.BoolVar(&p.NoPaginate, "no-paginate", false, "make one ListInvalidations call and print its response as it is (--max-items is then its MaxItems)")
}

// paged reports whether an option of the AWS CLI's pagination was given.
func (p *pageFlags) paged() bool {
	return p.PageSize > 0 || p.StartingToken != "" || p.Marker != "" || p.NoPaginate
}

// check validates the options before anything is sent.
func (p *pageFlags) check() error {
	if p.MaxItems < 0 {
		return flagErrorf("invalid --max-items %d: must not be negative", p.MaxItems)
	}
	if p.PageSize < 0 {
		return flagErrorf("invalid --page-size %d: must be at least 1", p.PageSize)
	}
	if p.NoPaginate {
		var with []string
		if p.PageSize > 0 {
			with = append(with, "--page-size")
		}
		if p.StartingToken != "" {
			with = append(with, "--starting-token")
		}
		if len(with) > 0 {
			return flagErrorf("cannot specify --no-paginate along with pagination arguments: %s", strings.Join(with, ", "))
		}
	}
	if p.StartingToken != "" {
		if _, err := decodeToken(p.StartingToken); err != nil {
			return err
		}
	}
	return nil
}

// pageToken is a decoded NextToken: the Marker to call with (nil:
// none) and how many items of that page were already printed.
type pageToken struct {
	Marker   *string
	Truncate int
}

// encodeToken is botocore's TokenEncoder for ListInvalidations:
// base64 of json.dumps({"Marker": …[, "boto_truncate_amount": N]}).
func encodeToken(t pageToken, truncated bool) string {
	var b strings.Builder
	b.WriteString(`{"Marker": `)
	if t.Marker == nil {
		b.WriteString("null")
	} else {
		pyQuoteASCII(&b, *t.Marker)
	}
	if truncated {
		fmt.Fprintf(&b, `, "boto_truncate_amount": %d`, t.Truncate)
	}
	b.WriteString("}")
	return base64.StdEncoding.EncodeToString([]byte(b.String()))
}

// pyQuoteASCII is json.dumps of a string with ensure_ascii=True.
func pyQuoteASCII(b *strings.Builder, s string) {
	var q strings.Builder
	pyQuote(&q, s)
	for _, r := range q.String() {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
}

// decodeToken is botocore's TokenDecoder for ListInvalidations' tokens;
// anything else is a usage error naming the token.
func decodeToken(s string) (pageToken, error) {
	bad := func(why string) (pageToken, error) {
		return pageToken{}, flagErrorf("invalid --starting-token %q: %s; want the NextToken a listing printed (base64 of {\"Marker\": …})", s, why)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return bad("not base64")
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil || m == nil {
		return bad("not a JSON object")
	}
	var t pageToken
	for k, v := range m {
		switch k {
		case "Marker":
			if err := json.Unmarshal(v, &t.Marker); err != nil {
				return bad("Marker is not a string or null")
			}
		case "boto_truncate_amount":
			if err := json.Unmarshal(v, &t.Truncate); err != nil || t.Truncate < 0 {
				return bad("boto_truncate_amount is not a non-negative integer")
			}
		default:
			return bad(fmt.Sprintf("unknown key %q", k))
		}
	}
	if _, ok := m["Marker"]; !ok {
		return bad("no Marker")
	}
	return t, nil
}

// page is one response of a paginated listing, its items truncated as
// the AWS CLI truncates them.
type page struct {
	// Items is nil when the response had no Items element: CloudFront
	// leaves an empty list's Items out, and botocore then has None.
	Items []types.InvalidationSummary
}

// itemsValue is the value botocore's result key has for items: None
// (nil) for a response without Items, else the list.
func itemsValue(items []types.InvalidationSummary) any {
	if items == nil {
		return nil
	}
	return summariesList(items)
}

// listing is what paginate fetched.
type listing struct {
	Pages []page
	// NextToken resumes the listing; "" when it is complete.
	NextToken string
}

// fetchFunc makes one ListInvalidations call.
type fetchFunc func(ctx context.Context, marker string, maxItems int) (*types.InvalidationList, error)

// paginate is botocore's PageIterator.__iter__ for ListInvalidations.
func paginate(ctx context.Context, fetch fetchFunc, p pageFlags) (*listing, error) {
	pages, token, err := paginateItems(ctx, func(ctx context.Context, marker string, size int) ([]types.InvalidationSummary, string, error) {
		l, err := fetch(ctx, marker, size)
		if err != nil {
			return nil, "", err
		}
		next := ""
		if aws.ToBool(l.IsTruncated) {
			next = aws.ToString(l.NextMarker)
		}
		return l.Items, next, nil
	}, p)
	if err != nil {
		return nil, err
	}
	out := &listing{NextToken: token}
	for _, items := range pages {
		out.Pages = append(out.Pages, page{Items: items})
	}
	return out, nil
}

// paginateItems is botocore's PageIterator.__iter__ for any list whose
// input token is Marker: fetch makes one call and returns its items and
// the next marker ("" after the last page). It returns the pages, truncated
// at --max-items, and the NextToken that resumes ("" when done).
func paginateItems[T any](ctx context.Context, fetch func(ctx context.Context, marker string, size int) ([]T, string, error), p pageFlags) ([][]T, string, error) {
	var pages [][]T
	var marker *string
	if p.Marker != "" {
		marker = aws.String(p.Marker)
	}
	startTrunc := 0
	if p.StartingToken != "" {
		t, err := decodeToken(p.StartingToken)
		if err != nil {
			return nil, "", err
		}
		marker, startTrunc = t.Marker, t.Truncate
	}
	total := 0
	first := true
	var previous *string
	for {
		m := ""
		if marker != nil && *marker != "None" {
			m = *marker
		}
		items, nextMarker, err := fetch(ctx, m, p.PageSize)
		if err != nil {
			return nil, "", err
		}
		if first {
			items = items[min(startTrunc, len(items)):]
			first = false
		} else {
			startTrunc = 0
		}
		n := len(items)
		if p.MaxItems > 0 {
			if trunc := total + n - p.MaxItems; trunc > 0 {
				keep := n - trunc
				pages = append(pages, items[:keep])
				return pages, encodeToken(pageToken{Marker: marker, Truncate: keep + startTrunc}, true), nil
			}
		}
		pages = append(pages, items)
		total += n
		if nextMarker == "" {
			return pages, "", nil
		}
		next := &nextMarker
		if p.MaxItems > 0 && total == p.MaxItems {
			return pages, encodeToken(pageToken{Marker: next}, false), nil
		}
		if previous != nil && *previous == *next {
			return nil, "", fmt.Errorf("list: the same next token was received twice: %s", *next)
		}
		marker, previous = next, next
	}
}

// fullResult is botocore's build_full_result: the items of every page,
// and the NextToken. When no page had Items (an empty listing), the
// result has no InvalidationList at all, and the AWS CLI prints nothing
// for it in JSON and table.
func (l *listing) fullResult() omap {
	var items []types.InvalidationSummary
	for _, p := range l.Pages {
		if p.Items != nil {
			items = append(items, p.Items...)
			if items == nil {
				items = []types.InvalidationSummary{}
			}
		}
	}
	var out omap
	if items != nil {
		out = omap{{"InvalidationList", omap{{"Items", summariesList(items)}}}}
	}
	if l.NextToken != "" {
		out = append(out, kv{"NextToken", l.NextToken})
	}
	return out
}

// renderListing prints a paginated listing as the AWS CLI does: JSON and
// table from the full result (after --query), text page by page (each
// page through --query), then the NextToken.
func (f *awsFlags) renderListing(ios *IO, l *listing) error {
	if f.awsFormat() != formatText {
		return f.renderAWS(ios, opListInvalidations, l.fullResult())
	}
	for _, p := range l.Pages {
		v, err := f.awsQuery(opListInvalidations, omap{{"InvalidationList", omap{{"Items", itemsValue(p.Items)}}}})
		if err != nil {
			return err
		}
		if err := writeAWSText(ios.Out, v); err != nil {
			return err
		}
	}
	if l.NextToken != "" {
		v, err := f.awsQuery(opListInvalidations, omap{{"NextToken", omap{{"NextToken", l.NextToken}}}})
		if err != nil {
			return err
		}
		return writeAWSText(ios.Out, v)
	}
	return nil
}
