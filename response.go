package cfinv

import (
	"errors"
	"fmt"
)

// errBadResponse marks a response cfinv refuses to use; it is not retried.
var errBadResponse = errors.New("bad response")

// maxInvalidationIDLen is the longest invalidation ID accepted from a
// server. CloudFront's are 13 to 15 upper-case letters and digits
// ("IXPTPF87PGPXA"); the bound leaves room for a longer format.
const maxInvalidationIDLen = 64

// checkInvalidationID refuses an invalidation ID in a response that is not
// shaped like CloudFront's: letters and digits only. An ID is written to
// the journal, to $GITHUB_OUTPUT and to the terminal; one with a line
// break or a control character, from a broken or hostile endpoint, could
// forge lines there.
func checkInvalidationID(id string) error {
	ok := id != "" && len(id) <= maxInvalidationIDLen
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
	}
	if !ok {
		return fmt.Errorf("%w: the response's invalidation ID %q is not shaped like CloudFront's (1 to %d letters and digits)", errBadResponse, id, maxInvalidationIDLen)
	}
	return nil
}
