package awscli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The expected outputs below were printed by the AWS CLI v1 (1.45) for
// the same data, against cfinv serve; testdata/awscli has the full set,
// and test/interop compares the two live.

func sampleList(token string) Object {
	items := []any{Object{{"Id", "ICUDCEOGWDCMZ6"}, {"CreateTime", "2026-12-01T17:32:54.756Z"}, {"Status", "InProgress"}}}
	out := Object{{"InvalidationList", Object{{"Items", items}}}}
	if token != "" {
		out = append(out, KV{"NextToken", token})
	}
	return out
}

func TestAWSFormatters(t *testing.T) {
	tok := "eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ=="
	tests := []struct {
		name   string
		format string
		op     string
		v      any
		want   string
	}{
		{"list json", JSON, OpListInvalidations, sampleList(tok), `{
    "InvalidationList": {
        "Items": [
            {
                "Id": "ICUDCEOGWDCMZ6",
                "CreateTime": "2026-12-01T17:32:54.756Z",
                "Status": "InProgress"
            }
        ]
    },
    "NextToken": "eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ=="
}
`},
		{"list text, not paginated", Text, OpListInvalidations, sampleList(tok), tok + "\nITEMS\t2026-12-01T17:32:54.756Z\tICUDCEOGWDCMZ6\tInProgress\n"},
		{"list table", Table, OpListInvalidations, sampleList(tok), `-------------------------------------------------------------------------------
|                              ListInvalidations                              |
+-----------+-----------------------------------------------------------------+
|  NextToken|  eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==   |
+-----------+-----------------------------------------------------------------+
||                             InvalidationList                              ||
|+---------------------------------------------------------------------------+|
|||                                  Items                                  |||
||+---------------------------------+---------------------+-----------------+||
|||           CreateTime            |         Id          |     Status      |||
||+---------------------------------+---------------------+-----------------+||
|||  2026-12-01T17:32:54.756Z       |  ICUDCEOGWDCMZ6     |  InProgress     |||
||+---------------------------------+---------------------+-----------------+||
`},
		{"empty list table", Table, OpListInvalidations, Object{{"InvalidationList", Object{{"Items", []any{}}}}}, `--------------------
| ListInvalidations|
+------------------+
||InvalidationList||
|+----------------+|
`},
		{"empty list text", Text, OpListInvalidations, Object{{"InvalidationList", Object{{"Items", []any{}}}}}, ""},
		{"empty object json", JSON, OpListInvalidations, Object{}, ""},
		{"null json", JSON, OpListInvalidations, nil, "null\n"},
		{"null text", Text, OpListInvalidations, nil, "None\n"},
		{"null table", Table, OpListInvalidations, nil, ""},
		{"scalars text", Text, OpListInvalidations, []any{"a", 2, true, nil}, "a\t2\tTrue\tNone\n"},
		{"json escapes", JSON, OpListInvalidations, []any{"é\"\\\n\x01"}, "[\n    \"é\\\"\\\\\\n\\u0001\"\n]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := Write(&b, tt.format, tt.op, tt.v); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAWSTableRowMismatch: rows of different lengths fail as the AWS CLI
// fails, printing nothing.
func TestAWSTableRowMismatch(t *testing.T) {
	var b strings.Builder
	err := Write(&b, Table, OpCreateInvalidation, []any{"I1", []any{"/a", "/b"}})
	if err == nil || err.Error() != "Row should have 1 elements, instead it has 2" || b.Len() != 0 {
		t.Errorf("got %v and %q, want the AWS CLI's ValueError and no output", err, b.String())
	}
}

// TestKeyOrder: query results keep the model's member order, or the
// expression's for a multiselect hash.
func TestKeyOrder(t *testing.T) {
	tests := []struct {
		query string
		keys  []string
		want  []string
	}{
		{"Invalidation", []string{"Status", "InvalidationBatch", "Id", "CreateTime"}, []string{"Id", "Status", "CreateTime", "InvalidationBatch"}},
		{"Invalidation.{Z:Id,A:Status}", []string{"A", "Z"}, []string{"Z", "A"}},
		{`{"b c": Id, a: Status}`, []string{"a", "b c"}, []string{"b c", "a"}},
		{"x", []string{"b", "a"}, []string{"a", "b"}},
		{"Invalidation.{Status:Status,Id:Id}", []string{"Id", "Status"}, []string{"Status", "Id"}},
		{"Invalidation.{Status:Status,B:InvalidationBatch}", []string{"Paths", "CallerReference"}, []string{"Paths", "CallerReference"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := newKeyOrder(tt.query, invalidationShapes).order(tt.keys)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}
