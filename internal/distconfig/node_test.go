package distconfig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
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
		// Found by FuzzParse (testdata/fuzz/FuzzParse/prefixed-name-digit-local):
		// the tree keeps the local name only, and <0> is not XML.
		{name: "prefixed name whose local part is not a name", in: `<A:0 A="0">00</A:0>`, err: `the local name "0" after the prefix is not an XML name`},
		{name: "prefixed name", in: `<a:B xmlns:a="u"><a:C>x</a:C></a:B>`, want: &Node{Name: "B", Nodes: []*Node{{Name: "C", Text: "x"}}}},
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

// parseWithToken is Parse as it was written on xml.Decoder.Token, which
// matches end tags and resolves namespaces itself: the reference
// FuzzParseMatchesToken holds Parse to.
func parseWithToken(in string) (*Node, error) {
	dec := xml.NewDecoder(strings.NewReader(in))
	dec.Strict = true
	var (
		stack []*Node
		root  *Node
		count int
		text  bytes.Buffer
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if (root != nil && len(stack) == 0) || count > MaxElements || len(stack) >= MaxDepth {
				return nil, errors.New("refused")
			}
			if !isName(t.Name.Local) {
				return nil, errors.New("local name is not a name") // <a:0>: see isName
			}
			n := &Node{Name: t.Name.Local}
			if len(stack) == 0 {
				root = n
			} else {
				stack[len(stack)-1].Nodes = append(stack[len(stack)-1].Nodes, n)
			}
			stack = append(stack, n)
			text.Reset()
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.Nodes) == 0 {
				n.Text = text.String()
			}
			stack = stack[:len(stack)-1]
			text.Reset()
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("text outside")
				}
				continue
			}
			text.Write(t)
		case xml.Directive:
			return nil, errors.New("directive")
		}
	}
	if root == nil || len(stack) != 0 {
		return nil, errors.New("no root or unclosed")
	}
	return root, nil
}

// FuzzParseMatchesToken checks that Parse, which reads raw tokens and
// matches end tags itself, accepts exactly what a parser on
// xml.Decoder.Token accepts, and builds the same tree.
func FuzzParseMatchesToken(f *testing.F) {
	for _, s := range []string{
		`<a><b>x</b></a>`, `<a:x xmlns:a="u"></a:x>`, `<a:x xmlns:a="u"></x>`, `<a:x xmlns:a="u"></b:x>`,
		`<x xmlns="u"><y/></x>`, `<a></b>`, `</a>`, `<a>`, `<a/></a>`, `<a><b></a></b>`,
		`<?xml version="1.0"?><a>&amp;</a>`, `<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths><CallerReference>r</CallerReference></InvalidationBatch>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Parse(strings.NewReader(in))
		want, werr := parseWithToken(in)
		if (err == nil) != (werr == nil) {
			t.Fatalf("Parse(%q) error = %v; on Token: %v", in, err, werr)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Parse(%q) (-on Token +Parse):\n%s", in, diff)
		}
	})
}

// BenchmarkParseInvalidationBatch parses the body of a CreateInvalidation
// request with two paths, as the emulator does for every create.
func BenchmarkParseInvalidationBatch(b *testing.B) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<InvalidationBatch xmlns="` + Namespace +
		`"><Paths><Quantity>2</Quantity><Items><Path>/index.html</Path><Path>/css/*</Path></Items></Paths>` +
		`<CallerReference>deploy-2026-12-02T01:02:03Z</CallerReference></InvalidationBatch>`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDocument writes a DistributionConfig with ten cache behaviours,
// about the size of the one a GetDistribution answer carries.
func BenchmarkDocument(b *testing.B) {
	var body strings.Builder
	body.WriteString(`<DistributionConfig><CallerReference>ref</CallerReference><Comment>bench</Comment><Enabled>true</Enabled>`)
	body.WriteString(`<Origins><Quantity>1</Quantity><Items><Origin><Id>o1</Id><DomainName>example.com</DomainName>` +
		`<CustomOriginConfig><HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>https-only</OriginProtocolPolicy></CustomOriginConfig></Origin></Items></Origins>`)
	body.WriteString(`<CacheBehaviors><Quantity>10</Quantity><Items>`)
	for range 10 {
		body.WriteString(`<CacheBehavior><PathPattern>/img/*</PathPattern><TargetOriginId>o1</TargetOriginId>` +
			`<ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy><AllowedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items></AllowedMethods>` +
			`<Compress>true</Compress><MinTTL>0</MinTTL><DefaultTTL>86400</DefaultTTL><MaxTTL>31536000</MaxTTL></CacheBehavior>`)
	}
	body.WriteString(`</Items></CacheBehaviors></DistributionConfig>`)
	n, err := Parse(strings.NewReader(body.String()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = n.Document()
	}
}
