// Package distconfig holds a CloudFront DistributionConfig as received on
// the wire: a generic XML element tree that keeps every field a client sent
// (so the emulator returns it unchanged), plus typed read-only views of the
// parts cfinv acts on (origins, cache behaviours, aliases, TTLs, tags).
package distconfig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespace is the XML namespace of CloudFront API version 2020-05-31.
const Namespace = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

// Limits that protect Parse from hostile input.
const (
	MaxDepth    = 32
	MaxElements = 100000
)

// ErrMalformed is wrapped by every Parse error: the bytes are not a single
// well-formed XML document within the limits.
var ErrMalformed = errors.New("malformed XML")

// Node is one XML element. A leaf has Text and no Nodes; a container has
// Nodes, and whitespace between them is dropped. Attributes other than
// namespace declarations are not part of CloudFront's API and are dropped.
type Node struct {
	Name  string  `json:"n"`
	Text  string  `json:"t,omitempty"`
	Nodes []*Node `json:"c,omitempty"`
}

// Parse reads one XML document and returns its root element. It refuses
// DTDs (so no entity expansion), documents nested deeper than MaxDepth or
// holding more than MaxElements elements, and trailing content.
//
// It reads raw tokens and matches end tags to start tags itself: element
// names are compared as written (prefix and local name, as XML requires),
// and the namespace bookkeeping of xml.Decoder.Token, a map and a stack
// entry per element that the tree would drop anyway, is skipped.
func Parse(r io.Reader) (*Node, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	var (
		stack []*Node
		names []xml.Name // the raw name of each open element, as in stack
		root  *Node
		count int
		text  bytes.Buffer
	)
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: more than one root element (<%s> after </%s>)", ErrMalformed, t.Name.Local, root.Name)
			}
			count++
			if count > MaxElements {
				return nil, fmt.Errorf("%w: more than %d elements", ErrMalformed, MaxElements)
			}
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d", ErrMalformed, MaxDepth)
			}
			if t.Name.Space != "" && !isName(t.Name.Local) {
				line, _ := dec.InputPos()
				return nil, fmt.Errorf("%w: XML syntax error on line %d: element <%s>: the local name %q after the prefix is not an XML name (it must start with a letter, _ or :)", ErrMalformed, line, qname(t.Name), t.Name.Local)
			}
			n := &Node{Name: t.Name.Local}
			if len(stack) == 0 {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.Nodes = append(parent.Nodes, n)
			}
			stack = append(stack, n)
			names = append(names, t.Name)
			text.Reset()
		case xml.EndElement:
			if len(stack) == 0 {
				line, _ := dec.InputPos()
				return nil, fmt.Errorf("%w: XML syntax error on line %d: unexpected end element </%s>", ErrMalformed, line, qname(t.Name))
			}
			if open := names[len(names)-1]; open != t.Name {
				line, _ := dec.InputPos()
				return nil, fmt.Errorf("%w: XML syntax error on line %d: element <%s> closed by </%s>", ErrMalformed, line, qname(open), qname(t.Name))
			}
			n := stack[len(stack)-1]
			if len(n.Nodes) == 0 {
				n.Text = text.String()
			}
			stack, names = stack[:len(stack)-1], names[:len(names)-1]
			text.Reset()
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("%w: text outside the root element", ErrMalformed)
				}
				continue
			}
			text.Write(t)
		case xml.Directive:
			return nil, fmt.Errorf("%w: DTDs and other <!…> directives are not accepted", ErrMalformed)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrMalformed)
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%w: <%s> is not closed", ErrMalformed, stack[len(stack)-1].Name)
	}
	return root, nil
}

// isName reports whether local, a name without its prefix, is an XML
// name by itself. The tree keeps only local names and Document writes them
// without a prefix, so <a:0> (a name as a whole, but whose local part 0 is
// not one) would come out as <0>, which no parser reads. Namespaces in XML
// forbid it too: the local part of a qualified name is an NCName. The
// check uses the decoder's own name rules, the ones a second Parse applies.
func isName(local string) bool {
	tok, err := xml.NewDecoder(strings.NewReader("<" + local + "/>")).RawToken()
	if err != nil {
		return false
	}
	start, ok := tok.(xml.StartElement)
	return ok && start.Name.Space == "" && start.Name.Local == local
}

// qname is an element name as written: prefix:local, or local.
func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// Child returns the first child element called name, or nil.
func (n *Node) Child(name string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Nodes {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// All returns every child element called name.
func (n *Node) All(name string) []*Node {
	if n == nil {
		return nil
	}
	var out []*Node
	for _, c := range n.Nodes {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Find follows a path of child names from n; nil when any step is missing.
func (n *Node) Find(path ...string) *Node {
	for _, name := range path {
		n = n.Child(name)
	}
	return n
}

// Value returns the text of the element at path, trimmed of surrounding
// whitespace, or "" when it is missing.
func (n *Node) Value(path ...string) string {
	if c := n.Find(path...); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

// Has reports whether the element at path exists.
func (n *Node) Has(path ...string) bool { return n.Find(path...) != nil }

// Set sets the text of the direct child name, appending a new child when
// there is none.
func (n *Node) Set(name, text string) {
	if c := n.Child(name); c != nil {
		c.Text, c.Nodes = text, nil
		return
	}
	n.Nodes = append(n.Nodes, &Node{Name: name, Text: text})
}

// Append adds c as the last child and returns it.
func (n *Node) Append(c *Node) *Node {
	n.Nodes = append(n.Nodes, c)
	return c
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := &Node{Name: n.Name, Text: n.Text}
	if len(n.Nodes) > 0 {
		c.Nodes = make([]*Node, len(n.Nodes))
		for i, k := range n.Nodes {
			c.Nodes[i] = k.Clone()
		}
	}
	return c
}

// Renamed returns a shallow copy of n with another element name.
func (n *Node) Renamed(name string) *Node {
	c := *n
	c.Name = name
	return &c
}

// MarshalXML writes n and its children under their own names (start's
// name is replaced by n's; its attributes are kept). The namespace is not
// written here; the caller adds it on the document root.
func (n *Node) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Name.Local = n.Name
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if len(n.Nodes) == 0 {
		if n.Text != "" {
			if err := e.EncodeToken(xml.CharData(n.Text)); err != nil {
				return err
			}
		}
	}
	// Children are written by direct calls, not EncodeElement, which would
	// go through reflection and flush the encoder once per element.
	for _, c := range n.Nodes {
		if err := c.MarshalXML(e, xml.StartElement{}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// Document renders n as a whole XML document with CloudFront's namespace on
// the root element.
func (n *Node) Document() []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	e := xml.NewEncoder(&b)
	start := xml.StartElement{Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: Namespace}}}
	if err := n.MarshalXML(e, start); err != nil {
		// Writing to a bytes.Buffer cannot fail, and every name came from
		// a parsed document or from code, so an error here is a bug.
		panic(fmt.Sprintf("distconfig: encode %s: %v", n.Name, err))
	}
	if err := e.Flush(); err != nil {
		panic(fmt.Sprintf("distconfig: flush %s: %v", n.Name, err))
	}
	return b.Bytes()
}
