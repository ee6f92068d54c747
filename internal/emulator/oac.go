package emulator

import (
	"context"
	"unicode/utf8"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Origin access controls (issue 15 item 1): the OriginAccessControlConfig
// as CloudFront validates it, IDs like a distribution's, and in use while
// an origin of a distribution names it in OriginAccessControlId.
var originAccessControls = &resourceKind{
	kind:           "origin-access-control",
	elem:           "OriginAccessControl",
	newID:          func() string { return newID("E", 13, upperAlnum) },
	updateAtConfig: true,
	listMarker:     true,
	noSuch:         "NoSuchOriginAccessControl",
	noSuchMsg:      "The origin access control does not exist.",
	exists:         "OriginAccessControlAlreadyExists",
	existsMsg:      "An origin access control with the specified parameters already exists.",
	inUseCode:      "OriginAccessControlInUse",
	inUseMsg:       "Cannot delete the origin access control because it's in use by one or more distributions.",
	check: func(_ context.Context, _ *Server, c *distconfig.Node, _ *store.Resource) *apiError {
		if n := utf8.RuneCountInString(c.Value("Name")); n < 1 || n > 64 {
			return errorf("InvalidArgument", "OriginAccessControlConfig.Name must be 1 to 64 characters, not %d.", n)
		}
		if n := utf8.RuneCountInString(c.Value("Description")); n > 256 {
			return errorf("InvalidArgument", "OriginAccessControlConfig.Description must be at most 256 characters, not %d.", n)
		}
		return nil
	},
	defaults: func(c *distconfig.Node) {
		fillDefaults(c, memberOrder("OriginAccessControlConfig"), func(name string) *distconfig.Node {
			if name == "Description" {
				return leaf(name, "")
			}
			return nil
		})
	},
	inUse: func(r *store.Resource, in store.Snapshot) (bool, error) {
		return anyDistribution(in, func(c *distconfig.Node) bool {
			for _, o := range c.Find("Origins", "Items").All("Origin") {
				if o.Value("OriginAccessControlId") == r.ID {
					return true
				}
			}
			return false
		})
	},
	summary: func(r *store.Resource, _ *distconfig.Node, _ string) *distconfig.Node {
		n := &distconfig.Node{Name: "OriginAccessControlSummary", Nodes: []*distconfig.Node{leaf("Id", r.ID)}}
		for _, m := range []string{"Description", "Name", "SigningProtocol", "SigningBehavior", "OriginAccessControlOriginType"} {
			n.Append(leaf(m, r.Config.Value(m)))
		}
		return n
	},
}
