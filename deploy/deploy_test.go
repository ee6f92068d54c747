package deploy_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
	"github.com/cfinv/cfinv/deploy"
)

// site is a test bucket behind a distribution of an in-process CloudFront.
type site struct {
	srv    *cfinvtest.Server
	s3     *s3.Client
	cf     *cfinv.Client
	dist   string
	bucket string
	s3cfg  aws.Config
	// endpoint is the S3 API's URL; edge says the distribution's edge
	// serves the bucket (cfinv's S3 only).
	endpoint string
	edge     bool
}

// backends are the S3 implementations the suite runs against.
var backends = []string{"cfinv", "moto"}

// newSite starts a CloudFront with a distribution in front of a new bucket
// of backend: cfinv's own S3 (whose bucket the edge serves) or moto's.
func newSite(t *testing.T, backend string) *site {
	t.Helper()
	srv := cfinvtest.NewServer(t, cfinvtest.WithMemoryStore(), cfinvtest.WithCompletionDelay(0))
	s := &site{srv: srv, bucket: "site", s3cfg: srv.S3Config(), endpoint: srv.S3URL, edge: true}
	if backend == "moto" {
		s.endpoint = motoURL(t)
		s.s3cfg = motoConfig(s.endpoint)
		s.bucket = fmt.Sprintf("site-%d", buckets.Add(1))
		s.edge = false
	}
	s.s3 = s.client(s.endpoint)
	if _, err := s.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		t.Fatal(err)
	}
	s.dist = srv.NewDistribution(t, s.bucket+".s3.amazonaws.com")
	s.cf = cfinv.New(srv.AWSConfig())
	return s
}

// buckets numbers the buckets made on the shared moto_server.
var buckets atomic.Int64

// forEachBackend runs test against each S3 implementation.
func forEachBackend(t *testing.T, test func(t *testing.T, s *site)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { test(t, newSite(t, b)) })
	}
}

// client is an S3 client for endpoint (the bucket's, or a proxy's).
func (s *site) client(endpoint string, opts ...func(*s3.Options)) *s3.Client {
	cfg := s.s3cfg.Copy()
	cfg.BaseEndpoint = aws.String(endpoint)
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, opts...)...)
}

// writeTree writes files (path → content) under dir, removing what is not
// listed.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *site) run(t *testing.T, c *s3.Client, o deploy.Options) (*deploy.Report, error) {
	t.Helper()
	o.Bucket = s.bucket
	if o.DistributionIDs == nil {
		o.DistributionIDs = []string{s.dist}
	}
	if c == nil {
		c = s.s3
	}
	return deploy.Run(t.Context(), c, s.cf, o)
}

func (s *site) mustRun(t *testing.T, o deploy.Options) *deploy.Report {
	t.Helper()
	rep, err := s.run(t, nil, o)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	return rep
}

// invalidations returns the paths of every invalidation of the
// distribution, oldest first.
func (s *site) invalidations(t *testing.T) [][]string {
	t.Helper()
	api := cloudfront.NewFromConfig(s.srv.AWSConfig())
	out, err := api.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: aws.String(s.dist)})
	if err != nil {
		t.Fatal(err)
	}
	var all [][]string
	for _, sum := range out.InvalidationList.Items {
		inv, err := api.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: aws.String(s.dist), Id: sum.Id})
		if err != nil {
			t.Fatal(err)
		}
		p := slices.Clone(inv.Invalidation.InvalidationBatch.Paths.Items)
		slices.Sort(p)
		all = append(all, p)
	}
	slices.Reverse(all)
	return all
}

func uploaded(rep *deploy.Report) map[string]deploy.Reason {
	m := map[string]deploy.Reason{}
	for _, u := range rep.Uploads {
		m[u.Key] = u.Reason
	}
	return m
}

func keys(t *testing.T, s *site) []string {
	t.Helper()
	out, err := s.s3.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var k []string
	for _, o := range out.Contents {
		k = append(k, aws.ToString(o.Key))
	}
	return k
}

var v1 = map[string]string{
	"index.html":      `<link href="/css/app.css"><script src="/js/app.js"></script>`,
	"blog/index.html": "<h1>blog</h1>",
	"css/app.css":     "body{}",
	"js/app.js":       "console.log(1)",
	"img/logo.png":    "\x89PNG...",
}

func with(base map[string]string, edits map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range edits {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// TestFirstDeployThenNoChange: the first deploy uploads every file and
// invalidates nothing (nothing was cached); a redeploy of a fresh copy of
// the same files (other mtimes) uploads nothing and invalidates nothing.
func TestFirstDeployThenNoChange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		rep := s.mustRun(t, deploy.Options{Dir: dir})
		want := map[string]deploy.Reason{}
		for k := range v1 {
			want[k] = deploy.ReasonNew
		}
		if diff := cmp.Diff(want, uploaded(rep)); diff != "" {
			t.Errorf("first deploy uploads (-want +got):\n%s", diff)
		}
		if got := s.invalidations(t); len(got) != 0 {
			t.Errorf("first deploy invalidated %v, want nothing", got)
		}
		writeTree(t, dir, v1) // a fresh checkout: same bytes, new mtimes
		rep = s.mustRun(t, deploy.Options{Dir: dir})
		if len(rep.Uploads) != 0 || rep.Unchanged != len(v1) {
			t.Errorf("redeploy uploaded %v (%d unchanged), want nothing (%d unchanged)", rep.Uploads, rep.Unchanged, len(v1))
		}
		if got := s.invalidations(t); len(got) != 0 {
			t.Errorf("redeploy invalidated %v, want nothing", got)
		}
		// The objects carry their type and deploy's metadata.
		out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("css/app.css")})
		if err != nil {
			t.Fatal(err)
		}
		if ct := aws.ToString(out.ContentType); !strings.HasPrefix(ct, "text/css") {
			t.Errorf("css/app.css Content-Type %q, want text/css", ct)
		}
		if out.Metadata[deploy.MetaSHA256] == "" || out.Metadata[deploy.MetaDeploy] != rep.DeployID {
			t.Errorf("css/app.css metadata %v, want %s and %s=%s", out.Metadata, deploy.MetaSHA256, deploy.MetaDeploy, rep.DeployID)
		}
	})
}

// TestChangedFileInvalidatesItsURLs: one changed asset and a changed page
// are uploaded, and exactly their URLs are invalidated, in one
// invalidation; a new file is uploaded and not invalidated.
func TestChangedFileInvalidatesItsURLs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		writeTree(t, dir, with(v1, map[string]string{"css/app.css": "body{color:red}", "blog/index.html": "<h1>blog 2</h1>", "blog/new.html": "new"}))
		rep := s.mustRun(t, deploy.Options{Dir: dir})
		want := map[string]deploy.Reason{"css/app.css": deploy.ReasonChanged, "blog/index.html": deploy.ReasonChanged, "blog/new.html": deploy.ReasonNew}
		if diff := cmp.Diff(want, uploaded(rep)); diff != "" {
			t.Errorf("uploads (-want +got):\n%s", diff)
		}
		// /blog* covers /blog, /blog/ and /blog/index.html, and the new
		// page's URLs (harmless): no unchanged URL, one path for three.
		wantInv := [][]string{{"/blog*", "/css/app.css"}}
		if diff := cmp.Diff(wantInv, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}
		// The edge serves the new bytes.
		if !s.edge {
			return
		}
		r, err := s.srv.EdgeGet(t.Context(), s.dist, "/css/app.css")
		if err != nil || r.Body != "body{color:red}" {
			t.Errorf("edge /css/app.css = %v %v, want the new bytes", r, err)
		}
	})
}

// TestHeaderChangeUploadsAgain: the same bytes under other headers are
// uploaded again (reason headers) and invalidated.
func TestHeaderChangeUploadsAgain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		cfg := &deploy.Config{Routes: []deploy.Route{{Match: "css/*", Headers: map[string]string{"Cache-Control": "max-age=60"}}}}
		rep := s.mustRun(t, deploy.Options{Dir: dir, Config: cfg})
		if diff := cmp.Diff(map[string]deploy.Reason{"css/app.css": deploy.ReasonHeaders}, uploaded(rep)); diff != "" {
			t.Errorf("uploads (-want +got):\n%s", diff)
		}
		out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("css/app.css")})
		if err != nil || aws.ToString(out.CacheControl) != "max-age=60" {
			t.Errorf("css/app.css Cache-Control %v (%v), want max-age=60", out, err)
		}
		if diff := cmp.Diff([][]string{{"/css/app.css"}}, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}
	})
}

// TestDelete: --delete removes what left the directory after the
// invalidation, which covers it; over MaxDelete the step is refused whole
// while the uploads and the invalidation still happen.
func TestDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		writeTree(t, dir, with(v1, map[string]string{"js/app.js": "", "img/logo.png": "", "css/app.css": "b{}"}))

		rep, err := s.run(t, nil, deploy.Options{Dir: dir, Delete: true, MaxDelete: 1})
		var dle *deploy.DeleteLimitError
		if !errors.Is(err, deploy.ErrTooManyDeletions) || !errors.As(err, &dle) || dle.Deletions != 2 {
			t.Fatalf("deploy with 2 deletions, MaxDelete 1: %v, want ErrTooManyDeletions for 2", err)
		}
		if diff := cmp.Diff([]string{"img/logo.png", "js/app.js"}, rep.Refused); diff != "" {
			t.Errorf("refused (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"blog/index.html", "css/app.css", "img/logo.png", "index.html", "js/app.js"}, keys(t, s)); diff != "" {
			t.Errorf("bucket after a refused deletion (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([][]string{{"/css/app.css"}}, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}

		rep = s.mustRun(t, deploy.Options{Dir: dir, Delete: true})
		if diff := cmp.Diff([]string{"img/logo.png", "js/app.js"}, rep.Deleted); diff != "" {
			t.Errorf("deleted (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"blog/index.html", "css/app.css", "index.html"}, keys(t, s)); diff != "" {
			t.Errorf("bucket (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([][]string{{"/css/app.css"}, {"/img/logo.png", "/js/app.js"}}, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}
	})
}

// proxy is a reverse proxy in front of the S3 API whose hook sees each
// request before it is forwarded, and may fail it with 500.
func proxy(t *testing.T, target string, hook func(r *http.Request) (fail bool), after func(r *http.Request)) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = pr.In.Host // signed
	}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hook != nil && hook(r) {
			http.Error(w, `<Error><Code>InternalError</Code><Message>injected</Message></Error>`, http.StatusInternalServerError)
			return
		}
		rp.ServeHTTP(w, r)
		if after != nil {
			after(r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestResumeAfterFailedUpload: an upload that fails stops the deploy
// before any entry object; a re-run from a fresh runner (no local state)
// finishes it with one invalidation that covers what the first run
// already uploaded.
func TestResumeAfterFailedUpload(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		writeTree(t, dir, with(v1, map[string]string{"css/app.css": "b{}", "js/app.js": "console.log(2)", "index.html": "v2"}))

		failing := s.client(proxy(t, s.endpoint, func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/js/app.js")
		}, nil))
		// One upload at a time: css/app.css (walked first) is stored
		// before js/app.js fails, rather than cancelled with it.
		_, err := s.run(t, failing, deploy.Options{Dir: dir, Concurrency: 1})
		var ue *deploy.UploadError
		if !errors.Is(err, deploy.ErrUpload) || !errors.As(err, &ue) || ue.Key != "js/app.js" {
			t.Fatalf("deploy with js/app.js failing: %v, want an UploadError for js/app.js", err)
		}
		if r, err := s.srv.EdgeGet(t.Context(), s.dist, "/index.html"); s.edge && (err != nil || r.Body != v1["index.html"]) {
			t.Fatalf("after the failed deploy the edge serves %v %v, want the old index.html", r, err)
		}
		if got := s.invalidations(t); len(got) != 0 {
			t.Fatalf("the failed deploy invalidated %v", got)
		}

		rep := s.mustRun(t, deploy.Options{Dir: dir})
		if diff := cmp.Diff(map[string]deploy.Reason{"js/app.js": deploy.ReasonChanged, "index.html": deploy.ReasonChanged}, uploaded(rep)); diff != "" {
			t.Errorf("re-run uploads (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"css/app.css"}, rep.Resumed); diff != "" {
			t.Errorf("re-run resumed (-want +got):\n%s", diff)
		}
		want := [][]string{{"/", "/css/app.css", "/index.html", "/js/app.js"}}
		if diff := cmp.Diff(want, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}
		// Running it once more buys nothing.
		rep = s.mustRun(t, deploy.Options{Dir: dir})
		if len(rep.Uploads) != 0 || len(s.invalidations(t)) != 1 {
			t.Errorf("third run uploaded %v and left %d invalidations, want none and 1", rep.Uploads, len(s.invalidations(t)))
		}
	})
}

// TestOrder: no entry object (HTML) is written before every asset is
// stored, and new assets are stored before changed ones.
func TestOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		files := with(v1, map[string]string{"index.html": "v2", "blog/index.html": "v2", "css/app.css": "v2", "js/app.js": "v2"})
		for i := range 20 {
			files["assets/"+strings.Repeat("x", i+1)+".js"] = "new asset"
		}
		writeTree(t, dir, files)
		var (
			mu        sync.Mutex
			started   []string
			stored    = map[string]bool{}
			violation []string
		)
		isHTML := func(p string) bool { return strings.HasSuffix(p, ".html") }
		c := s.client(proxy(t, s.endpoint, func(r *http.Request) bool {
			// A copy (the clean marker's) is no upload.
			if r.Method != http.MethodPut || r.Header.Get("X-Amz-Copy-Source") != "" {
				return false
			}
			mu.Lock()
			defer mu.Unlock()
			key := strings.TrimPrefix(r.URL.Path, "/"+s.bucket+"/")
			started = append(started, key)
			for k := range files {
				switch {
				case isHTML(key) && !isHTML(k) && !stored[k] && k != "img/logo.png":
					violation = append(violation, key+" before "+k)
				case !isHTML(key) && strings.HasPrefix(k, "assets/") && !strings.HasPrefix(key, "assets/") && !stored[k]:
					violation = append(violation, key+" (changed) before "+k+" (new)")
				}
			}
			return false
		}, func(r *http.Request) {
			if r.Method == http.MethodPut {
				mu.Lock()
				stored[strings.TrimPrefix(r.URL.Path, "/"+s.bucket+"/")] = true
				mu.Unlock()
			}
		}))
		if _, err := s.run(t, c, deploy.Options{Dir: dir, Concurrency: 4}); err != nil {
			t.Fatal(err)
		}
		if len(started) != 24 {
			t.Errorf("%d PUTs, want 24: %v", len(started), started)
		}
		if len(violation) > 0 {
			t.Errorf("order violated: %v", violation)
		}
	})
}

// TestDryRunWritesNothing: a dry run reports the uploads, the
// invalidation and the deletions and makes no write call.
func TestDryRunWritesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		writeTree(t, dir, with(v1, map[string]string{"css/app.css": "v2", "js/app.js": ""}))
		var mu sync.Mutex
		var methods []string
		c := s.client(proxy(t, s.endpoint, func(r *http.Request) bool {
			mu.Lock()
			defer mu.Unlock()
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				methods = append(methods, r.Method+" "+r.URL.Path)
			}
			return false
		}, nil))
		rep, err := s.run(t, c, deploy.Options{Dir: dir, DryRun: true, Delete: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(methods) != 0 {
			t.Errorf("dry run wrote: %v", methods)
		}
		if diff := cmp.Diff(map[string]deploy.Reason{"css/app.css": deploy.ReasonChanged}, uploaded(rep)); diff != "" {
			t.Errorf("uploads (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"js/app.js"}, rep.Deleted); diff != "" {
			t.Errorf("deleted (-want +got):\n%s", diff)
		}
		if len(rep.Invalidations) != 1 || !slices.Equal(rep.Invalidations[0].Paths, []string{"/css/app.css", "/js/app.js"}) {
			t.Errorf("invalidations %+v, want one of /css/app.css and /js/app.js", rep.Invalidations)
		}
		if got := s.invalidations(t); len(got) != 0 {
			t.Errorf("dry run invalidated %v", got)
		}
	})
}

// TestMultipart: a file over the threshold goes up in parts (an ETag with
// "-N"); a redeploy compares it by its metadata and uploads nothing; a
// multipart upload a killed run left behind is aborted.
func TestMultipart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		big := strings.Repeat("0123456789abcdef", 11<<16) // 11 MiB
		writeTree(t, dir, map[string]string{"video.bin": big, "index.html": "hi"})
		left, err := s.s3.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: aws.String(s.bucket), Key: aws.String("video.bin")})
		if err != nil {
			t.Fatal(err)
		}
		o := deploy.Options{Dir: dir, MultipartThreshold: 6 << 20, PartSize: 5 << 20}
		rep := s.mustRun(t, o)
		if rep.AbortedUploads != 1 {
			t.Errorf("aborted %d multipart uploads, want 1 (%s)", rep.AbortedUploads, aws.ToString(left.UploadId))
		}
		ups, err := s.s3.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(s.bucket)})
		if err != nil || len(ups.Uploads) != 0 {
			t.Errorf("multipart uploads left: %v (%v)", ups, err)
		}
		out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("video.bin")})
		if err != nil {
			t.Fatal(err)
		}
		if etag := aws.ToString(out.ETag); !strings.Contains(etag, "-") || aws.ToInt64(out.ContentLength) != int64(len(big)) {
			t.Errorf("video.bin ETag %s, %d bytes: want a multipart ETag and %d bytes", etag, aws.ToInt64(out.ContentLength), len(big))
		}
		rep = s.mustRun(t, o)
		if len(rep.Uploads) != 0 {
			t.Errorf("redeploy uploaded %v, want nothing", rep.Uploads)
		}
		writeTree(t, dir, map[string]string{"video.bin": big + "!", "index.html": "hi"})
		rep = s.mustRun(t, o)
		if diff := cmp.Diff(map[string]deploy.Reason{"video.bin": deploy.ReasonChanged}, uploaded(rep)); diff != "" {
			t.Errorf("uploads after a change (-want +got):\n%s", diff)
		}
	})
}

// TestFileChangedDuringUpload: a file that changes after the scan (to
// other bytes of the same size, or another size) is refused before it is
// stored, hashed again and uploaded once more, so the object's bytes and
// recorded hash agree; moto_server does not check the SHA-256 sent.
func TestFileChangedDuringUpload(t *testing.T) {
	for _, now := range []string{"v2", "v2, longer"} {
		t.Run(fmt.Sprint(len(now)), func(t *testing.T) { testFileChangedDuringUpload(t, now) })
	}
}

func testFileChangedDuringUpload(t *testing.T, now string) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, map[string]string{"app.js": "v1", "index.html": "hi"})
		var once sync.Once
		rep := s.mustRun(t, deploy.Options{Dir: dir, Progress: func(e deploy.Event) {
			if e.Step == deploy.StepAssets && e.Key == "" {
				once.Do(func() {
					if err := os.WriteFile(filepath.Join(dir, "app.js"), []byte(now), 0o644); err != nil {
						t.Error(err)
					}
				})
			}
		}})
		if len(rep.Uploads) != 2 {
			t.Fatalf("uploads %v, want 2", rep.Uploads)
		}
		out, err := s.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("app.js")})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(body) != now {
			t.Errorf("app.js holds %q, want the file as it is now", body)
		}
		if rep := s.mustRun(t, deploy.Options{Dir: dir}); len(rep.Uploads) != 0 {
			t.Errorf("redeploy uploaded %v, want nothing: the recorded hash must be the new bytes'", rep.Uploads)
		}
	})
}

// TestKeepDeleted: an object that left the directory is kept, marked with
// the time it left, and deleted (and invalidated) by the first deploy
// after KeepDeleted.
func TestKeepDeleted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		writeTree(t, dir, with(v1, map[string]string{"js/app.js": ""}))
		t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		o := deploy.Options{Dir: dir, Delete: true, KeepDeleted: time.Hour, Now: func() time.Time { return t0 }}
		rep := s.mustRun(t, o)
		if len(rep.Deleted) != 0 || !slices.Equal(rep.Kept, []string{"js/app.js"}) {
			t.Fatalf("deleted %v, kept %v: want js/app.js kept", rep.Deleted, rep.Kept)
		}
		head, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("js/app.js")})
		if err != nil || head.Metadata[deploy.MetaRemoved] != "2026-05-01T12:00:00Z" || !strings.HasPrefix(aws.ToString(head.ContentType), "text/javascript") {
			t.Fatalf("kept js/app.js: %v %v, want marked removed at t0 with its Content-Type", head, err)
		}
		o.Now = func() time.Time { return t0.Add(30 * time.Minute) }
		if rep := s.mustRun(t, o); len(rep.Deleted) != 0 {
			t.Fatalf("after 30m deleted %v, want nothing", rep.Deleted)
		}
		o.Now = func() time.Time { return t0.Add(time.Hour) }
		rep = s.mustRun(t, o)
		if !slices.Equal(rep.Deleted, []string{"js/app.js"}) {
			t.Fatalf("after 1h deleted %v, want js/app.js", rep.Deleted)
		}
		if diff := cmp.Diff([][]string{{"/js/app.js"}}, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}
	})
}

// TestFirstDeployOverSync: objects another tool uploaded with the same
// bytes and headers are left alone (not uploaded, not invalidated); one
// with another Content-Type is uploaded again for its headers.
func TestFirstDeployOverSync(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, map[string]string{"app.css": "a{}", "app.js": "x()"})
		for _, o := range []struct{ key, body, ct string }{{"app.css", "a{}", "text/css; charset=utf-8"}, {"app.js", "x()", "application/octet-stream"}} {
			if _, err := s.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(o.key), Body: strings.NewReader(o.body), ContentType: aws.String(o.ct)}); err != nil {
				t.Fatal(err)
			}
		}
		rep := s.mustRun(t, deploy.Options{Dir: dir})
		if diff := cmp.Diff(map[string]deploy.Reason{"app.js": deploy.ReasonHeaders}, uploaded(rep)); diff != "" {
			t.Errorf("uploads (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([][]string{{"/app.js"}}, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}
	})
}

// TestMultipartBounded: however many large files a site has, the parts
// in flight, each buffered by the transfer manager, stay within the
// uploads' memory budget: with 5 MiB parts, 1 object at a time (15 MiB of
// buffers in 24 MiB) with 1 part in flight (before, every upload
// slot could hold a large object: 6 files of 11 MiB had up to 18 parts of
// 5 MiB in flight, and a site with many large files peaked at 172-259 MiB
// in bench/deploy; then 2 objects × 4 parts).
func TestMultipartBounded(t *testing.T) {
	s := newSite(t, "cfinv")
	dir := filepath.Join(t.TempDir(), "public")
	files := map[string]string{}
	for i := range 6 {
		files[fmt.Sprintf("v%d.bin", i)] = strings.Repeat(string(rune('a'+i)), 11<<20)
	}
	writeTree(t, dir, files)
	var inFlight, most atomic.Int64
	isPart := func(r *http.Request) bool { return r.Method == http.MethodPut && r.URL.Query().Has("partNumber") }
	c := s.client(proxy(t, s.endpoint, func(r *http.Request) bool {
		if isPart(r) {
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
		}
		return false
	}, func(r *http.Request) {
		if isPart(r) {
			inFlight.Add(-1)
		}
	}))
	if _, err := s.run(t, c, deploy.Options{Dir: dir, MultipartThreshold: 6 << 20, PartSize: 5 << 20}); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	if got := most.Load(); got > 1 {
		t.Errorf("%d parts in flight at once, want 1 (1 object × 1 part)", got)
	}
}

// TestHashCacheRedeploy (issue 31): with a hash cache a redeploy reads
// only the files whose stat changed, and a file rewritten with the same
// size and mtime is still uploaded; a fresh runner without the cache reads
// every file and finds the same change.
func TestHashCacheRedeploy(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no inode and ctime here: the cache is not used")
	}
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		cache := t.TempDir()
		// An hour ahead: every file is older than the racily clean window.
		later := func() time.Time { return time.Now().Add(time.Hour) }
		for i, step := range []struct {
			name     string
			change   string // new bytes of css/app.css (6 bytes, as before), mtime kept
			cacheDir string
			wantRead int
			want     map[string]deploy.Reason
		}{
			{"first deploy", "", cache, len(v1), map[string]deploy.Reason{"index.html": deploy.ReasonNew, "blog/index.html": deploy.ReasonNew, "css/app.css": deploy.ReasonNew, "js/app.js": deploy.ReasonNew, "img/logo.png": deploy.ReasonNew}},
			{"nothing changed", "", cache, 0, map[string]deploy.Reason{}},
			{"same size and mtime, other bytes", "p{x:1}", cache, 1, map[string]deploy.Reason{"css/app.css": deploy.ReasonChanged}},
			{"fresh runner, no cache", "p{x:2}", t.TempDir(), len(v1), map[string]deploy.Reason{"css/app.css": deploy.ReasonChanged}},
			{"back to the first cache", "", cache, 1, map[string]deploy.Reason{}},
		} {
			if step.change != "" {
				deploy.RewriteKeepingStat(t, filepath.Join(dir, "css", "app.css"), step.change)
			}
			rep := s.mustRun(t, deploy.Options{Dir: dir, HashCacheDir: step.cacheDir, Now: later})
			if rep.FilesRead != step.wantRead {
				t.Errorf("deploy %d (%s): read %d files, want %d", i+1, step.name, rep.FilesRead, step.wantRead)
			}
			if diff := cmp.Diff(step.want, uploaded(rep)); diff != "" {
				t.Errorf("deploy %d (%s): uploads (-want +got):\n%s", i+1, step.name, diff)
			}
		}
	})
}

// TestKeepDeletedKeepsStorage: marking a kept object removed copies it onto
// itself, which in S3 resets what a copy is not told: the storage class
// (to STANDARD), the server-side encryption (to the bucket's default) and
// the ACL (to private). The mark keeps the first two as the object had
// them, and gives it the ACL of its route. On moto: cfinv serve's S3 keeps
// no storage class, encryption or ACL.
func TestKeepDeletedKeepsStorage(t *testing.T) {
	s := newSite(t, "moto")
	dir := filepath.Join(t.TempDir(), "public")
	writeTree(t, dir, v1)
	cfg, err := deploy.ParseConfig([]byte("routes:\n  - match: \"js/**\"\n    storage_class: STANDARD_IA\n    acl: public-read\n"), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	s.mustRun(t, deploy.Options{Dir: dir, Config: cfg})
	// css/app.css gets SSE-S3 by another tool, metadata and all kept.
	ctx := t.Context()
	if _, err := s.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("css/app.css"),
		CopySource: aws.String(s.bucket + "/css/app.css"), MetadataDirective: types.MetadataDirectiveCopy,
		ServerSideEncryption: types.ServerSideEncryptionAes256}); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, with(v1, map[string]string{"js/app.js": "", "css/app.css": ""}))
	rep := s.mustRun(t, deploy.Options{Dir: dir, Config: cfg, Delete: true, KeepDeleted: time.Hour})
	if !slices.Equal(rep.Kept, []string{"css/app.css", "js/app.js"}) {
		t.Fatalf("kept %v, want css/app.css and js/app.js", rep.Kept)
	}
	js, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("js/app.js")})
	if err != nil {
		t.Fatal(err)
	}
	if js.Metadata[deploy.MetaRemoved] == "" || js.StorageClass != types.StorageClassStandardIa {
		t.Errorf("kept js/app.js: removed mark %q, storage class %q; want marked and STANDARD_IA", js.Metadata[deploy.MetaRemoved], js.StorageClass)
	}
	acl, err := s.s3.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String(s.bucket), Key: aws.String("js/app.js")})
	if err != nil {
		t.Fatal(err)
	}
	public := slices.ContainsFunc(acl.Grants, func(g types.Grant) bool {
		return g.Permission == types.PermissionRead && g.Grantee != nil && strings.HasSuffix(aws.ToString(g.Grantee.URI), "/global/AllUsers")
	})
	if !public {
		t.Errorf("kept js/app.js lost its route's public-read ACL: grants %+v", acl.Grants)
	}
	css, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("css/app.css")})
	if err != nil {
		t.Fatal(err)
	}
	if css.Metadata[deploy.MetaRemoved] == "" || css.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Errorf("kept css/app.css: removed mark %q, encryption %q; want marked and AES256", css.Metadata[deploy.MetaRemoved], css.ServerSideEncryption)
	}
}

// TestKeepDeletedRestored: an object kept by KeepDeleted that comes back
// into the directory with the same bytes loses its removal mark (one
// upload, reason restored, no invalidation), so when it leaves again it is
// kept KeepDeleted from then, not from the first time it left.
func TestKeepDeletedRestored(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		at := func(d time.Duration) deploy.Options {
			return deploy.Options{Dir: dir, Delete: true, KeepDeleted: time.Hour, Now: func() time.Time { return t0.Add(d) }}
		}
		writeTree(t, dir, with(v1, map[string]string{"js/app.js": ""}))
		if rep := s.mustRun(t, at(0)); !slices.Equal(rep.Kept, []string{"js/app.js"}) {
			t.Fatalf("kept %v, want js/app.js", rep.Kept)
		}
		writeTree(t, dir, v1)
		rep := s.mustRun(t, at(10*time.Minute))
		want := []deploy.Upload{{Key: "js/app.js", Size: int64(len(v1["js/app.js"])), Reason: deploy.ReasonRestored}}
		if diff := cmp.Diff(want, rep.Uploads, cmpopts.IgnoreFields(deploy.Upload{}, "Headers")); diff != "" {
			t.Errorf("restored deploy's uploads (-want +got):\n%s", diff)
		}
		head, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("js/app.js")})
		if err != nil || head.Metadata[deploy.MetaRemoved] != "" {
			t.Fatalf("restored js/app.js: %v %v, want no removal mark", head.Metadata, err)
		}
		writeTree(t, dir, with(v1, map[string]string{"js/app.js": ""}))
		if rep := s.mustRun(t, at(50*time.Minute)); !slices.Equal(rep.Kept, []string{"js/app.js"}) {
			t.Fatalf("left again: kept %v, want js/app.js", rep.Kept)
		}
		// An hour after it first left, 10 minutes after it left again.
		if rep := s.mustRun(t, at(time.Hour)); len(rep.Deleted) != 0 {
			t.Errorf("deleted %v 10 minutes after js/app.js left again, want nothing until %v", rep.Deleted, t0.Add(110*time.Minute))
		}
		if rep := s.mustRun(t, at(110*time.Minute)); !slices.Equal(rep.Deleted, []string{"js/app.js"}) {
			t.Errorf("deleted %v an hour after js/app.js left again, want it", rep.Deleted)
		}
		// Nothing was invalidated but the deletion.
		if diff := cmp.Diff([][]string{{"/js/app.js"}}, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}
	})
}
