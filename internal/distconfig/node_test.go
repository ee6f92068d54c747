package distconfig

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAndDocument(t *testing.T) {
	tests := []struct {
		name, in string
		want     *Node
		err      string
	}{
		{
			name: "nested with entities",
			in:   `<DistributionConfig xmlns="` + Namespace + `"><Comment>a &amp; b</Comment><Origins><Quantity>1</Quantity></Origins></DistributionConfig>`,
			want: &Node{Name: "DistributionConfig", Nodes: []*Node{
				{Name: "Comment", Text: "a & b"},
				{Name: "Origins", Nodes: []*Node{{Name: "Quantity", Text: "1"}}},
			}},
		},
		{name: "empty leaf", in: `<A><B/></A>`, want: &Node{Name: "A", Nodes: []*Node{{Name: "B"}}}},
		{name: "dtd", in: `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, err: "DTDs"},
		{name: "two roots", in: `<a/><b/>`, err: "more than one root"},
		{name: "unclosed", in: `<a><b></b>`, err: "malformed XML"},
		{name: "empty", in: ``, err: "no root element"},
		{name: "too deep", in: strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1), err: "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse error = %v, want ErrMalformed containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("Parse (-want +got):\n%s", diff)
			}
			doc := got.Document()
			if !bytes.Contains(doc, []byte(`<`+got.Name+` xmlns="`+Namespace+`">`)) {
				t.Errorf("Document lacks the namespaced root:\n%s", doc)
			}
			again, err := Parse(bytes.NewReader(doc))
			if err != nil {
				t.Fatalf("Parse(Document()): %v\n%s", err, doc)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("round trip (-first +second):\n%s", diff)
			}
		})
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// survives Document and a second Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add(`<DistributionConfig xmlns="` + Namespace + `"><Comment>x</Comment><Enabled>true</Enabled></DistributionConfig>`)
	f.Add(`<a><b>&lt;&#xD;</b><c/></a>`)
	f.Add(`<a:x xmlns:a="u"><y>  </y></a:x>`)
	f.Fuzz(func(t *testing.T, in string) {
		n, err := Parse(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := Parse(bytes.NewReader(n.Document()))
		if err != nil {
			t.Fatalf("Parse(Document()) of %q: %v\n%s", in, err, n.Document())
		}
		if diff := cmp.Diff(n, again); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", in, diff)
		}
	})
}
