package s3api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestVirtualHostedSDK: the SDK, not path-style, puts the bucket in the
// host: BUCKET.localhost:PORT for an endpoint of localhost:PORT and
// BUCKET.s3.localhost:PORT for s3.localhost:PORT. Both address the bucket,
// and path-style keeps working (issue 30). Every name is dialled at the
// test server on 127.0.0.1, as a resolver of *.localhost does.
func TestVirtualHostedSDK(t *testing.T) {
	_, url, _ := startServer(t)
	addr := strings.TrimPrefix(url, "http://")
	_, port, _ := net.SplitHostPort(addr)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	var hosts []string
	for _, tc := range []struct {
		name, endpoint, wantHost string
		pathStyle                bool
	}{
		{"BUCKET.localhost", "http://localhost:" + port, "vhost-a.localhost:" + port, false},
		{"BUCKET.s3.localhost", "http://s3.localhost:" + port, "vhost-b.s3.localhost:" + port, false},
		{"path-style on s3.localhost", "http://s3.localhost:" + port, "s3.localhost:" + port, true},
		{"path-style on 127.0.0.1", url, addr, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := map[string]string{"BUCKET.localhost": "vhost-a", "BUCKET.s3.localhost": "vhost-b"}[tc.name]
			if bucket == "" {
				bucket = "path-" + strings.ReplaceAll(strings.Split(tc.name, " ")[2], ".", "-")
			}
			c := s3.New(newClient(tc.endpoint, testSecret).Options(), func(o *s3.Options) {
				o.UsePathStyle = tc.pathStyle
				o.HTTPClient = recordHost{hc, &hosts}
			})
			ctx := t.Context()
			hosts = nil
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/index.html"), Body: strings.NewReader("hello " + bucket)}); err != nil {
				t.Fatal(err)
			}
			get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/index.html")})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(get.Body)
			get.Body.Close()
			if string(body) != "hello "+bucket {
				t.Errorf("GetObject: %q, want %q", body, "hello "+bucket)
			}
			list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "dir/index.html" {
				t.Errorf("ListObjectsV2: %d objects, want dir/index.html", len(list.Contents))
			}
			for _, h := range hosts {
				if h != tc.wantHost {
					t.Errorf("request to host %q, want %q", h, tc.wantHost)
				}
			}
		})
	}
}

// recordHost is an HTTP client that notes each request's host.
type recordHost struct {
	c     *http.Client
	hosts *[]string
}

func (r recordHost) Do(req *http.Request) (*http.Response, error) {
	*r.hosts = append(*r.hosts, req.URL.Host)
	return r.c.Do(req)
}
