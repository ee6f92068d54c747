package edgecache

import (
	"strings"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
)

// TestS3BucketOrigin: an S3 origin whose bucket is in cfinv serve's own S3
// API is served from it with the object's stored headers; Cache-Control
// reaches the viewer unchanged and sets the TTL; a missing key is 403.
func TestS3BucketOrigin(t *testing.T) {
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket("site-bucket"); err != nil {
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
