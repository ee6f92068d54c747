package crash

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/faults"
	"github.com/cfinv/cfinv/test/harness"
)

var (
	flagDeployKills = flag.Int("crash.deploykills", 20, "SIGKILLs of cfinv deploy, at least")
	flagFaultRate   = flag.Float64("crash.faultrate", 0.05, "probability that an S3 or CloudFront request of cfinv deploy meets an injected fault")
)

// trigger SIGKILLs the deploy under way: at once, or at the n-th S3 or
// CloudFront request after it was armed, before that request reaches the
// server or after the server acted on it (the deploy never hears back).
type trigger struct {
	mu     sync.Mutex
	proc   *os.Process
	left   int // requests to let through before the kill; -1: not armed
	after  bool
	killed bool
}

// start makes p the process to kill, disarmed.
func (k *trigger) start(p *os.Process) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.proc, k.left, k.after, k.killed = p, -1, false, false
}

// arm kills at the n-th request from now (n = 0: now).
func (k *trigger) arm(n int, after bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n == 0 {
		k.killLocked()
		return
	}
	k.left, k.after = n, after
}

func (k *trigger) killLocked() {
	if k.proc != nil && !k.killed {
		k.killed = true
		_ = k.proc.Kill()
	}
}

func (k *trigger) wasKilled() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.killed
}

// wrap puts the trigger in front of next.
func (k *trigger) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		fire, after := false, k.after
		if k.left > 0 {
			k.left--
			fire = k.left == 0
		}
		k.mu.Unlock()
		if !fire {
			next.ServeHTTP(w, r)
			return
		}
		if after {
			next.ServeHTTP(httptest.NewRecorder(), r)
		}
		k.mu.Lock()
		k.killLocked()
		k.mu.Unlock()
		panic(http.ErrAbortHandler)
	})
}

// s3Faults injects into S3 requests what S3 does on a bad day: 503
// SlowDown, 500 InternalError, a reset connection and a response lost
// after S3 acted. It is drawn from a seeded generator. Before a deletion
// reaches the bucket it calls beforeDelete.
type s3Faults struct {
	next         http.Handler
	rate         float64
	beforeDelete func()

	mu     sync.Mutex
	rng    *rand.Rand
	counts map[string]int
}

func (f *s3Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if (r.Method == http.MethodPost && q.Has("delete")) || (r.Method == http.MethodDelete && !q.Has("uploadId")) {
		f.beforeDelete()
	}
	kinds := []string{"503", "500", "reset", "lost-response"}
	f.mu.Lock()
	kind := ""
	if f.rng.Float64() < f.rate {
		kind = kinds[f.rng.IntN(len(kinds))]
		f.counts[kind]++
	}
	f.mu.Unlock()
	switch kind {
	case "":
		f.next.ServeHTTP(w, r)
	case "503":
		writeS3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case "500":
		writeS3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
	case "reset":
		panic(http.ErrAbortHandler)
	case "lost-response":
		f.next.ServeHTTP(httptest.NewRecorder(), r)
		panic(http.ErrAbortHandler)
	}
}

func (f *s3Faults) injected() (int, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, names := 0, slices.Sorted(maps.Keys(f.counts))
	var parts []string
	for _, k := range names {
		n += f.counts[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, f.counts[k]))
	}
	return n, strings.Join(parts, ", ")
}

func writeS3Error(w http.ResponseWriter, status int, code, msg string) {
	body, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}{Code: code, Message: msg, RequestID: "crash-test"})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// site is a build directory's content: slash-separated path to bytes.
type site map[string][]byte

// bigSize is above deploy's multipart threshold (16 MiB): big.bin goes up
// in parts, and a kill can leave a multipart upload behind.
const bigSize = 17 << 20

// firstSite is version 0 of the site: pages (entry objects), scripts and
// styles (gzip, immutable), images, and one large file.
func firstSite(rng *rand.Rand) site {
	s := site{}
	s["index.html"] = page(rng, 0, "home")
	s["about/index.html"] = page(rng, 0, "about")
	for i := range 5 {
		s[fmt.Sprintf("blog/p%d/index.html", i)] = page(rng, 0, fmt.Sprint("post ", i))
	}
	for i := range 8 {
		s[fmt.Sprintf("assets/app-%d.js", i)] = randomBytes(rng, 200+rng.IntN(8000))
	}
	for i := range 4 {
		s[fmt.Sprintf("assets/s%d.css", i)] = randomBytes(rng, 100+rng.IntN(3000))
	}
	for i := range 10 {
		s[fmt.Sprintf("img/%d.png", i)] = randomBytes(rng, 1000+rng.IntN(40000))
	}
	s["big.bin"] = bigFile(0)
	return s
}

// nextSite is version v after prev: about a quarter of the files changed,
// three removed, three new, and big.bin changed in odd versions.
func nextSite(rng *rand.Rand, prev site, v int) site {
	s := maps.Clone(prev)
	keys := slices.Sorted(maps.Keys(s))
	for _, k := range keys {
		if k == "big.bin" || rng.IntN(4) != 0 {
			continue
		}
		if strings.HasSuffix(k, ".html") {
			s[k] = page(rng, v, k)
		} else {
			s[k] = randomBytes(rng, len(s[k])+1+rng.IntN(100))
		}
	}
	for range 3 {
		keys = slices.Sorted(maps.Keys(s))
		k := keys[rng.IntN(len(keys))]
		if k != "index.html" && k != "big.bin" {
			delete(s, k)
		}
	}
	s[fmt.Sprintf("assets/v%d.js", v)] = randomBytes(rng, 300+rng.IntN(3000))
	s[fmt.Sprintf("img/v%d.png", v)] = randomBytes(rng, 300+rng.IntN(3000))
	s[fmt.Sprintf("blog/v%d/index.html", v)] = page(rng, v, "new")
	if v%2 == 1 {
		s["big.bin"] = bigFile(v)
	}
	return s
}

func page(rng *rand.Rand, v int, title string) []byte {
	return fmt.Appendf(nil, "<!doctype html><title>%s</title><p>version %d, %x</p>", title, v, rng.Uint64())
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return b
}

func bigFile(v int) []byte {
	line := fmt.Appendf(nil, "big file of version %08d\n", v)
	b := bytes.Repeat(line, bigSize/len(line)+1)
	return b[:bigSize]
}

// write makes dir hold exactly s.
func (s site) write(t *testing.T, dir string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for k, b := range s {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// deployConfig gives scripts and styles a year of caching and gzip, and
// pages none.
const deployConfig = `routes:
  - match: "assets/**"
    headers: { Cache-Control: "public, max-age=31536000, immutable" }
    gzip: true
  - match: "**/*.html"
    headers: { Cache-Control: "public, max-age=0, must-revalidate" }
`

// wantHeaders are the headers deployConfig gives key.
func wantHeaders(key string) (contentType, cacheControl, encoding string) {
	switch filepath.Ext(key) {
	case ".html":
		contentType = "text/html; charset=utf-8"
	case ".js":
		contentType = "text/javascript; charset=utf-8"
	case ".css":
		contentType = "text/css; charset=utf-8"
	case ".png":
		contentType = "image/png"
	default:
		contentType = "application/octet-stream"
	}
	switch {
	case strings.HasPrefix(key, "assets/"):
		return contentType, "public, max-age=31536000, immutable", "gzip"
	case strings.HasSuffix(key, ".html"):
		return contentType, "public, max-age=0, must-revalidate", ""
	}
	return contentType, "", ""
}

// deployCase is one deploy of the sequence, re-run until it completes.
type deployCase struct {
	id    string
	s     site
	flags []string
	keep  bool // --keep-deleted: objects that left the site stay
}

// The progress lines a kill point is chosen from: those deploy prints
// off a terminal when a step starts (internal/cli's deployProgress).
var killSteps = []string{"scan:", "compare:", "upload assets:", "upload entries:", "invalidate:", "delete:"}

// TestKillDeploy runs a sequence of deploys of a changing site (changed,
// new and removed files, a multipart object; --delete, then --delete
// --keep-deleted, then --delete again) into cfinv serve's S3 behind a
// distribution, with S3 and CloudFront faults injected at random, and
// SIGKILLs each deploy a few times at moments chosen from its own progress
// output: when a step's line appears, at once or at a seeded number of
// requests later, before the server sees that request or after it acted.
// Each deploy is re-run until it exits 0. Then the bucket holds exactly
// the site (bytes and headers, read with the SDK), plus what
// --keep-deleted keeps; the distribution has exactly one invalidation per
// deploy that changed or deleted something, with the deploy's caller
// reference, covering every changed and deleted object's URL; every
// deletion reached the bucket only once that invalidation had completed;
// no multipart upload is left behind.
func TestKillDeploy(t *testing.T) {
	seed := *flagSeed
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with: go test ./test/crash -run TestKillDeploy -crash.seed=%d -crash.deploykills=%d -crash.faultrate=%v", seed, *flagDeployKills, *flagFaultRate)
		}
	})
	began := time.Now()
	bin := harness.Binary(t)
	home := t.TempDir()
	env := harness.Env(home)
	srv := harness.StartServe(t, bin, filepath.Join(home, "data"), env,
		"--addr", "127.0.0.1:0", "--s3-addr", "127.0.0.1:0", "--completion-delay", "2s")
	direct := harness.SDK(srv.URL, harness.Attempts(3))
	directS3 := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s3URL(t, srv)), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(harness.AccessKeyID, harness.SecretAccessKey, "")})
	if _, err := directS3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	dist := harness.Distribution(t, direct, "crash-deploy", func(c *cftypes.DistributionConfig) {
		c.Origins.Items[0].DomainName = aws.String("site.s3.amazonaws.com")
		c.DefaultRootObject = aws.String("index.html")
	})

	var (
		mu         sync.Mutex
		currentRef string   // the caller reference of the deploy under way
		violations []string // deletions sent before the invalidation completed
	)
	beforeDelete := func() {
		mu.Lock()
		ref := currentRef
		mu.Unlock()
		if st := invalidationStatus(t, direct, dist, ref); st != "Completed" {
			mu.Lock()
			violations = append(violations, fmt.Sprintf("a deletion reached the bucket while the invalidation %s was %q", ref, st))
			mu.Unlock()
		}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 31))
	k := &trigger{left: -1}
	cfURL, cfInj := harness.FaultProxy(t, srv.URL, faults.Config{Rate: *flagFaultRate, Seed: seed,
		Kinds: []faults.Kind{faults.KindUnavailable, faults.KindThrottle, faults.KindLimit, faults.KindReset, faults.KindLostResponse}})
	cfFront := httptest.NewServer(k.wrap(proxyTo(t, cfURL)))
	defer cfFront.Close()
	s3f := &s3Faults{next: proxyTo(t, s3URL(t, srv)), rate: *flagFaultRate, beforeDelete: beforeDelete,
		rng: rand.New(rand.NewPCG(uint64(seed), 32)), counts: map[string]int{}}
	s3Front := httptest.NewServer(k.wrap(s3f))
	defer s3Front.Close()

	dir := filepath.Join(t.TempDir(), "public")
	cfgFile := filepath.Join(t.TempDir(), "cfinv.yml")
	if err := os.WriteFile(cfgFile, []byte(deployConfig), 0o644); err != nil {
		t.Fatal(err)
	}

	args := func(dc deployCase) []string {
		return append([]string{"deploy", dir, "s3://site", "--distribution-id", dist, "--deploy-id", dc.id,
			"--config", cfgFile, "--concurrency", "4", "--timeout", "2m",
			"--endpoint-url", cfFront.URL, "--s3-endpoint-url", s3Front.URL}, dc.flags...)
	}
	var deploys, kills, reruns, runs, invalidations int
	killsAt := map[string]int{}
	cur := firstSite(rng)
	flags := [][]string{{"--delete"}, {"--delete", "--keep-deleted", "1h"}, {"--delete"}}
	const maxDeploys = 16
	for v := 0; (kills < *flagDeployKills || v < 4) && v < maxDeploys; v++ {
		if v > 0 {
			cur = nextSite(rng, cur, v)
		}
		deploys++
		dc := deployCase{id: fmt.Sprintf("crash-v%d", v), s: cur, flags: flags[v%3], keep: v%3 == 1}
		ref := cfinv.DeployReference(dist, nil, dc.id)
		mu.Lock()
		currentRef = ref
		mu.Unlock()
		before := bucketKeys(t, directS3)
		wantPurge := purgeSet(t, directS3, before, dc)
		invsBefore, err := harness.Snapshot(t.Context(), direct, []string{dist})
		if err != nil {
			t.Fatal(err)
		}
		dc.s.write(t, dir)

		// Kill a few times, then let it finish (faults stay on).
		quota := 2 + rng.IntN(3)
		done := false
		steps := killSteps // the lines the next run may print
		for attempt := 0; !done; attempt++ {
			if attempt > 40 {
				t.Fatalf("seed %d: deploy %s did not complete in 40 runs", seed, dc.id)
			}
			var point *killPoint
			if attempt < quota && len(steps) > 0 {
				step := steps[rng.IntN(len(steps))]
				n := rng.IntN(5)
				if step == "delete:" {
					n = rng.IntN(2) // one DeleteObjects request follows
				}
				point = &killPoint{step: step, n: n, after: rng.IntN(2) == 1}
			}
			res := runDeploy(t, bin, env, args(dc), k, point)
			runs++
			if res.killed {
				// A re-run scans and compares, then takes up the step
				// the kill interrupted, or a later one.
				steps = append(killSteps[:2:2], killSteps[max(2, slices.Index(killSteps, lastStep(res.stderr))):]...)
			}
			switch {
			case res.killed:
				kills++
				killsAt[point.String()]++
			case res.err == nil:
				done = true
			default:
				// Faults outlasted the SDK's retries: the run failed
				// and says how to resume; re-run it.
				if !strings.Contains(res.stderr, "Error:") {
					t.Fatalf("seed %d: deploy %s failed without an error message: %v\n%s", seed, dc.id, res.err, res.stderr)
				}
			}
			if attempt > 0 {
				reruns++
			}
		}

		// Once more: the deploy is complete, and a re-run says so and
		// buys nothing (faults may still fail a run: then again).
		for again := 0; ; again++ {
			res := runDeploy(t, bin, env, append(args(dc), "--output", "json", "--query", "already_complete"), k, nil)
			runs++
			if res.err == nil {
				// The deploy's clean marker names it, so the re-run
				// knows it complete; with nothing to invalidate and no
				// marker (faults failed its copy, which does not fail
				// the deploy) nothing shows an earlier run: null.
				got := strings.TrimSpace(res.stdout)
				if got != "true" && (len(wantPurge) > 0 || got != "null") {
					t.Errorf("seed %d: a re-run of the completed deploy %s: already_complete %s, want true\n%s", seed, dc.id, res.stdout, res.stderr)
				}
				break
			}
			if again == 5 {
				t.Fatalf("seed %d: a re-run of the completed deploy %s failed 6 times: %v\n%s", seed, dc.id, res.err, res.stderr)
			}
		}
		checkBucket(t, directS3, before, dc, seed)
		invsAfter, err := harness.Snapshot(t.Context(), direct, []string{dist})
		if err != nil {
			t.Fatal(err)
		}
		fresh := invsAfter[len(invsBefore):]
		invalidations += len(fresh)
		switch {
		case len(wantPurge) == 0 && len(fresh) != 0:
			t.Errorf("seed %d: deploy %s changed and deleted nothing but made %d invalidations", seed, dc.id, len(fresh))
		case len(wantPurge) > 0 && len(fresh) != 1:
			t.Errorf("seed %d: deploy %s made %d invalidations, want 1: %+v", seed, dc.id, len(fresh), fresh)
		case len(wantPurge) > 0:
			inv := fresh[0]
			if inv.CallerReference != ref {
				t.Errorf("seed %d: deploy %s: the invalidation's caller reference is %q, want %q", seed, dc.id, inv.CallerReference, ref)
			}
			for _, key := range wantPurge {
				if !slices.ContainsFunc(inv.Paths, func(p string) bool { return cfpath.Match(p, "/"+key) }) {
					t.Errorf("seed %d: deploy %s: /%s is covered by no path of its invalidation %v", seed, dc.id, key, inv.Paths)
				}
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	mu.Lock()
	for _, v := range violations {
		t.Errorf("seed %d: %s", seed, v)
	}
	mu.Unlock()
	ups, err := directS3.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String("site")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups.Uploads) != 0 {
		t.Errorf("seed %d: %d multipart uploads left behind", seed, len(ups.Uploads))
	}
	if kills < *flagDeployKills {
		t.Errorf("seed %d: %d SIGKILLs, want at least %d", seed, kills, *flagDeployKills)
	}
	n3, s3Kinds := s3f.injected()
	cfStats := cfInj.Stats()
	t.Logf("cfinv deploy, seed %d: %d deploys, %d runs, %d SIGKILLs (%s), %d re-runs; faults injected: S3 %d (%s), CloudFront %d (%v); %d invalidations; took %s",
		seed, deploys, runs, kills, formatCounts(killsAt), reruns, n3, s3Kinds, cfStats.Injected(), cfStats.Faults, invalidations, time.Since(began).Round(time.Second))
}

func formatCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// lastStep is the last of the killSteps whose line stderr has.
func lastStep(stderr string) string {
	last := killSteps[0]
	for _, line := range strings.Split(stderr, "\n") {
		for _, s := range killSteps {
			if strings.HasPrefix(line, s) {
				last = s
			}
		}
	}
	return last
}

// killPoint is when to kill a deploy: once its progress output shows the
// line of step, at once (n = 0) or at the n-th request after.
type killPoint struct {
	step  string
	n     int
	after bool
}

func (p *killPoint) String() string {
	s := strings.TrimSuffix(p.step, ":")
	switch {
	case p.n == 0:
		return s + "+0"
	case p.after:
		return fmt.Sprintf("%s+%d(after)", s, p.n)
	}
	return fmt.Sprintf("%s+%d", s, p.n)
}

type deployResult struct {
	killed         bool
	err            error
	stdout, stderr string
}

// runDeploy runs cfinv with args and kills it at point (nil: never).
func runDeploy(t *testing.T, bin string, env, args []string, k *trigger, point *killPoint) deployResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr harness.Buffer
	cmd.Stdout = &stdout
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := harness.StartProcess(cmd); err != nil {
		t.Fatal(err)
	}
	k.start(cmd.Process)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		armed := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(&stderr, line)
			if point != nil && !armed && strings.HasPrefix(line, point.step) {
				armed = true
				k.arm(point.n, point.after)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Wait()
	harness.Reap(cmd)
	pw.Close()
	<-scanned
	killed := k.wasKilled()
	k.start(nil)
	return deployResult{killed: killed, err: err, stdout: stdout.String(), stderr: stderr.String()}
}

// invalidationStatus is the status of the distribution's invalidation with
// caller reference ref, "" when there is none.
func invalidationStatus(t *testing.T, api *cloudfront.Client, dist, ref string) string {
	invs, err := harness.Snapshot(t.Context(), api, []string{dist})
	if err != nil {
		return "unknown: " + err.Error()
	}
	for _, inv := range invs {
		if inv.CallerReference == ref {
			return inv.Status
		}
	}
	return ""
}

// bucketKeys lists the bucket.
func bucketKeys(t *testing.T, c *s3.Client) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("site")})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	slices.Sort(keys)
	return keys
}

// purgeSet is what deploy dc must invalidate: the objects in the bucket
// before it whose bytes or headers it changes, and those it deletes.
func purgeSet(t *testing.T, c *s3.Client, before []string, dc deployCase) []string {
	t.Helper()
	var purge []string
	for _, key := range before {
		b, ok := dc.s[key]
		if !ok {
			if !dc.keep {
				purge = append(purge, key)
			}
			continue
		}
		if err := checkSiteObject(t, c, key, b); err != nil {
			purge = append(purge, key)
		}
	}
	return purge
}

// removedMark is the x-amz-meta-cfinv-removed of key.
func removedMark(t *testing.T, c *s3.Client, key string) string {
	t.Helper()
	out, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("site"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Metadata["cfinv-removed"]
}

// checkBucket compares the bucket with the site of dc: the same keys (plus,
// with --keep-deleted, the objects that left it, marked removed), each with
// the site's bytes and the headers deployConfig gives it.
func checkBucket(t *testing.T, c *s3.Client, before []string, dc deployCase, seed int64) {
	t.Helper()
	want := slices.Sorted(maps.Keys(dc.s))
	var kept []string
	if dc.keep {
		for _, k := range before {
			if _, ok := dc.s[k]; !ok {
				kept = append(kept, k)
			}
		}
		want = slices.Sorted(slices.Values(append(want, kept...)))
	}
	if got := bucketKeys(t, c); !slices.Equal(got, want) {
		t.Fatalf("seed %d: deploy %s: the bucket holds %v, want %v", seed, dc.id, got, want)
	}
	for key, b := range dc.s {
		if err := checkSiteObject(t, c, key, b); err != nil {
			t.Errorf("seed %d: deploy %s: %s: %v", seed, dc.id, key, err)
		}
	}
	for _, key := range kept {
		if removedMark(t, c, key) == "" {
			t.Errorf("seed %d: deploy %s: kept %s is not marked removed", seed, dc.id, key)
		}
	}
}

// checkSiteObject reads key and compares its bytes (gunzipped when stored
// with gzip) and headers with what deploy must store for b.
func checkSiteObject(t *testing.T, c *s3.Client, key string, b []byte) error {
	t.Helper()
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String(key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	var body io.Reader = out.Body
	ct, cc, enc := wantHeaders(key)
	if got := aws.ToString(out.ContentEncoding); got != enc {
		return fmt.Errorf("Content-Encoding %q, want %q", got, enc)
	}
	if enc == "gzip" {
		zr, err := gzip.NewReader(out.Body)
		if err != nil {
			return fmt.Errorf("gunzip: %w", err)
		}
		body = zr
	}
	got, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, b) {
		return fmt.Errorf("%d bytes that differ from the site's %d", len(got), len(b))
	}
	if g := aws.ToString(out.ContentType); g != ct {
		return fmt.Errorf("Content-Type %q, want %q", g, ct)
	}
	if g := aws.ToString(out.CacheControl); g != cc {
		return fmt.Errorf("Cache-Control %q, want %q", g, cc)
	}
	if out.Metadata["cfinv-sha256"] == "" {
		return errors.New("no x-amz-meta-cfinv-sha256")
	}
	return nil
}
