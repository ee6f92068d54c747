package awscli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
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

// PageFlags are the AWS CLI's pagination options.
type PageFlags struct {
	MaxItems      int    // --max-items: most items in all (0: all)
	PageSize      int    // --page-size: MaxItems of each call (0: the server's default)
	StartingToken string // --starting-token: a NextToken printed before
	Marker        string // --marker: the API's Marker of the first call
	NoPaginate    bool   // --no-paginate: one call, printed as it is
}

// Register adds the options to cmd; maxItemsUsage is --max-items' help.
func (p *PageFlags) Register(cmd *cobra.Command, maxItemsUsage string) {
	fl := cmd.Flags()
	fl.IntVar(&p.MaxItems, "max-items", 0, maxItemsUsage)
	fl.IntVar(&p.PageSize, "page-size", 0, "items per ListInvalidations call (its MaxItems; default: the server's, 100)")
	fl.StringVar(&p.StartingToken, "starting-token", "", "resume from the NextToken a paginated listing printed (cfinv's or the AWS CLI's)")
	fl.StringVar(&p.Marker, "marker", "", "Marker of the first ListInvalidations call, as in the AWS CLI")
	fl.BoolVar(&p.NoPaginate, "no-paginate", false, "make one ListInvalidations call and print its response as it is (--max-items is then its MaxItems)")
}

// Paged reports whether an option of the AWS CLI's pagination was given.
func (p *PageFlags) Paged() bool {
	return p.PageSize > 0 || p.StartingToken != "" || p.Marker != "" || p.NoPaginate
}

// Check validates the options before anything is sent.
func (p *PageFlags) Check() error {
	if p.MaxItems < 0 {
		return usageErrorf("invalid --max-items %d: must not be negative", p.MaxItems)
	}
	if p.PageSize < 0 {
		return usageErrorf("invalid --page-size %d: must be at least 1", p.PageSize)
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
			return usageErrorf("cannot specify --no-paginate along with pagination arguments: %s", strings.Join(with, ", "))
		}
	}
	if p.StartingToken != "" {
		if _, err := DecodeToken(p.StartingToken); err != nil {
			return err
		}
	}
	return nil
}

// PageToken is a decoded NextToken: the Marker to call with (nil:
// none) and how many items of that page were already printed.
type PageToken struct {
	Marker   *string
	Truncate int
}

// EncodeToken is botocore's TokenEncoder for ListInvalidations:
// base64 of json.dumps({"Marker": …[, "boto_truncate_amount": N]}).
func EncodeToken(t PageToken, truncated bool) string {
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

// DecodeToken is botocore's TokenDecoder for ListInvalidations' tokens;
// anything else is a usage error naming the token.
func DecodeToken(s string) (PageToken, error) {
	bad := func(why string) (PageToken, error) {
		return PageToken{}, usageErrorf("invalid --starting-token %q: %s; want the NextToken a listing printed (base64 of {\"Marker\": …})", s, why)
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
	var t PageToken
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

// Listing is what Paginate fetched.
type Listing struct {
	Pages []page
	// NextToken resumes the listing; "" when it is complete.
	NextToken string
}

// FetchFunc makes one ListInvalidations call.
type FetchFunc func(ctx context.Context, marker string, maxItems int) (*types.InvalidationList, error)

// paginate is botocore's PageIterator.__iter__ for ListInvalidations.
func Paginate(ctx context.Context, fetch FetchFunc, p PageFlags) (*Listing, error) {
	pages, token, err := PaginateItems(ctx, func(ctx context.Context, marker string, size int) ([]types.InvalidationSummary, string, error) {
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
	out := &Listing{NextToken: token}
	for _, items := range pages {
		out.Pages = append(out.Pages, page{Items: items})
	}
	return out, nil
}

// PaginateItems is botocore's PageIterator.__iter__ for any list whose
// input token is Marker: fetch makes one call and returns its items and
// the next marker ("" after the last page). It returns the pages, truncated
// at --max-items, and the NextToken that resumes ("" when done).
func PaginateItems[T any](ctx context.Context, fetch func(ctx context.Context, marker string, size int) ([]T, string, error), p PageFlags) ([][]T, string, error) {
	var pages [][]T
	var marker *string
	if p.Marker != "" {
		marker = aws.String(p.Marker)
	}
	startTrunc := 0
	if p.StartingToken != "" {
		t, err := DecodeToken(p.StartingToken)
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
				return pages, EncodeToken(PageToken{Marker: marker, Truncate: keep + startTrunc}, true), nil
			}
		}
		pages = append(pages, items)
		total += n
		if nextMarker == "" {
			return pages, "", nil
		}
		next := &nextMarker
		if p.MaxItems > 0 && total == p.MaxItems {
			return pages, EncodeToken(PageToken{Marker: next}, false), nil
		}
		if previous != nil && *previous == *next {
			return nil, "", fmt.Errorf("list: the same next token was received twice: %s", *next)
		}
		marker, previous = next, next
	}
}

// FullResult is botocore's build_full_result: the items of every page,
// and the NextToken. When no page had Items (an empty listing), the
// result has no InvalidationList at all, and the AWS CLI prints nothing
// for it in JSON and table.
func (l *Listing) FullResult() Object {
	var items []types.InvalidationSummary
	for _, p := range l.Pages {
		if p.Items != nil {
			items = append(items, p.Items...)
			if items == nil {
				items = []types.InvalidationSummary{}
			}
		}
	}
	var out Object
	if items != nil {
		out = Object{{"InvalidationList", Object{{"Items", summariesList(items)}}}}
	}
	if l.NextToken != "" {
		out = append(out, KV{"NextToken", l.NextToken})
	}
	return out
}

// PrintListing writes a paginated listing as the AWS CLI does: JSON and
// table from the full result (after --query), text page by page (each
// page through --query), then the NextToken; op is the operation listed
// (it titles the table).
func (o Output) PrintListing(w io.Writer, op string, l *Listing) error {
	if o.format() != Text {
		return o.Print(w, Result{Op: op, Data: l.FullResult()})
	}
	for _, p := range l.Pages {
		v, err := o.Apply(op, Object{{"InvalidationList", Object{{"Items", itemsValue(p.Items)}}}})
		if err != nil {
			return err
		}
		if err := WriteText(w, v); err != nil {
			return err
		}
	}
	if l.NextToken != "" {
		v, err := o.Apply(op, Object{{"NextToken", Object{{"NextToken", l.NextToken}}}})
		if err != nil {
			return err
		}
		return WriteText(w, v)
	}
	return nil
}
