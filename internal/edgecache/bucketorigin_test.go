package edgecache

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
)

// TestS3BucketOrigin: an S3 origin whose bucket is in cfinv serve's own S3
// API is served from it with the object's stored headers; Cache-Control
// reaches the viewer unchanged and sets the TTL; a missing key is 403.
// The origin is site-bucket.s3.eu-west-1.amazonaws.com, the bucket's
// region.
func TestS3BucketOrigin(t *testing.T) {
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucketIn("site-bucket", "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	o, err := st.PutObject("site-bucket", "s3/page.html", strings.NewReader("<p>from the bucket</p>"), s3store.PutInput{Headers: map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Cache-Control": "public, max-age=120", "Content-Encoding": "identity",
	}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(p *Proxy) { p.S3Buckets = &s3api.Server{Store: st} })
	r := e.get(t, testDomain, "/s3/page.html")
	if r.status != 200 || r.body != "<p>from the bucket</p>" {
		t.Fatalf("GET = %d %q", r.status, r.body)
	}
	for h, want := range map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Cache-Control": "public, max-age=120", "ETag": o.ETag,
		"Content-Encoding": "identity", "Last-Modified": o.LastModified.Format("Mon, 02 Jan 2006 15:04:05 GMT"),
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	wantXCache(t, r, "Miss from cloudfront")
	// The behaviour's DefaultTTL is 10 s; the object's max-age=120 rules.
	e.clock.Advance(60 * time.Second)
	wantXCache(t, e.get(t, testDomain, "/s3/page.html"), "Hit from cloudfront")

	if r := e.get(t, testDomain, "/s3/missing.html"); r.status != 403 || !strings.Contains(r.body, "AccessDenied") {
		t.Errorf("missing key: %d %q, want 403 AccessDenied", r.status, r.body)
	}
}

// TestS3BucketOriginMapped: an --s3-origin mapping still wins over the
// bucket store.
func TestS3BucketOriginMapped(t *testing.T) {
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := bucketDir(t, "page.html", "<p>dir</p>")
	e := newEnv(t, func(p *Proxy) {
		p.S3Buckets = &s3api.Server{Store: st}
		p.S3Origins = map[string]string{"site-bucket": dir}
	})
	if r := e.get(t, testDomain, "/s3/page.html"); r.status != 200 || r.body != "<p>dir</p>" {
		t.Fatalf("GET = %d %q, want the directory's file", r.status, r.body)
	}
}

// TestS3BucketOriginWrongRegion: the origin names eu-west-1's endpoint
// (site-bucket.s3.eu-west-1.amazonaws.com); a bucket of another region
// gets what S3 at that endpoint answers, and the edge passes it on and
// caches it as it caches any origin answer: a 301 PermanentRedirect under
// the behaviour's TTLs, a 400 or 404 for the error caching minimum TTL
// (10 s). It used to be served whatever its region.
func TestS3BucketOriginWrongRegion(t *testing.T) {
	tests := []struct {
		name, constraint string
		status           int
		code             string
		header           map[string]string // "" means absent
		body             string            // a part of the XML
	}{
		{name: "same region", constraint: "eu-west-1", status: 200, body: "<p>page</p>"},
		{name: "same region, old name EU", constraint: "EU", status: 200, body: "<p>page</p>"},
		{name: "us-west-2", constraint: "us-west-2", status: 301, code: "PermanentRedirect",
			header: map[string]string{"X-Amz-Bucket-Region": "us-west-2", "Location": "", "Content-Type": "application/xml"},
			body:   "<Endpoint>site-bucket.s3.us-west-2.amazonaws.com</Endpoint><Bucket>site-bucket</Bucket>"},
		{name: "us-east-1", constraint: "", status: 301, code: "PermanentRedirect",
			header: map[string]string{"X-Amz-Bucket-Region": "us-east-1"},
			body:   "<Endpoint>s3.amazonaws.com</Endpoint><Bucket>site-bucket</Bucket>"},
		{name: "opt-in region", constraint: "af-south-1", status: 400, code: "IllegalLocationConstraintException",
			header: map[string]string{"X-Amz-Bucket-Region": ""},
			body:   "The af-south-1 location constraint is incompatible for the region specific endpoint this request was sent to."},
		{name: "other partition", constraint: "cn-north-1", status: 404, code: "NoSuchBucket", body: "<BucketName>site-bucket</BucketName>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := s3store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if err := st.CreateBucketIn("site-bucket", tt.constraint); err != nil {
				t.Fatal(err)
			}
			if _, err := st.PutObject("site-bucket", "s3/page.html", strings.NewReader("<p>page</p>"), s3store.PutInput{}); err != nil {
				t.Fatal(err)
			}
			api := &s3api.Server{Store: st}
			var asked atomic.Int64
			e := newEnv(t, func(p *Proxy) {
				p.S3Buckets = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked.Add(1); api.ServeHTTP(w, r) })
			})
			r := e.get(t, testDomain, "/s3/page.html")
			if r.status != tt.status || !strings.Contains(r.body, tt.body) {
				t.Fatalf("GET = %d %q, want %d with %q", r.status, r.body, tt.status, tt.body)
			}
			if tt.code != "" && !strings.Contains(r.body, "<Code>"+tt.code+"</Code>") {
				t.Errorf("GET body %q, want code %s", r.body, tt.code)
			}
			for h, want := range tt.header {
				if got := r.header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if h := e.do(t, http.MethodHead, testDomain, "/s3/other.html"); h.status != tt.status && tt.status != 200 || h.body != "" {
				t.Errorf("HEAD = %d %q, want %d and no body", h.status, h.body, tt.status)
			}
			// Cached: a 301 for the behaviour's DefaultTTL (10 s here), an
			// error for 10 s: the second GET does not reach S3.
			e.clock.Advance(5 * time.Second)
			before := asked.Load()
			if again := e.get(t, testDomain, "/s3/page.html"); again.status != tt.status || again.body != r.body {
				t.Errorf("second GET = %d %q, want the first answer", again.status, again.body)
			}
			if n := asked.Load() - before; n != 0 {
				t.Errorf("second GET asked S3 %d times, want 0 (cached)", n)
			}
		})
	}
}
