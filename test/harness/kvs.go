package harness

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/cfinv/cfinv/internal/sdkhttp"
)

// KVS returns the real aws-sdk-go-v2 CloudFront KeyValueStore client
// aimed at endpoint (the API address of cfinv serve), signing with the
// key pair id/secret (SigV4A, as the SDK always signs this service), one
// attempt per call.
//
// The SDK's endpoint rules send each request to ACCOUNT.HOST of the
// endpoint (the account of the store's ARN), a name that does not resolve
// on loopback; the client's transport therefore dials endpoint's address
// whatever the host name, and the server sees the Host the SDK signed.
func KVS(endpoint, id, secret string) *cloudfrontkeyvaluestore.Client {
	return KVSWith(endpoint, id, secret, KVSHTTPClient(endpoint))
}

// KVSWith is KVS sending its requests through c.
func KVSWith(endpoint, id, secret string, c aws.HTTPClient) *cloudfrontkeyvaluestore.Client {
	return cloudfrontkeyvaluestore.New(cloudfrontkeyvaluestore.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		HTTPClient:   sdkhttp.GuardBody(c),
		Retryer: retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 1
		}),
	})
}

// KVSHTTPClient returns an HTTP client that dials endpoint's address
// whatever the host name of the request.
func KVSHTTPClient(endpoint string) *http.Client {
	u, err := url.Parse(endpoint)
	if err != nil {
		panic("harness: KVS endpoint: " + err.Error())
	}
	addr := u.Host
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
}
