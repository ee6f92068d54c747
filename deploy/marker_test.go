package deploy_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/deploy"
)

// requests counts the S3 operations a client calls (retries aside).
type requests struct {
	mu sync.Mutex
	n  map[string]int
}

// counted returns a client of endpoint that counts its operations in r.
func (s *site) counted(endpoint string, r *requests) *s3.Client {
	return s.client(endpoint, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				r.mu.Lock()
				if r.n == nil {
					r.n = map[string]int{}
				}
				r.n[awsmiddleware.GetOperationName(ctx)]++
				r.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
		})
	})
}

func (r *requests) get(op string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[op]
}

// flatTimes is a proxy in front of the S3 API that shows every object of a
// listing with the same LastModified, as if all were written in one
// second: the case where only HeadObject can tell objects apart.
func flatTimes(t *testing.T, target string) string {
	lm := regexp.MustCompile(`<LastModified>[^<]*</LastModified>`)
	return rewriteListings(t, target, func(body []byte) []byte {
		return lm.ReplaceAll(body, []byte("<LastModified>2026-01-01T00:00:00.000Z</LastModified>"))
	})
}

// rewriteListings is a proxy to the S3 API at target that passes each
// ListObjectsV2 page's body through rewrite.
func rewriteListings(t *testing.T, target string, rewrite func([]byte) []byte) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host // signed
		},
		ModifyResponse: func(r *http.Response) error {
			if r.Request.Method != http.MethodGet || r.Request.URL.Query().Get("list-type") != "2" {
				return nil
			}
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				return err
			}
			body = rewrite(body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
	ts := httptest.NewServer(rp)
	t.Cleanup(ts.Close)
	return ts.URL
}

var pngCache = &deploy.Config{Routes: []deploy.Route{{Match: "**/*.png", Headers: map[string]string{"Cache-Control": "max-age=60"}}}}

// TestCleanMarker: after a deploy has made all its writes, it marks the
// prefix clean (x-amz-meta-cfinv-clean on one object), and the next
// deploy trusts the listing for every object the marker vouches for: a
// redeploy with nothing changed reads the metadata of the objects of the
// marker's second (the marker's own, and those written in the same
// second) instead of every object's (issue 31's benchmark: 5,000 HeadObject before). Every
// case where the listing cannot tell still reads and fixes the object.
func TestCleanMarker(t *testing.T) {
	type deployment struct {
		files map[string]string
		opts  deploy.Options
	}
	noLogo := with(v1, map[string]string{"img/logo.png": ""})
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		// before are deployed first, in order; then touch changes the
		// bucket as another tool would (nil: nothing); then last.
		before []deployment
		touch  func(t *testing.T, s *site)
		last   deployment
		// flat shows every object of a listing in one second.
		flat        bool
		wantUploads map[string]deploy.Reason
		wantResumed []string
		// wantRead are the objects the last deploy reads with
		// HeadObject besides those of the newest second of the listing
		// (the marker's, read to find it), each once; any: any number.
		wantRead []string
		any      bool
		// resized are the files of last whose size differs from their
		// object's: the listing tells they changed.
		resized []string
	}{{
		name:        "no change reads only the marker's second",
		before:      []deployment{{files: v1}},
		last:        deployment{files: v1},
		wantUploads: map[string]deploy.Reason{},
	}, {
		name:        "1 changed file reads only the marker's second",
		before:      []deployment{{files: v1}},
		last:        deployment{files: with(v1, map[string]string{"css/app.css": "b{}"})},
		wantUploads: map[string]deploy.Reason{"css/app.css": deploy.ReasonChanged},
		resized:     []string{"css/app.css"},
	}, {
		name:        "a file leaving the directory with KeepDeleted is read once, to mark it",
		before:      []deployment{{files: v1}},
		last:        deployment{files: noLogo, opts: deploy.Options{Delete: true, KeepDeleted: time.Hour, Now: func() time.Time { return t0 }}},
		wantUploads: map[string]deploy.Reason{},
		wantRead:    []string{"img/logo.png"},
	}, {
		name:        "a header change in the config uploads again",
		before:      []deployment{{files: v1}},
		last:        deployment{files: v1, opts: deploy.Options{Config: pngCache}},
		wantUploads: map[string]deploy.Reason{"img/logo.png": deploy.ReasonHeaders},
		any:         true,
	}, {
		name:   "an object rewritten by another tool after the marker is read and fixed",
		before: []deployment{{files: v1}},
		touch: func(t *testing.T, s *site) {
			put(t, s, "js/app.js", v1["js/app.js"], "text/plain")
		},
		last:        deployment{files: v1},
		wantUploads: map[string]deploy.Reason{"js/app.js": deploy.ReasonHeaders},
		any:         true,
	}, {
		name:   "a marker copied forward by another tool does not vouch for what changed before",
		before: []deployment{{files: v1}},
		touch: func(t *testing.T, s *site) {
			put(t, s, "js/app.js", v1["js/app.js"], "text/plain")
			nextSecond(t, s, "js/app.js")
			// The marker's object copied onto itself with all its
			// metadata (a storage class change, a restored version):
			// it is the newest again, with a valid-looking marker.
			key := markerKey(t, s)
			out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.s3.CopyObject(t.Context(), &s3.CopyObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key), CopySource: aws.String(s.bucket + "/" + key),
				MetadataDirective: "REPLACE", Metadata: out.Metadata, ContentType: out.ContentType}); err != nil {
				t.Fatal(err)
			}
		},
		last:        deployment{files: v1},
		wantUploads: map[string]deploy.Reason{"js/app.js": deploy.ReasonHeaders},
		any:         true,
	}, {
		name:   "an object rewritten in the marker's second is read and fixed",
		before: []deployment{{files: v1}},
		touch: func(t *testing.T, s *site) {
			put(t, s, "js/app.js", v1["js/app.js"], "text/plain")
		},
		last:        deployment{files: v1},
		flat:        true,
		wantUploads: map[string]deploy.Reason{"js/app.js": deploy.ReasonHeaders},
	}, {
		name: "a kept object back in the directory after a config change gets the new headers",
		before: []deployment{
			{files: v1},
			{files: noLogo, opts: deploy.Options{Config: pngCache, Delete: true, KeepDeleted: time.Hour, Now: func() time.Time { return t0 }}},
		},
		last:        deployment{files: v1, opts: deploy.Options{Config: pngCache}},
		wantUploads: map[string]deploy.Reason{"img/logo.png": deploy.ReasonHeaders},
		any:         true,
	}, {
		name:        "an object not deleted back in the directory after a config change gets the new headers",
		before:      []deployment{{files: v1}, {files: noLogo, opts: deploy.Options{Config: pngCache}}},
		last:        deployment{files: v1, opts: deploy.Options{Config: pngCache}},
		wantUploads: map[string]deploy.Reason{"img/logo.png": deploy.ReasonHeaders},
		any:         true,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *site) {
				dir := filepath.Join(t.TempDir(), "public")
				endpoint := s.endpoint
				if tc.flat {
					endpoint = flatTimes(t, endpoint)
				}
				for _, d := range tc.before {
					writeTree(t, dir, d.files)
					d.opts.Dir = dir
					if _, err := s.run(t, s.client(endpoint), d.opts); err != nil {
						t.Fatalf("deploy: %v", err)
					}
				}
				if tc.touch != nil {
					tc.touch(t, s)
				}
				writeTree(t, dir, tc.last.files)
				var newest []string
				if !tc.any {
					newest = markerReads(t, s, s.client(endpoint), tc.resized...)
				}
				var r requests
				o := tc.last.opts
				o.Dir = dir
				rep, err := s.run(t, s.counted(endpoint, &r), o)
				if err != nil {
					t.Fatalf("deploy: %v", err)
				}
				if diff := cmp.Diff(tc.wantUploads, uploaded(rep)); diff != "" {
					t.Errorf("uploads (-want +got):\n%s", diff)
				}
				read := map[string]bool{}
				for _, k := range slices.Concat(newest, tc.wantRead) {
					read[k] = true
				}
				if got := r.get("HeadObject"); !tc.any && got != len(read) {
					t.Errorf("HeadObject requests: %d, want %d (%v)", got, len(read), slices.Sorted(maps.Keys(read)))
				}
				if rep.Marker == "" {
					t.Errorf("no clean marker after the deploy")
				} else if n := metadataBytes(t, s, rep.Marker); n > 2048 {
					t.Errorf("the marker's object has %d bytes of user metadata, more than S3's 2 KiB", n)
				}
				// Whatever the path, the bucket ends as the config
				// says.
				for k := range tc.last.files {
					checkStored(t, s, k, o.Config)
				}
			})
		})
	}
}

// markerKey returns the key of the object carrying the clean marker.
func markerKey(t *testing.T, s *site) string {
	t.Helper()
	for _, k := range keys(t, s) {
		out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := out.Metadata[deploy.MetaClean]; ok {
			return k
		}
	}
	t.Fatal("no object carries the clean marker")
	return ""
}

// nextSecond returns once the S3 server's clock (its Date header) is past
// the second key was last modified in, so that a write that follows is in
// a later second.
func nextSecond(t *testing.T, s *site, key string) {
	t.Helper()
	out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	for {
		r, err := http.Get(s.endpoint + "/")
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		date, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			t.Fatalf("S3 response Date %q: %v", r.Header.Get("Date"), err)
		}
		if date.After(aws.ToTime(out.LastModified)) {
			return
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(20 * time.Millisecond): // poll interval, not a deadline
		}
	}
}

// metadataBytes is the size of key's user metadata as S3 counts it.
func metadataBytes(t *testing.T, s *site, key string) int {
	t.Helper()
	out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, v := range out.Metadata {
		n += len(k) + len(v)
	}
	return n
}

// put writes key as another tool would: the bytes body, Content-Type ct,
// no cfinv metadata.
func put(t *testing.T, s *site, key, body, ct string) {
	t.Helper()
	if _, err := s.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key), Body: strings.NewReader(body), ContentType: aws.String(ct)}); err != nil {
		t.Fatal(err)
	}
}

// checkStored fails unless key is stored with the Content-Type and
// Cache-Control cfg gives it.
func checkStored(t *testing.T, s *site, key string, cfg *deploy.Config) {
	t.Helper()
	out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	want := cfg.Settings(key).Headers
	got := map[string]string{"Content-Type": aws.ToString(out.ContentType)}
	if out.CacheControl != nil {
		got["Cache-Control"] = aws.ToString(out.CacheControl)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s stored with (-want +got):\n%s", key, diff)
	}
}

// TestCleanMarkerKilledDeploy: a deploy killed after some uploads wrote no
// marker, and its uploads are the newest objects: a fresh run compares
// every object, finds what the killed run uploaded over older objects and
// invalidates it.
func TestCleanMarkerKilledDeploy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		writeTree(t, dir, with(v1, map[string]string{"css/app.css": "b{}", "js/app.js": "console.log(2)", "index.html": "v2"}))
		ctx, kill := context.WithCancel(t.Context())
		defer kill()
		o := deploy.Options{Dir: dir, Bucket: s.bucket, DistributionIDs: []string{s.dist}, Concurrency: 1, Progress: func(e deploy.Event) {
			if e.Step == deploy.StepAssets && e.Key != "" {
				kill() // after the first object stored
			}
		}}
		if _, err := deploy.Run(ctx, s.s3, s.cf, o); err == nil {
			t.Fatal("killed deploy: no error")
		}
		rep := s.mustRun(t, deploy.Options{Dir: dir})
		if diff := cmp.Diff(map[string]deploy.Reason{"js/app.js": deploy.ReasonChanged, "index.html": deploy.ReasonChanged}, uploaded(rep)); diff != "" {
			t.Errorf("re-run uploads (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"css/app.css"}, rep.Resumed); diff != "" {
			t.Errorf("re-run resumed (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([][]string{{"/", "/css/app.css", "/index.html", "/js/app.js"}}, s.invalidations(t)); diff != "" {
			t.Errorf("invalidations (-want +got):\n%s", diff)
		}
	})
}

// TestCleanMarkerAlreadyComplete: the clean marker names the deploy that
// wrote it, so a re-run of a first deploy (every object new: nothing
// invalidated, so no invalidation to find) reports it already complete,
// and a run under another deploy ID with nothing to do does not.
func TestCleanMarkerAlreadyComplete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		if rep := s.mustRun(t, deploy.Options{Dir: dir, DeployID: "first"}); rep.AlreadyComplete || rep.Marker == "" {
			t.Fatalf("first run: already complete %v, marker %q; want false and a marker", rep.AlreadyComplete, rep.Marker)
		}
		if rep := s.mustRun(t, deploy.Options{Dir: dir, DeployID: "first"}); !rep.AlreadyComplete || len(rep.Uploads) > 0 {
			t.Errorf("re-run of deploy first: already complete %v, %d uploads; want true and none", rep.AlreadyComplete, len(rep.Uploads))
		}
		if rep := s.mustRun(t, deploy.Options{Dir: dir, DeployID: "second"}); rep.AlreadyComplete {
			t.Errorf("deploy second with nothing to do: already complete %v, want false (not this deploy's marker)", rep.AlreadyComplete)
		}
	})
}

// TestCleanMarkerFewWrites (issue 31): a redeploy that wrote few objects
// reads them back with HeadObject instead of listing the prefix again
// before its marker (the servers here list times to the second, as S3
// does); the marker written so is valid for the next deploy, which reads
// the objects of the marker's second and bound only.
func TestCleanMarkerFewWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		files := map[string]string{}
		for i := range 20 {
			files["p/"+strconv.Itoa(i)+".html"] = "page " + strconv.Itoa(i)
		}
		writeTree(t, dir, files)
		s.mustRun(t, deploy.Options{Dir: dir})
		files["p/3.html"] = "page 3, changed"
		writeTree(t, dir, files)
		var r requests
		rep, err := s.run(t, s.counted(s.endpoint, &r), deploy.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Uploads) != 1 || rep.Marker == "" {
			t.Fatalf("redeploy uploaded %v, marker %q; want p/3.html and a marker", rep.Uploads, rep.Marker)
		}
		if got := r.get("ListObjectsV2"); got != 1 {
			t.Errorf("redeploy listed the prefix %d times, want 1", got)
		}
		newest := markerReads(t, s, s.s3)
		var next requests
		rep, err = s.run(t, s.counted(s.endpoint, &next), deploy.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		// A valid marker is left where it is; without one, the deploy
		// would write one.
		if len(rep.Uploads) != 0 || next.get("HeadObject") != len(newest) || next.get("ListObjectsV2") != 1 || next.get("CopyObject") != 0 {
			t.Errorf("next deploy: uploads %v, %d HeadObject, %d ListObjectsV2, %d CopyObject; want none, %d (the marker's second and bound: %v), 1, 0",
				rep.Uploads, next.get("HeadObject"), next.get("ListObjectsV2"), next.get("CopyObject"), len(newest), newest)
		}
	})
}

// markerReads lists the objects of s's bucket, as c sees them, that the
// next deploy reads with HeadObject: those of the listing's newest second
// (the marker's among them), and those the marker does not vouch for,
// last modified in or after the second its bound (the sixth field of its
// value) names, but the resized ones, whose new size the listing shows.
func markerReads(t *testing.T, s *site, c *s3.Client, resized ...string) []string {
	t.Helper()
	key := markerKey(t, s)
	out, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(out.Metadata[deploy.MetaClean])
	b, err := strconv.ParseInt(fields[len(fields)-2], 10, 64)
	if err != nil {
		t.Fatalf("marker %q: no bound: %v", out.Metadata[deploy.MetaClean], err)
	}
	bound := time.Unix(b, 0)
	var newest time.Time
	modified := map[string]time.Time{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			m := aws.ToTime(o.LastModified).Truncate(time.Second)
			modified[aws.ToString(o.Key)] = m
			if m.After(newest) {
				newest = m
			}
		}
	}
	var read []string
	for k, m := range modified {
		if m.Equal(newest) || (!m.Before(bound) && !slices.Contains(resized, k)) {
			read = append(read, k)
		}
	}
	slices.Sort(read)
	return read
}

// TestCleanMarkerSecond (issue 31): the marker is copied in a second of
// its own, later than every object it checked, and vouches for all of
// them (its bound B is that later second), so the next deploy, and every
// one after it that writes nothing, reads the marker's object only.
func TestCleanMarkerSecond(t *testing.T) {
	for _, n := range []int{3, 150} {
		t.Run(strconv.Itoa(n)+" files", func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *site) {
				dir := filepath.Join(t.TempDir(), "public")
				files := map[string]string{}
				for i := range n {
					files["p/"+strconv.Itoa(i)+".css"] = "p" + strconv.Itoa(i) + "{}"
				}
				writeTree(t, dir, files)
				rep := s.mustRun(t, deploy.Options{Dir: dir})
				if reads := markerReads(t, s, s.s3); !slices.Equal(reads, []string{rep.Marker}) {
					t.Fatalf("the next deploy would read %v, want only the marker's object %q", reads, rep.Marker)
				}
				for range 2 {
					var next requests
					again, err := s.run(t, s.counted(s.endpoint, &next), deploy.Options{Dir: dir})
					if err != nil {
						t.Fatal(err)
					}
					if len(again.Uploads) != 0 || next.get("HeadObject") != 1 || next.get("CopyObject") != 0 || again.Marker != rep.Marker {
						t.Errorf("next deploy: uploads %v, %d HeadObject, %d CopyObject, marker %q; want none, 1 (the marker's object), 0, %q",
							again.Uploads, next.get("HeadObject"), next.get("CopyObject"), again.Marker, rep.Marker)
					}
				}
			})
		})
	}
}
