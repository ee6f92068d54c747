package emulator

import (
	"context"
	"errors"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// checkReferences refuses a DistributionConfig that names an origin access
// control or identity, policy or key group that does not exist, with the code
// CloudFront answers for each. It runs after validateConfig, before
// anything is stored.
func (s *Server) checkReferences(ctx context.Context, c *distconfig.Node) error {
	exists := func(k *resourceKind, id string) (bool, error) {
		if k.managedByID(id) != nil {
			return true, nil
		}
		_, err := s.store.GetResource(ctx, k.kind, id)
		if errors.Is(err, store.ErrNoResource) {
			return false, nil
		}
		return err == nil, err
	}
	for _, o := range c.Find("Origins", "Items").All("Origin") {
		oac := o.Value("OriginAccessControlId")
		if oac == "" {
			continue
		}
		if o.Value("S3OriginConfig", "OriginAccessIdentity") != "" {
			e := errorf("IllegalOriginAccessConfiguration", "An origin cannot contain both an origin access control (OAC) and an origin access identity (OAI).")
			e.Detail = "origin " + truncate(o.Value("Id"), 100)
			return e
		}
		ok, err := exists(originAccessControls, oac)
		if err != nil {
			return err
		}
		if !ok {
			e := errorf("InvalidOriginAccessControl", "The origin access control is not valid.")
			e.Detail = "origin " + truncate(o.Value("Id"), 100) + " names OriginAccessControlId " + truncate(oac, 40) + ", which does not exist"
			return e
		}
	}
	if err := s.checkOriginAccessIdentities(ctx, c); err != nil {
		return err
	}
	if err := s.checkVpcOriginIds(ctx, c); err != nil {
		return err
	}
	if err := s.checkAnycastIPListID(ctx, c); err != nil {
		return err
	}
	if err := s.checkRealtimeLogConfigArns(ctx, c); err != nil {
		return err
	}
	if err := s.checkFieldLevelEncryptionIds(ctx, c); err != nil {
		return err
	}
	if err := s.checkConnectionReferences(ctx, c); err != nil {
		return err
	}
	refs := []struct {
		member string
		kind   *resourceKind
	}{
		{"CachePolicyId", cachePolicies},
		{"OriginRequestPolicyId", originRequestPolicies},
		{"ResponseHeadersPolicyId", responseHeadersPolicies},
	}
	for _, b := range behaviorsOf(c) {
		if err := s.checkFunctionAssociations(ctx, b); err != nil {
			return err
		}
		for _, ref := range refs {
			id := b.Value(ref.member)
			if id == "" {
				continue
			}
			ok, err := exists(ref.kind, id)
			if err != nil {
				return err
			}
			if !ok {
				e := s.noSuch(ref.kind)
				e.Detail = ref.member + " " + truncate(id, 40) + " does not exist"
				return e
			}
		}
		for _, g := range b.Find("TrustedKeyGroups", "Items").All("KeyGroup") {
			ok, err := exists(keyGroups, g.Text)
			if err != nil {
				return err
			}
			if !ok {
				e := errorf("TrustedKeyGroupDoesNotExist", "The specified key group does not exist.")
				e.Detail = "TrustedKeyGroups names " + truncate(g.Text, 40)
				return e
			}
		}
	}
	return nil
}

// resourceKinds are the kinds served through resourceRoutes.
var resourceKinds = []*resourceKind{
	originAccessControls, cachePolicies, originRequestPolicies, responseHeadersPolicies, publicKeys, keyGroups,
	originAccessIdentities,
	vpcOrigins,
	anycastIPLists,
}

// connectionReferences are the distribution config members that name a
// connection function or a trust store (issue 27), and the store kind
// each names.
var connectionReferences = []struct {
	path []string
	kind string
	what string
}{
	{[]string{"ConnectionFunctionAssociation", "Id"}, ConnectionFunctionKind, "connection function"},
	{[]string{"ViewerMtlsConfig", "TrustStoreConfig", "TrustStoreId"}, trustStoreKind, "trust store"},
}

// checkConnectionReferences refuses a config naming a connection function
// or trust store that does not exist: EntityNotFound, as CloudFront
// answers.
func (s *Server) checkConnectionReferences(ctx context.Context, c *distconfig.Node) error {
	for _, ref := range connectionReferences {
		id := c.Value(ref.path...)
		if !c.Has(ref.path...) {
			continue
		}
		if id == "" || len(id) > maxIDLen {
			return errorf("EntityNotFound", "The %s %q in %s was not found.", ref.what, truncate(id, 40), strings.Join(ref.path, "."))
		}
		_, err := s.store.GetResource(ctx, ref.kind, id)
		if errors.Is(err, store.ErrNoResource) {
			return errorf("EntityNotFound", "The %s %q in %s was not found.", ref.what, truncate(id, 40), strings.Join(ref.path, "."))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
