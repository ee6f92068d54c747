package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
)

//go:generate sh -c "python3 gen_shapes.py > shapes_gen.go && gofmt -w shapes_gen.go"

// shapeKind is the type of a model shape.
type shapeKind int

const (
	shapeString shapeKind = iota
	shapeBoolean
	shapeInteger
	shapeEnum
	shapeList
	shapeStructure
)

// shape is one shape of the botocore model, as far as validation needs it.
type shape struct {
	kind      shapeKind
	members   []member // structure, in the model's order
	required  []string // structure
	item      string   // list: the element name of each item
	itemShape string   // list
	enum      []string // enum
}

type member struct{ name, shape string }

// memberShape returns the shape name of member name of s, or "".
func (s shape) memberShape(name string) string {
	for _, m := range s.members {
		if m.name == name {
			return m.shape
		}
	}
	return ""
}

// validateShape checks n against the model's shape name: no element the
// shape lacks (MalformedXML, as CloudFront's schema check), every required
// member present (InvalidArgument), booleans, integers and enum values
// well-formed. path names n in messages, e.g. "CachePolicyConfig".
func validateShape(n *distconfig.Node, name, path string) *apiError {
	s, ok := shapes[name]
	if !ok {
		return nil
	}
	text := strings.TrimSpace(n.Text)
	switch s.kind {
	case shapeBoolean:
		if len(n.Nodes) > 0 || text != "true" && text != "false" {
			return fixed("MalformedXML", "%s %q is not true or false", path, truncate(text, 40))
		}
	case shapeInteger:
		if _, err := strconv.ParseInt(text, 10, 64); len(n.Nodes) > 0 || err != nil {
			return fixed("MalformedXML", "%s %q is not an integer", path, truncate(text, 40))
		}
	case shapeEnum:
		if !slices.Contains(s.enum, text) {
			return errorf("InvalidArgument", "%s %q is not one of %s.", path, truncate(text, 60), strings.Join(s.enum, ", "))
		}
	case shapeString:
		if len(n.Nodes) > 0 {
			return fixed("MalformedXML", "%s holds elements, want text", path)
		}
	case shapeList:
		for i, c := range n.Nodes {
			if c.Name != s.item {
				return fixed("MalformedXML", "%s holds <%s>, want <%s>", path, c.Name, s.item)
			}
			if aerr := validateShape(c, s.itemShape, fmt.Sprintf("%s.%s[%d]", path, c.Name, i+1)); aerr != nil {
				return aerr
			}
		}
	case shapeStructure:
		if len(n.Nodes) == 0 && text != "" {
			return fixed("MalformedXML", "%s holds text, want elements", path)
		}
		seen := map[string]bool{}
		for _, c := range n.Nodes {
			ms := s.memberShape(c.Name)
			switch {
			case ms == "":
				return fixed("MalformedXML", "%s holds <%s>, which the schema does not have", path, c.Name)
			case seen[c.Name]:
				return fixed("MalformedXML", "%s holds <%s> twice", path, c.Name)
			}
			seen[c.Name] = true
			if aerr := validateShape(c, ms, path+"."+c.Name); aerr != nil {
				return aerr
			}
		}
		for _, r := range s.required {
			if !seen[r] {
				return errorf("InvalidArgument", "%s.%s is required.", path, r)
			}
		}
	}
	return nil
}

// memberOrder returns the member names of structure shape name.
func memberOrder(name string) []string {
	var out []string
	for _, m := range shapes[name].members {
		out = append(out, m.name)
	}
	return out
}
