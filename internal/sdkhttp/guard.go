// Package sdkhttp holds what cfinv adds to the AWS SDK's HTTP client: a guard
// against a request-body race between smithy-go and net/http.
package sdkhttp

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// GuardBody returns an HTTP client for the SDK that sends request bodies
// through a plain io.ReadCloser, hiding any io.WriterTo of the SDK's body.
//
// Why: smithy-go wraps a request body in a "safe" closer and closes it as
// soon as the response headers arrive. After closing, that closer's WriteTo
// returns io.EOF, which io.WriterTo must never return (go.dev/issue/44411).
// net/http writes the body straight to the socket (after flushing the
// headers, through the connection's ReadFrom), then reads the body once
// more (io.Copy to io.Discard, which uses WriteTo) to check nothing is
// left. When the server answered in between — it has every byte it was
// promised — and the SDK has closed the body, that check takes io.EOF for
// a write error and closes the connection while the response body is still
// being read. The caller sees "deserialization failed … use of closed
// network connection" on a 201 whose invalidation was in fact created. Any
// request with a body can meet it; a loaded machine makes it likelier.
// Reading through Read only, a closed body reports a clean EOF and the
// connection survives.
//
// A client GuardBody already returned is returned as it is, so a
// configuration that passes through several layers is guarded once.
func GuardBody(c aws.HTTPClient) aws.HTTPClient {
	if g, ok := c.(guardedClient); ok {
		return g
	}
	return guardedClient{c}
}

type guardedClient struct{ c aws.HTTPClient }

// readOnlyBody exposes only Read and Close of the body it wraps.
type readOnlyBody struct{ io.ReadCloser }

func (g guardedClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		r := req.Clone(req.Context())
		r.Body = readOnlyBody{req.Body}
		req = r
	}
	return g.c.Do(req)
}
