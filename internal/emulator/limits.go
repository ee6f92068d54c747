package emulator

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Limits on client-chosen values (cfinv issue 10: a 40 KB CallerReference
// reached bbolt's 32 KiB key limit and was answered 503, which clients
// retry). Each is checked before the store sees the value and answered 4xx
// with a message naming the limit; docs/emulator.md lists them.
const (
	// maxCommentLen: "The comment cannot be longer than 128 characters"
	// (DistributionConfig.Comment in the model).
	maxCommentLen = 128
	// maxAliasLen is the model's aliasString limit, a DNS name's.
	maxAliasLen = 253
	// maxAliases, maxOrigins and maxCacheBehaviors are CloudFront's
	// per-distribution quotas,
	// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
	maxAliases        = 100
	maxOrigins        = 100
	maxCacheBehaviors = 75
	// maxIDLen bounds every ID a client names (URL path segments, Marker,
	// the ID in a tagging ARN). CloudFront's are 13–15 characters and the
	// model bounds a distribution ID at 25; 128 leaves room (inferred).
	maxIDLen = 128
)

// checkCallerReference checks the length of an invalidation's or a
// distribution's CallerReference; what names the element for the message.
// Neither the model nor the guide gives a limit: cfpath.MaxCallerReferenceLen
// is the one Terraform's invalidation action enforces (shared reference
// §4.1) (inferred), the same the client keeps to.
func checkCallerReference(what, ref string) *apiError {
	if n := utf8.RuneCountInString(ref); n > cfpath.MaxCallerReferenceLen {
		return errorf("InvalidArgument", "%s is %d characters long; the limit is %d characters.", what, n, cfpath.MaxCallerReferenceLen)
	}
	return nil
}

// checkConfigLimits checks the DistributionConfig members with a
// documented length or count limit.
func checkConfigLimits(c *distconfig.Node) *apiError {
	if aerr := checkCallerReference("DistributionConfig.CallerReference", c.Value("CallerReference")); aerr != nil {
		return aerr
	}
	if n := utf8.RuneCountInString(c.Value("Comment")); n > maxCommentLen {
		return errorf("InvalidArgument", "DistributionConfig.Comment is %d characters long; the comment cannot be longer than %d characters.", n, maxCommentLen)
	}
	aliases := c.Find("Aliases", "Items").All("CNAME")
	if len(aliases) > maxAliases {
		return fixed("TooManyDistributionCNAMEs", "%d CNAMEs, the limit is %d.", len(aliases), maxAliases)
	}
	for i, a := range aliases {
		if n := utf8.RuneCountInString(a.Value()); n > maxAliasLen {
			return errorf("InvalidArgument", "DistributionConfig.Aliases.Items.CNAME[%d] is %d characters long; an alternate domain name is at most %d characters.", i+1, n, maxAliasLen)
		}
	}
	items := func(path ...string) int {
		if n := c.Find(path...); n != nil {
			return len(n.Nodes)
		}
		return 0
	}
	if n := items("Origins", "Items"); n > maxOrigins {
		return fixed("TooManyOrigins", "%d origins, the limit is %d.", n, maxOrigins)
	}
	if n := items("CacheBehaviors", "Items"); n > maxCacheBehaviors {
		return fixed("TooManyCacheBehaviors", "%d cache behaviors, the limit is %d.", n, maxCacheBehaviors)
	}
	return nil
}

// checkRequestIDs refuses a request whose URL path segments (the IDs it
// names) or Marker are longer than any ID can be, before routing.
func checkRequestIDs(r *http.Request) *apiError {
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if len(seg) > maxIDLen {
			return errorf("InvalidArgument", "The request URL names an ID of %d bytes (%q); IDs are at most %d bytes.", len(seg), truncate(seg, 40), maxIDLen)
		}
	}
	if m := r.URL.Query().Get("Marker"); len(m) > maxIDLen {
		return errorf("InvalidArgument", "Marker is %d bytes long (%q); a marker is an ID, at most %d bytes.", len(m), truncate(m, 40), maxIDLen)
	}
	return nil
}

// storeKeyError maps a key the store refused to the client's error: the
// store's limit is a backstop behind the checks above, but whichever value
// reaches it is still the client's, so the answer is 400, never 503.
func storeKeyError(err error) *apiError {
	var ke *store.KeyError
	if errors.As(err, &ke) {
		return errorf("InvalidArgument", "The request was refused: %s.", ke.Error())
	}
	return errorf("InvalidArgument", "The request was refused: %v.", err)
}
