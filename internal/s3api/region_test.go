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
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
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
	srv.Auth.RegionFor = srv.SigningRegion
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

// TestLocationConstraint: a bucket is created in the region its
// CreateBucketConfiguration names, GetBucketLocation and HeadBucket say
// so, and with StrictRegion its requests must be signed for it; bad
// constraints get S3's errors.
func TestLocationConstraint(t *testing.T) {
	_, east := startStrictServer(t)
	ctx := t.Context()
	in := func(region string) *s3.Client {
		return s3.New(east.Options(), func(o *s3.Options) { o.Region = region })
	}
	create := func(c *s3.Client, bucket, lc string) error {
		in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
		if lc != "" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(lc)}
		}
		_, err := c.CreateBucket(ctx, in)
		return err
	}
	tests := []struct {
		name       string
		c          *s3.Client
		bucket, lc string
		wantCode   string // "" for success
		wantMsg    string
		wantRegion string // HeadBucket's X-Amz-Bucket-Region after success
		wantLoc    string // GetBucketLocation's answer after success
	}{
		{"eu-west-1 from the us-east-1 endpoint", east, "in-eu", "eu-west-1", "", "", "eu-west-1", "eu-west-1"},
		{"EU, eu-west-1's old name", east, "old-eu", "EU", "", "", "eu-west-1", "EU"},
		{"in the endpoint's own region", in("ap-south-1"), "mumbai", "ap-south-1", "", "", "ap-south-1", "ap-south-1"},
		{"no constraint: us-east-1", east, "plain", "", "", "", "us-east-1", ""},
		{"us-east-1 named", east, "named", "us-east-1", "InvalidLocationConstraint", "The specified location-constraint is not valid", "", ""},
		{"not a region", east, "mars", "mars-north-1", "InvalidLocationConstraint", "The specified location-constraint is not valid", "", ""},
		{"another region's endpoint", in("eu-west-1"), "elsewhere", "us-west-2", "IllegalLocationConstraintException",
			"The us-west-2 location constraint is incompatible for the region specific endpoint this request was sent to.", "", ""},
		{"none at another region's endpoint", in("eu-west-1"), "unnamed", "", "IllegalLocationConstraintException",
			"The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.", "", ""},
		{"re-created in us-east-1", east, "site", "", "", "", "us-east-1", ""},
		{"re-created in eu-west-1", east, "in-eu", "eu-west-1", "BucketAlreadyOwnedByYou", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := create(tt.c, tt.bucket, tt.lc)
			if tt.wantCode != "" {
				if errCode(err) != tt.wantCode || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("CreateBucket %s %q: got %v, want %s %q", tt.bucket, tt.lc, err, tt.wantCode, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateBucket %s %q: %v", tt.bucket, tt.lc, err)
			}
			c := in(tt.wantRegion)
			head, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(tt.bucket)})
			if err != nil || aws.ToString(head.BucketRegion) != tt.wantRegion {
				t.Errorf("HeadBucket: region %q, %v; want %q", aws.ToString(head.BucketRegion), err, tt.wantRegion)
			}
			loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(tt.bucket)})
			if err != nil || string(loc.LocationConstraint) != tt.wantLoc {
				t.Errorf("GetBucketLocation: %v, %v; want %q", loc, err, tt.wantLoc)
			}
		})
	}

	// The bucket's region, not us-east-1, is what its requests are
	// signed for.
	if _, err := in("eu-west-1").PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("in-eu"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Errorf("PutObject signed for the bucket's eu-west-1: %v", err)
	}
	_, err := east.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("in-eu"), Key: aws.String("k"), Body: strings.NewReader("v")})
	if errCode(err) != "AuthorizationHeaderMalformed" || !strings.Contains(err.Error(), "the region 'us-east-1' is wrong; expecting 'eu-west-1'") {
		t.Errorf("PutObject signed for us-east-1 into eu-west-1's bucket: %v", err)
	}

	// The bad value is named in its own element, as S3 sends it.
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	open := httptest.NewServer(&s3api.Server{Store: st})
	t.Cleanup(open.Close)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, open.URL+"/badloc", strings.NewReader(
		`<CreateBucketConfiguration><LocationConstraint>mars-north-1</LocationConstraint></CreateBucketConfiguration>`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<LocationConstraint>mars-north-1</LocationConstraint>") {
		t.Errorf("CreateBucket with mars-north-1: %d %s, want 400 naming it in <LocationConstraint>", resp.StatusCode, body)
	}
}
