package emulator

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Tag limits, from the botocore model (TagKey: 1–128, TagValue: 0–256,
// pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*) and the CloudFront Developer Guide,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/tagging.html
// (at most 50 tags per distribution; the aws: prefix is reserved).
const (
	maxTagKeyLen   = 128
	maxTagValueLen = 256
	maxTags        = 50
)

var (
	tagChars    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`) })
	resourceARN = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^arn:aws(-cn)?:cloudfront::[0-9]+:.*$`) })
)

// validateTagKey checks one key against the model's limits.
func validateTagKey(k string) *apiError {
	switch n := utf8.RuneCountInString(k); {
	case n == 0:
		return errorf("InvalidTagging", "A tag key is empty; keys are 1 to %d characters.", maxTagKeyLen)
	case n > maxTagKeyLen:
		return errorf("InvalidTagging", "The tag key %q is %d characters long; keys are 1 to %d characters.", truncate(k, 40), n, maxTagKeyLen)
	case !tagChars().MatchString(k):
		return errorf("InvalidTagging", "The tag key %q holds a character that is not allowed; keys may hold letters, digits, spaces and _ . : / = + - @.", truncate(k, 40))
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return errorf("InvalidTagging", "The tag key %q uses the reserved prefix aws:.", truncate(k, 40))
	}
	return nil
}

// validateTagValue checks one value against the model's limits.
func validateTagValue(k, v string) *apiError {
	if n := utf8.RuneCountInString(v); n > maxTagValueLen {
		return errorf("InvalidTagging", "The value of tag %q is %d characters long; values are 0 to %d characters.", truncate(k, 40), n, maxTagValueLen)
	}
	if !tagChars().MatchString(v) {
		return errorf("InvalidTagging", "The value of tag %q holds a character that is not allowed; values may hold letters, digits, spaces and _ . : / = + - @.", truncate(k, 40))
	}
	return nil
}

// parseTags reads a Tags element: <Tags><Items><Tag><Key/><Value/></Tag>…
// </Items></Tags>, with Items optional. Keys must be valid and unique.
func parseTags(n *distconfig.Node) ([]store.Tag, *apiError) {
	var out []store.Tag
	seen := map[string]bool{}
	for _, c := range n.Nodes {
		if c.Name != "Items" {
			return nil, fixed("MalformedXML", "<Tags> holds <%s>, want <Items>.", c.Name)
		}
		for _, t := range c.Nodes {
			if t.Name != "Tag" {
				return nil, fixed("MalformedXML", "<Tags><Items> holds <%s>, want <Tag>.", t.Name)
			}
			for _, f := range t.Nodes {
				if f.Name != "Key" && f.Name != "Value" || len(f.Nodes) > 0 {
					return nil, fixed("MalformedXML", "<Tag> holds <%s>, want <Key> and <Value> text.", f.Name)
				}
			}
			if !t.Has("Key") {
				return nil, errorf("InvalidTagging", "Tag %d has no Key; a key is required.", len(out)+1)
			}
			tag := store.Tag{Key: t.Value("Key"), Value: t.Value("Value")}
			if aerr := validateTagKey(tag.Key); aerr != nil {
				return nil, aerr
			}
			if aerr := validateTagValue(tag.Key, tag.Value); aerr != nil {
				return nil, aerr
			}
			if seen[tag.Key] {
				return nil, errorf("InvalidTagging", "The tag key %q is given more than once.", truncate(tag.Key, 40))
			}
			seen[tag.Key] = true
			out = append(out, tag)
		}
	}
	if len(out) > maxTags {
		return nil, errorf("InvalidTagging", "%d tags were given; a resource has at most %d.", len(out), maxTags)
	}
	return out, nil
}

// parseTagKeys reads a TagKeys element: <TagKeys><Items><Key/>…</Items>
// </TagKeys>, with Items optional.
func parseTagKeys(n *distconfig.Node) ([]string, *apiError) {
	var out []string
	for _, c := range n.Nodes {
		if c.Name != "Items" {
			return nil, fixed("MalformedXML", "<TagKeys> holds <%s>, want <Items>.", c.Name)
		}
		for _, k := range c.Nodes {
			if k.Name != "Key" || len(k.Nodes) > 0 {
				return nil, fixed("MalformedXML", "<TagKeys><Items> holds <%s>, want <Key> text.", k.Name)
			}
			if aerr := validateTagKey(k.Text); aerr != nil {
				return nil, aerr
			}
			out = append(out, k.Text)
		}
	}
	return out, nil
}

// mergeTags returns have with add applied: an existing key's value is
// replaced in place, a new key is appended.
func mergeTags(have, add []store.Tag) []store.Tag {
	out := append([]store.Tag(nil), have...)
	for _, t := range add {
		i := slices.IndexFunc(out, func(have store.Tag) bool { return have.Key == t.Key })
		if i < 0 {
			out = append(out, t)
			continue
		}
		out[i].Value = t.Value
	}
	return out
}

// resourceID returns the distribution ID named by the Resource query
// parameter, or an error: InvalidArgument when it is missing or not a
// CloudFront ARN, NoSuchResource when it is one but names no distribution
// of this account (resources of the taggable kinds are taggedResource's).
func (s *Server) resourceID(r *http.Request) (string, *apiError) {
	arn := r.URL.Query().Get("Resource")
	if arn == "" {
		return "", errorf("InvalidArgument", "The Resource query parameter is required: the ARN of the resource.")
	}
	if !resourceARN().MatchString(arn) {
		return "", errorf("InvalidArgument", "The resource %q is not a CloudFront ARN (arn:aws:cloudfront::ACCOUNT:TYPE/ID).", truncate(arn, 100))
	}
	id, ok := strings.CutPrefix(arn, s.arn(""))
	if len(id) > maxIDLen {
		return "", errorf("InvalidArgument", "The resource %q names an ID of %d bytes; IDs are at most %d bytes.", truncate(arn, 100), len(id), maxIDLen)
	}
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", errNoSuchResource(arn)
	}
	return id, nil
}

func errNoSuchResource(arn string) *apiError {
	return errorf("NoSuchResource", "The specified resource %q does not exist.", truncate(arn, 100))
}

// wireTags renders tags as a Tags document.
func wireTags(tags []store.Tag) *xmlTags {
	out := &xmlTags{}
	for _, t := range tags {
		out.Items.Tag = append(out.Items.Tag, xmlTag(t))
	}
	return out
}

// taggableKinds are the resource kinds with an ARN type: their resources
// are taggable as distributions are.
func taggableKinds() []*resourceKind {
	var out []*resourceKind
	for _, k := range resourceKinds {
		if k.arnType != "" {
			out = append(out, k)
		}
	}
	return out
}

// taggedKinds are the store kinds outside resourceKinds, by the resource
// type of their ARN (arn:aws:cloudfront::ACCOUNT:TYPE/ID), whose tags
// TagResource, UntagResource and ListTagsForResource read and change
// besides distributions' (issue 27).
var taggedKinds = map[string]string{
	"connection-function": ConnectionFunctionKind,
	"connection-group":    connectionGroupKind,
	"trust-store":         trustStoreKind,
}

// taggedResource returns the store kind and ID of a resource of a
// taggable kind (taggableKinds, taggedKinds) that the Resource ARN names
// in this account's form (ok false: the ARN is not of such a kind, and
// resourceID decides).
func (s *Server) taggedResource(r *http.Request) (kind, id string, ok bool) {
	arn := r.URL.Query().Get("Resource")
	valid := func(id string) bool { return id != "" && !strings.Contains(id, "/") && len(id) <= maxIDLen }
	for _, k := range taggableKinds() {
		if id, ok := strings.CutPrefix(arn, s.resourceARN(k, "")); ok && valid(id) {
			return k.kind, id, true
		}
	}
	if rest, found := strings.CutPrefix(arn, "arn:aws:cloudfront::"+s.accountID+":"); found {
		typ, id, found := strings.Cut(rest, "/")
		if kind, known := taggedKinds[typ]; found && known && valid(id) {
			return kind, id, true
		}
	}
	return "", "", false
}

// resourceTags serves ListTagsForResource (edit nil) and
// Tag/UntagResource for a resource of a taggable kind.
func (s *Server) resourceTags(w http.ResponseWriter, r *http.Request, kind, id string, edit func([]store.Tag) ([]store.Tag, error)) {
	var (
		res *store.Resource
		err error
	)
	if edit == nil {
		res, err = s.store.GetResource(r.Context(), kind, id)
	} else {
		res, err = s.store.UpdateResource(r.Context(), kind, id, func(res *store.Resource) error {
			tags, err := edit(res.Tags)
			res.Tags = tags
			return err
		})
	}
	if errors.Is(err, store.ErrNoResource) {
		err = errNoSuchResource(r.URL.Query().Get("Resource"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if edit != nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.writeXML(w, r, http.StatusOK, wireTags(res.Tags))
}

func (s *Server) listTagsForResource(w http.ResponseWriter, r *http.Request) {
	if k, id, ok := s.taggedResource(r); ok {
		s.resourceTags(w, r, k, id, nil)
		return
	}
	id, aerr := s.resourceID(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	d, err := s.store.GetDistribution(r.Context(), id)
	if errors.Is(err, store.ErrNoDistribution) {
		err = errNoSuchResource(r.URL.Query().Get("Resource"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, wireTags(d.Tags))
}

// tagging serves POST /tagging: TagResource (?Operation=Tag) and
// UntagResource (?Operation=Untag).
func (s *Server) tagging(w http.ResponseWriter, r *http.Request) {
	op := r.URL.Query().Get("Operation")
	if op != "Tag" && op != "Untag" {
		s.notImplemented(w, r)
		return
	}
	k, rid, tagged := s.taggedResource(r)
	id, aerr := s.resourceID(r)
	if tagged {
		id, aerr = rid, nil
	}
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	edit, aerr := tagEdit(op, r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if tagged {
		s.resourceTags(w, r, k, id, edit)
		return
	}
	_, err := s.store.UpdateDistribution(r.Context(), id, func(d *store.Distribution) error {
		tags, err := edit(d.Tags)
		d.Tags = tags
		return err
	})
	if errors.Is(err, store.ErrNoDistribution) {
		err = errNoSuchResource(r.URL.Query().Get("Resource"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// tagEdit decodes a TagResource (op "Tag") or UntagResource body and
// returns the change it asks for, to apply to the resource's tags inside
// the store's update (on an error, the tags are left as they were).
func tagEdit(op string, r *http.Request) (func(have []store.Tag) ([]store.Tag, error), *apiError) {
	if op == "Tag" {
		add, aerr := decodeAs(r, "Tags", parseTags)
		if aerr != nil {
			return nil, aerr
		}
		return func(have []store.Tag) ([]store.Tag, error) {
			merged := mergeTags(have, add)
			if len(merged) > maxTags {
				return have, errorf("InvalidTagging", "The resource would have %d tags; a resource has at most %d.", len(merged), maxTags)
			}
			return merged, nil
		}, nil
	}
	keys, aerr := decodeAs(r, "TagKeys", parseTagKeys)
	if aerr != nil {
		return nil, aerr
	}
	return func(have []store.Tag) ([]store.Tag, error) {
		return slices.DeleteFunc(slices.Clone(have), func(t store.Tag) bool { return slices.Contains(keys, t.Key) }), nil
	}, nil
}

// decodeAs parses the request body with the given root element and reads
// it with parse.
func decodeAs[T any](r *http.Request, root string, parse func(*distconfig.Node) (T, *apiError)) (T, *apiError) {
	n, aerr := parseBody(requestBody(r), root)
	if aerr != nil {
		var zero T
		return zero, aerr
	}
	return parse(n)
}
