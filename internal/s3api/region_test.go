package s3api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/sigv4"
)

// startStrictServer is startServer with the verifier's StrictRegion set:
// the buckets are in us-east-1, and only requests signed for it pass.
func startStrictServer(t *testing.T) (string, *s3.Client) {
	t.Helper()
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := &s3api.Server{Store: st, Auth: &sigv4.Verifier{Service: "s3", StrictRegion: true,
		Lookup: func(id string) (string, bool) { return testSecret, id == testKeyID }}}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(ts.URL, testSecret)
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	return ts.URL, c
}

// TestStrictRegionSDK: with StrictRegion, a request the SDK signs for
// another region than the bucket's gets S3's answer, 400
// AuthorizationHeaderMalformed naming the region expected, and the
// X-Amz-Bucket-Region header SDKs redirect by (HEAD has no body).
func TestStrictRegionSDK(t *testing.T) {
	_, good := startStrictServer(t)
	wrong := s3.New(good.Options(), func(o *s3.Options) { o.Region = "eu-west-1" })
	ctx := t.Context()
	tests := []struct {
		name     string
		c        *s3.Client
		call     func(*s3.Client) error
		wantCode string // "" for success; HEAD's errors carry only the status
		wantMsg  string
	}{
		{"PutObject, bucket's region", good, func(c *s3.Client) error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("k2"), Body: strings.NewReader("v")})
			return err
		}, "", ""},
		{"PutObject, another region", wrong, func(c *s3.Client) error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("k3"), Body: strings.NewReader("v")})
			return err
		}, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'"},
		{"GetObject, another region", wrong, func(c *s3.Client) error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("k")})
			return err
		}, "AuthorizationHeaderMalformed", "expecting 'us-east-1'"},
		{"ListBuckets, another region", wrong, func(c *s3.Client) error {
			_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
			return err
		}, "AuthorizationHeaderMalformed", "the region 'eu-west-1' is wrong"},
		{"HeadBucket, another region", wrong, func(c *s3.Client) error {
			_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("site")})
			return err
		}, "BadRequest", ""},
		{"HeadObject, another region", wrong, func(c *s3.Client) error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("site"), Key: aws.String("k")})
			return err
		}, "BadRequest", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(tt.c)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			if errCode(err) != tt.wantCode || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got %v, want %s with %q", err, tt.wantCode, tt.wantMsg)
			}
			var re *smithyhttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest || re.Response.Header.Get("X-Amz-Bucket-Region") != "us-east-1" {
				t.Errorf("got %v, want HTTP 400 with X-Amz-Bucket-Region: us-east-1", err)
			}
		})
	}
}

// TestStrictRegionWire checks the error bodies on the wire: the header
// case (signed by the SDK's signer) and a presigned URL, each with S3's
// code, message and <Region> element.
func TestStrictRegionWire(t *testing.T) {
	url, good := startStrictServer(t)
	ctx := t.Context()
	wrong := s3.New(good.Options(), func(o *s3.Options) { o.Region = "ap-south-1" })
	presigned, err := s3.NewPresignClient(wrong).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	headerSigned := func(region string) *http.Request {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/site/k", nil)
		sum := sha256.Sum256(nil)
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		creds, _ := good.Options().Credentials.Retrieve(context.Background())
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "s3", region, time.Now()); err != nil {
			t.Fatal(err)
		}
		return req
	}
	presignedReq, _ := http.NewRequestWithContext(ctx, http.MethodGet, presigned.URL, nil)
	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantBody   []string
	}{
		{"header, bucket's region", headerSigned("us-east-1"), http.StatusOK, []string{"v"}},
		{"header, another region", headerSigned("ap-south-1"), http.StatusBadRequest, []string{
			"<Code>AuthorizationHeaderMalformed</Code>",
			"<Message>The authorization header is malformed; the region &#39;ap-south-1&#39; is wrong; expecting &#39;us-east-1&#39;</Message>",
			"<Region>us-east-1</Region>"}},
		{"presigned, another region", presignedReq, http.StatusBadRequest, []string{
			"<Code>AuthorizationQueryParametersError</Code>",
			"<Message>Error parsing the X-Amz-Credential parameter; the region &#39;ap-south-1&#39; is wrong; expecting &#39;us-east-1&#39;</Message>",
			"<Region>us-east-1</Region>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			for _, w := range tt.wantBody {
				if !strings.Contains(string(body), w) {
					t.Errorf("body %s\nwant it to hold %s", body, w)
				}
			}
		})
	}
}
