package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Origin access identities (issue 27): the legacy way to keep an S3 origin
// private. The config is a CallerReference and a Comment; the
// CallerReference is unique and a repeated Create with the same config
// answers the same identity. An S3OriginConfig names one as
// oaiPathPrefix+ID, and the identity is in use while one does.

// oaiPathPrefix is how S3OriginConfig.OriginAccessIdentity names an
// identity: origin-access-identity/cloudfront/ID.
const oaiPathPrefix = "origin-access-identity/cloudfront/"

// maxOriginAccessIdentities is CloudFront's quota of origin access
// identities per account,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
const maxOriginAccessIdentities = 100

// s3CanonicalUserID is the identity's S3 canonical user ID: 64 hex digits,
// as CloudFront's are. It is derived from the ID, so it needs no storage
// of its own and is the same after a restart.
func s3CanonicalUserID(id string) string {
	sum := sha256.Sum256([]byte("cfinv origin access identity " + id))
	return hex.EncodeToString(sum[:])
}

var originAccessIdentities = &resourceKind{
	kind:           "origin-access-identity",
	path:           "origin-access-identity/cloudfront",
	elem:           "CloudFrontOriginAccessIdentity",
	newID:          func() string { return newID("E", 13, upperAlnum) },
	updateAtConfig: true,
	listMarker:     true,
	nameMember:     "CallerReference",
	replay:         true,
	quota:          maxOriginAccessIdentities,
	quotaCode:      "TooManyCloudFrontOriginAccessIdentities",
	quotaMsg:       "Processing your request would cause you to exceed the maximum number of origin access identities allowed.",
	noSuch:         "NoSuchCloudFrontOriginAccessIdentity",
	noSuchMsg:      "The specified origin access identity does not exist.",
	exists:         "CloudFrontOriginAccessIdentityAlreadyExists",
	existsMsg:      "An origin access identity with this CallerReference and a different configuration already exists.",
	inUseCode:      "CloudFrontOriginAccessIdentityInUse",
	inUseMsg:       "The Origin Access Identity specified is already in use.",
	check: func(_ context.Context, _ *Server, c *distconfig.Node, old *store.Resource) *apiError {
		ref := c.Value("CallerReference")
		if ref == "" {
			return errorf("InvalidArgument", "CloudFrontOriginAccessIdentityConfig.CallerReference must not be empty.")
		}
		if aerr := checkCallerReference("CloudFrontOriginAccessIdentityConfig.CallerReference", ref); aerr != nil {
			return aerr
		}
		if n := utf8.RuneCountInString(c.Value("Comment")); n > maxCommentLen {
			return errorf("InvalidArgument", "CloudFrontOriginAccessIdentityConfig.Comment is %d characters long; the comment cannot be longer than %d characters.", n, maxCommentLen)
		}
		if old != nil && ref != old.Config.Value("CallerReference") {
			e := errorf("IllegalUpdate", "The update contains modifications that are not allowed.")
			e.Detail = "CallerReference " + truncate(ref, 100) + " is not the identity's " + truncate(old.Config.Value("CallerReference"), 100)
			return e
		}
		return nil
	},
	inUse: func(r *store.Resource, in store.Snapshot) (bool, error) {
		return anyDistribution(in, func(c *distconfig.Node) bool {
			for _, o := range c.Find("Origins", "Items").All("Origin") {
				if o.Value("S3OriginConfig", "OriginAccessIdentity") == oaiPathPrefix+r.ID {
					return true
				}
			}
			return false
		})
	},
	members: func(r *store.Resource) []*distconfig.Node {
		return []*distconfig.Node{leaf("S3CanonicalUserId", s3CanonicalUserID(r.ID))}
	},
	summary: func(r *store.Resource, _ *distconfig.Node, _ string) *distconfig.Node {
		return &distconfig.Node{Name: "CloudFrontOriginAccessIdentitySummary", Nodes: []*distconfig.Node{
			leaf("Id", r.ID), leaf("S3CanonicalUserId", s3CanonicalUserID(r.ID)), leaf("Comment", r.Config.Value("Comment")),
		}}
	},
}

// checkOriginAccessIdentities refuses a DistributionConfig whose
// S3OriginConfig names an origin access identity that is not
// oaiPathPrefix+ID of an existing one, with CloudFront's
// InvalidOriginAccessIdentity. An empty OriginAccessIdentity names none.
func (s *Server) checkOriginAccessIdentities(ctx context.Context, c *distconfig.Node) error {
	for _, o := range c.Find("Origins", "Items").All("Origin") {
		ref := o.Value("S3OriginConfig", "OriginAccessIdentity")
		if ref == "" {
			continue
		}
		invalid := func(why string) error {
			e := errorf("InvalidOriginAccessIdentity", "The origin access identity is not valid or doesn't exist.")
			e.Detail = "origin " + truncate(o.Value("Id"), 100) + " names OriginAccessIdentity " + truncate(ref, 100) + ", " + why
			return e
		}
		id, ok := strings.CutPrefix(ref, oaiPathPrefix)
		if !ok || id == "" {
			return invalid("which is not " + oaiPathPrefix + "ID")
		}
		_, err := s.store.GetResource(ctx, originAccessIdentities.kind, id)
		switch {
		case errors.Is(err, store.ErrNoResource):
			return invalid("which does not exist")
		case err != nil:
			return err
		}
	}
	return nil
}
