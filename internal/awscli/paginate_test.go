package awscli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
)

// TestTokens pins the NextToken format to botocore's: tokens printed by
// the AWS CLI v1 1.45 against cfinv serve decode, and cfinv encodes the
// same bytes, so either tool resumes the other's listing.
func TestTokens(t *testing.T) {
	tests := []struct {
		token     string // printed by aws cloudfront list-invalidations
		marker    *string
		truncate  int
		truncated bool
	}{
		{"eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==", nil, 1, true},
		{"eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ==", nil, 2, true},
		{"eyJNYXJrZXIiOiAiSUg3MzMxOFk0VTVKOEgifQ==", aws.String("IH73318Y4U5J8H"), 0, false},
		{"eyJNYXJrZXIiOiAiSUFEQzJHTVUyQkpHN1EifQ==", aws.String("IADC2GMU2BJG7Q"), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			got, err := DecodeToken(tt.token)
			if err != nil {
				t.Fatal(err)
			}
			want := PageToken{Marker: tt.marker, Truncate: tt.truncate}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("DecodeToken (-want +got):\n%s", diff)
			}
			if enc := EncodeToken(want, tt.truncated); enc != tt.token {
				t.Errorf("EncodeToken(%+v) = %q, want %q", want, enc, tt.token)
			}
		})
	}
	for _, bad := range []string{"garbage", "bm90IGpzb24=", "eyJYIjogMX0=", "eyJNYXJrZXIiOiAxfQ==", "eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAtMX0="} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := DecodeToken(bad)
			if !isUsage(err) || !strings.Contains(err.Error(), fmt.Sprintf("invalid --starting-token %q", bad)) {
				t.Errorf("DecodeToken(%q) = %v, want a usage error naming it", bad, err)
			}
		})
	}
}

// FuzzDecodeToken checks that any token decodes or is refused as a usage
// error, and that what decodes encodes back to a token that decodes the
// same.
func FuzzDecodeToken(f *testing.F) {
	f.Add("eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==")
	f.Add("eyJNYXJrZXIiOiAiSUg3MzMxOFk0VTVKOEgifQ==")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := DecodeToken(s)
		if err != nil {
			if !isUsage(err) {
				t.Fatalf("DecodeToken(%q): %v, want a usage error", s, err)
			}
			return
		}
		again, err := DecodeToken(EncodeToken(tok, true))
		if err != nil {
			t.Fatalf("re-encoded %+v does not decode: %v", tok, err)
		}
		if diff := cmp.Diff(tok, again); diff != "" {
			t.Errorf("round trip (-first +second):\n%s", diff)
		}
	})
}

// fakePages serves a distribution of n invalidations I0…, newest first,
// pageSize by default, as ListInvalidations does; calls records the
// markers asked for.
func fakePages(n int, calls *[]string) FetchFunc {
	return func(_ context.Context, marker string, maxItems int) (*types.InvalidationList, error) {
		*calls = append(*calls, fmt.Sprintf("%s/%d", marker, maxItems))
		if maxItems == 0 {
			maxItems = 100
		}
		start := 0
		if marker != "" {
			fmt.Sscanf(marker, "I%d", &start)
			start++
		}
		l := &types.InvalidationList{Marker: aws.String(marker), MaxItems: aws.Int32(int32(maxItems)), IsTruncated: aws.Bool(false)}
		for i := start; i < n && len(l.Items) < maxItems; i++ {
			l.Items = append(l.Items, types.InvalidationSummary{Id: aws.String(fmt.Sprintf("I%d", i))})
		}
		if last := start + len(l.Items); last < n {
			l.IsTruncated, l.NextMarker = aws.Bool(true), aws.String(fmt.Sprintf("I%d", last-1))
		}
		l.Quantity = aws.Int32(int32(len(l.Items)))
		return l, nil
	}
}

// isUsage reports whether err is a *UsageError.
func isUsage(err error) bool {
	var ue *UsageError
	return errors.As(err, &ue)
}

// TestPaginate runs botocore's algorithm's cases: truncation inside a
// page and at its end, resuming from either token, page sizes.
func TestPaginate(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		p         PageFlags
		wantIDs   string
		wantToken *PageToken
		truncated bool
		wantCalls string
	}{
		{"all", 5, PageFlags{}, "I0 I1 I2 I3 I4", nil, false, "/0"},
		{"pages of 2", 5, PageFlags{PageSize: 2}, "I0 I1 I2 I3 I4", nil, false, "/2 I1/2 I3/2"},
		{"max items inside the first page", 5, PageFlags{MaxItems: 2}, "I0 I1", &PageToken{Truncate: 2}, true, "/0"},
		{"max items at a page end", 5, PageFlags{MaxItems: 2, PageSize: 2}, "I0 I1", &PageToken{Marker: aws.String("I1")}, false, "/2"},
		{"max items inside a later page", 5, PageFlags{MaxItems: 3, PageSize: 2}, "I0 I1 I2", &PageToken{Marker: aws.String("I1"), Truncate: 1}, true, "/2 I1/2"},
		{"resume inside a page", 5, PageFlags{StartingToken: EncodeToken(PageToken{Marker: aws.String("I1"), Truncate: 1}, true), PageSize: 2}, "I3 I4", nil, false, "I1/2 I3/2"},
		{"resume and truncate again", 6, PageFlags{StartingToken: EncodeToken(PageToken{Truncate: 2}, true), MaxItems: 2}, "I2 I3", &PageToken{Truncate: 4}, true, "/0"},
		{"max items equal to all", 3, PageFlags{MaxItems: 3}, "I0 I1 I2", nil, false, "/0"},
		{"empty", 0, PageFlags{MaxItems: 1}, "", nil, false, "/0"},
		{"marker", 5, PageFlags{Marker: "I2"}, "I3 I4", nil, false, "I2/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			l, err := Paginate(t.Context(), fakePages(tt.n, &calls), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range l.Pages {
				for _, s := range p.Items {
					ids = append(ids, *s.Id)
				}
			}
			if got := strings.Join(ids, " "); got != tt.wantIDs {
				t.Errorf("items %q, want %q", got, tt.wantIDs)
			}
			want := ""
			if tt.wantToken != nil {
				want = EncodeToken(*tt.wantToken, tt.truncated)
			}
			if l.NextToken != want {
				t.Errorf("NextToken %q, want %q", l.NextToken, want)
			}
			if got := strings.Join(calls, " "); got != tt.wantCalls {
				t.Errorf("calls %q, want %q", got, tt.wantCalls)
			}
		})
	}
}

// TestPageFlagsCheck: bad pagination input is refused before any call.
func TestPageFlagsCheck(t *testing.T) {
	tests := []struct {
		p    PageFlags
		want string
	}{
		{PageFlags{MaxItems: -1}, "invalid --max-items -1"},
		{PageFlags{PageSize: -2}, "invalid --page-size -2"},
		{PageFlags{NoPaginate: true, PageSize: 2}, "cannot specify --no-paginate along with pagination arguments: --page-size"},
		{PageFlags{NoPaginate: true, StartingToken: "eyJNYXJrZXIiOiBudWxsfQ=="}, "cannot specify --no-paginate along with pagination arguments: --starting-token"},
		{PageFlags{StartingToken: "x"}, `invalid --starting-token "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			err := tt.p.Check()
			if !isUsage(err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check(%+v) = %v, want a usage error with %q", tt.p, err, tt.want)
			}
		})
	}
}
