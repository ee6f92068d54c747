package awscli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPrint: cfinv's own commands and the AWS-named ones print through
// the one Print (issue 29 item 2): a struct encodes in its members' order
// in the AWS CLI's JSON, a command's own text and table are used unless
// there is a query, whose result the AWS CLI's text formatter prints.
func TestPrint(t *testing.T) {
	type row struct {
		ID      string `json:"Id"`
		Enabled bool   `json:"Enabled"`
		N       int    `json:"N"`
	}
	data := map[string]any{"Items": []row{{"E1", true, 3}, {"E2", false, 0}}, "NextToken": "tok\u2028"}
	text := func(w io.Writer) { fmt.Fprintln(w, "own text") }
	table := func(w io.Writer) { fmt.Fprintln(w, "A\tBBBB\tC"); fmt.Fprintln(w, "aaaa\tb\tc") }
	wantJSON := `{
    "Items": [
        {
            "Id": "E1",
            "Enabled": true,
            "N": 3
        },
        {
            "Id": "E2",
            "Enabled": false,
            "N": 0
        }
    ],
    "NextToken": "tok` + "\u2028" + `"
}
`
	// The same data, its items given one at a time (a List).
	items := func(yield func(any) bool) error {
		for _, r := range data["Items"].([]row) {
			if !yield(Object{{"Id", r.ID}, {"Enabled", r.Enabled}, {"N", r.N}}) {
				break
			}
		}
		return nil
	}
	listed := Object{{"Items", List(items)}, {"NextToken", "tok\u2028"}}
	tests := []struct {
		name   string
		out    Output
		result Result
		want   string
	}{
		{"json, a List", Output{Format: JSON}, Result{Data: listed}, wantJSON},
		{"json, an empty List", Output{Format: JSON}, Result{Data: Object{{"Items", List(func(func(any) bool) error { return nil })}}}, "{\n    \"Items\": []\n}\n"},
		{"query, text, a List", Output{Format: Text, Query: "Items[].[Id, Enabled]"}, Result{Data: listed, Text: text, Table: table}, "E1\tTrue\nE2\tFalse\n"},
		{"query, json, a List", Output{Format: JSON, Query: "Items[0].{z: Id, a: N}"}, Result{Data: listed}, "{\n    \"z\": \"E1\",\n    \"a\": 3\n}\n"},
		{"json", Output{Format: JSON}, Result{Data: data, Text: text, Table: table}, wantJSON},
		{"default json", Output{}, Result{Data: data, Text: text, Table: table}, wantJSON},
		{"own text", Output{Format: Text}, Result{Data: data, Text: text, Table: table}, "own text\n"},
		{"own table", Output{Format: Table}, Result{Data: data, Text: text, Table: table}, "A     BBBB  C\naaaa  b     c\n"},
		{"query, text", Output{Format: Text, Query: "Items[].[Id, Enabled]"}, Result{Data: data, Text: text, Table: table}, "E1\tTrue\nE2\tFalse\n"},
		{"query, table", Output{Format: Table, Query: "Items[0]"}, Result{Data: data, Text: text, Table: table}, "True\tE1\t3\n"},
		{"query, json, expression's order", Output{Format: JSON, Query: "Items[0].{z: Id, a: N}"}, Result{Data: data}, "{\n    \"z\": \"E1\",\n    \"a\": 3\n}\n"},
		{"the AWS CLI's text", Output{Format: Text}, Result{Op: OpGetInvalidation, Data: Object{{"Invalidation", Object{{"Id", "I1"}, {"Status", "Completed"}}}}}, "INVALIDATION\tI1\tCompleted\n"},
		// Data no JSON encodes: the own text and table do not encode it
		// (a deploy's report is not copied into a tree to be dropped).
		{"own text, data not encoded", Output{Format: Text}, Result{Data: make(chan int), Text: text, Table: table}, "own text\n"},
		{"own table, data not encoded", Output{Format: Table}, Result{Data: make(chan int), Text: text, Table: table}, "A     BBBB  C\naaaa  b     c\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.out.Print(&b, tt.result); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPrintListFails: a List that fails to give its values fails Print,
// whatever the format.
func TestPrintListFails(t *testing.T) {
	boom := errors.New("boom")
	failing := Object{{"Items", List(func(yield func(any) bool) error {
		yield("first")
		return boom
	})}}
	for _, out := range []Output{{Format: JSON}, {Format: Text}, {Format: JSON, Query: "Items"}} {
		if err := out.Print(io.Discard, Result{Data: failing}); !errors.Is(err, boom) {
			t.Errorf("Print %+v of a failing List: %v, want %v", out, err, boom)
		}
	}
}

// TestOutputCheck: a bad --output or --query is a usage error naming it.
func TestOutputCheck(t *testing.T) {
	tests := []struct {
		name string
		out  Output
		want string
	}{
		{"output", Output{Format: "yaml"}, `invalid --output "yaml": want json, text or table`},
		{"query", Output{Query: "a.["}, `invalid --query "a.["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.out.Check()
			if !isUsage(err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check() = %v, want a usage error with %q", err, tt.want)
			}
		})
	}
	if err := (Output{Format: Table, Query: "a"}).Check(); err != nil {
		t.Errorf("Check() of a good output: %v", err)
	}
}

// TestTime: the one timestamp format, CloudFront's, in UTC; the zero
// time (none sent) is empty.
func TestTime(t *testing.T) {
	at := time.Date(2026, 12, 1, 18, 32, 54, 756e6, time.FixedZone("CET", 3600))
	if got := Time(at); got != "2026-12-01T17:32:54.756Z" {
		t.Errorf("Time(%v) = %q, want 2026-12-01T17:32:54.756Z", at, got)
	}
	if got := Time(time.Time{}); got != "" {
		t.Errorf("Time(zero) = %q, want empty", got)
	}
}
