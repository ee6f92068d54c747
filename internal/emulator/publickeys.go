package emulator

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Public keys and key groups (issue 15 item 3), for signed URLs and
// cookies: an EncodedKey must be a PEM RSA public key; a public key is in
// use while a key group holds it, a key group while a behaviour trusts it.

// maxKeysPerGroup is CloudFront's quota of public keys in a key group.
const maxKeysPerGroup = 5

// parseRSAPublicKey returns the RSA public key PEM-encoded in s: a
// "PUBLIC KEY" (PKIX) or "RSA PUBLIC KEY" (PKCS #1) block and nothing else.
func parseRSAPublicKey(s string) (*rsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return nil, errors.New("text after the PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("a %T, not an RSA key", k)
		}
		return rk, nil
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	}
	return nil, fmt.Errorf("a PEM block of type %q, want PUBLIC KEY", block.Type)
}

var publicKeys = &resourceKind{
	kind:           "public-key",
	elem:           "PublicKey",
	newID:          func() string { return newID("K", 13, upperAlnum) },
	timeField:      "CreatedTime",
	updateAtConfig: true,
	noSuch:         "NoSuchPublicKey",
	noSuchMsg:      "The specified public key doesn't exist.",
	exists:         "PublicKeyAlreadyExists",
	existsMsg:      "The specified public key already exists.",
	inUseCode:      "PublicKeyInUse",
	inUseMsg:       "The specified public key is in use.",
	check: func(_ context.Context, _ *Server, c *distconfig.Node, old *store.Resource) *apiError {
		if _, err := parseRSAPublicKey(c.Value("EncodedKey")); err != nil {
			e := errorf("InvalidArgument", "The parameter EncodedKey is not a valid PEM-encoded RSA public key.")
			e.Detail = err.Error()
			return e
		}
		if old != nil && (strings.TrimSpace(c.Value("EncodedKey")) != strings.TrimSpace(old.Config.Value("EncodedKey")) ||
			c.Value("CallerReference") != old.Config.Value("CallerReference")) {
			return errorf("CannotChangeImmutablePublicKeyFields", "You can't change the value of a public key.")
		}
		return nil
	},
	inUse: func(r *store.Resource, in store.Snapshot) (bool, error) {
		groups, err := in.Resources("key-group")
		if err != nil {
			return false, err
		}
		for _, g := range groups {
			for _, k := range g.Config.Find("Items").All("PublicKey") {
				if k.Text == r.ID {
					return true, nil
				}
			}
		}
		return false, nil
	},
	summary: func(r *store.Resource, _ *distconfig.Node, _ string) *distconfig.Node {
		n := &distconfig.Node{Name: "PublicKeySummary", Nodes: []*distconfig.Node{
			leaf("Id", r.ID), leaf("Name", r.Config.Value("Name")), leaf("CreatedTime", wireTime(r.CreatedTime)),
			leaf("EncodedKey", r.Config.Value("EncodedKey")),
		}}
		if r.Config.Has("Comment") {
			n.Append(leaf("Comment", r.Config.Value("Comment")))
		}
		return n
	},
}

var keyGroups = &resourceKind{
	kind:      "key-group",
	elem:      "KeyGroup",
	newID:     newRequestID,
	timeField: "LastModifiedTime",
	noSuch:    "NoSuchResource",
	noSuchMsg: "The specified key group does not exist.",
	exists:    "KeyGroupAlreadyExists",
	existsMsg: "A key group with this name already exists. You must provide a unique name. To modify an existing key group, use UpdateKeyGroup.",
	inUseCode: "ResourceInUse",
	inUseMsg:  "Cannot delete this resource because it is in use.",
	check: func(ctx context.Context, s *Server, c *distconfig.Node, _ *store.Resource) *apiError {
		keys := c.Child("Items").All("PublicKey")
		switch {
		case len(keys) == 0:
			return errorf("InvalidArgument", "KeyGroupConfig.Items must name at least one public key.")
		case len(keys) > maxKeysPerGroup:
			return errorf("TooManyPublicKeysInKeyGroup", "The key group names %d public keys, more than the limit of %d.", len(keys), maxKeysPerGroup)
		}
		for _, k := range keys {
			if _, err := s.store.GetResource(ctx, "public-key", k.Text); err != nil {
				if errors.Is(err, store.ErrNoResource) {
					return errorf("InvalidArgument", "The public key %q in KeyGroupConfig.Items does not exist.", truncate(k.Text, 40))
				}
				return &apiError{Code: "ServiceUnavailable", Message: "CloudFront encountered an internal error. Please try again.", Status: 503, Detail: err.Error()}
			}
		}
		return nil
	},
	inUse: func(r *store.Resource, in store.Snapshot) (bool, error) {
		return anyDistribution(in, func(c *distconfig.Node) bool {
			for _, b := range behaviorsOf(c) {
				for _, g := range b.Find("TrustedKeyGroups", "Items").All("KeyGroup") {
					if g.Text == r.ID {
						return true
					}
				}
			}
			return false
		})
	},
	summary: func(_ *store.Resource, wire *distconfig.Node, _ string) *distconfig.Node {
		return &distconfig.Node{Name: "KeyGroupSummary", Nodes: []*distconfig.Node{wire}}
	},
}
