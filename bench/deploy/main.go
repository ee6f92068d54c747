// Command deploy benchmarks `cfinv deploy` against `aws s3 sync` followed
// by `aws cloudfront create-invalidation --paths "/*"` (the AWS CLI, as a
// deploy script calls it) on the same S3: one moto_server, reached by every
// tool through a counting reverse proxy, and one `cfinv serve` as
// CloudFront, with a distribution in front of each bucket.
//
// It generates a site from -seed (HTML pages, CSS and JS with hashed names,
// images, -big files over 16 MiB; -files in all) and, for each tool and
// round, on a fresh moto (reset) and a new bucket and distribution, times
// three scenarios:
//
//	first     the first deploy, of a copy of the site;
//	fresh     a redeploy from another copy (a fresh checkout: same bytes,
//	          new mtimes), nothing changed;
//	change1   1 % of the files of that checkout changed in place (bytes
//	          appended), redeployed.
//
// Each round runs the tools in rotated order, so load on a shared machine
// falls on all alike. It prints, per tool and scenario, the median wall
// time and its range, the objects uploaded (PutObject and completed
// multipart uploads), the S3 requests, the bytes sent to S3 and the tool's
// peak RSS (the largest VmHWM of its processes, read from /proc while each runs), then the ratios of
// each peer to cfinv per scenario (the median of the per-round ratios).
//
// Next to the wall time it prints the S3 server CPU: the CPU time (user +
// system, fields 14 and 15 of /proc/PID/stat, in 10 ms clock ticks)
// moto_server spent while the tool ran, read just before and just after
// each scenario, median and range of the rounds, and the share of the
// tool's wall time that moto was busy (S3 server CPU / wall, median and
// range of the per-round shares). moto's request threads run Python one
// at a time (the GIL), on one core, and it is CPU-bound, so its CPU is a
// floor under the tool's wall time: a share near 100 % means the tool
// waits on moto, and only fewer or cheaper requests would make it faster;
// a low share, that the time goes elsewhere (the tool's own work, waits,
// the machine's load).
//
// Usage (from the repository root):
//
//	go run ./bench/deploy -files 5000 -rounds 3
//
// With -base, another cfinv binary (say, built from main) runs as one more
// peer, so a change is measured against what it changes in the same run.
//
// With -latency, the proxy holds every S3 request that long before passing
// it on: moto answers on loopback in a fraction of S3's round trip, which
// makes requests that wait on each other cost more.
//
// With -s3deploy, s3deploy (github.com/bep/s3deploy, built from its
// source) runs as one more peer with its defaults.
//
// This is a benchmark, not a test.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/bench/internal/rig"
	"github.com/cfinv/cfinv/test/harness"
)

func main() {
	o := options{}
	flag.IntVar(&o.files, "files", 5000, "files in the generated site (at least 100)")
	flag.IntVar(&o.big, "big", 3, "files over 16 MiB among them")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated site and of the files changed")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every tool once, in rotated order")
	flag.StringVar(&o.cfinv, "cfinv", "", "cfinv binary (default: build ./cmd/cfinv)")
	flag.StringVar(&o.base, "base", "", "another cfinv binary (e.g. built from an older commit) measured as the peer \"base\", with the same flags (\"\": none)")
	flag.StringVar(&o.moto, "moto", "moto_server", "moto_server executable")
	flag.StringVar(&o.aws, "aws", "aws", "AWS CLI executable (\"\": do not measure it)")
	flag.StringVar(&o.s3deploy, "s3deploy", "", "s3deploy executable, run with its defaults (\"\": do not measure it)")
	flag.StringVar(&o.keep, "keep", "", "generate the site into this directory and keep it (default: a temporary one)")
	flag.DurationVar(&o.latency, "latency", 0, "delay the proxy adds to every S3 request, for every tool: a model of the round trip to S3 (0: none)")
	flag.Parse()
	if o.files < 100 || o.big < 0 || o.big > o.files/10 || o.rounds < 1 {
		fmt.Fprintf(os.Stderr, "bench/deploy: -files %d -big %d -rounds %d: want -files ≥ 100, 0 ≤ -big ≤ files/10, -rounds ≥ 1\n", o.files, o.big, o.rounds)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/deploy:", err)
		os.Exit(1)
	}
}

type options struct {
	files, big, rounds int
	seed               uint64
	cfinv, moto, aws   string
	s3deploy           string
	base               string
	keep               string
	latency            time.Duration
}

var scenarios = []string{"first", "fresh", "change1"}

// measurement is one tool's run of one scenario.
type measurement struct {
	wall     time.Duration
	uploaded int64 // objects written: PutObject + CompleteMultipartUpload
	requests int64
	bytesUp  int64
	rssKiB   int64
	byOp     map[string]int64
	// serverCPU is the CPU time moto_server spent while the tool ran.
	serverCPU time.Duration
}

func run(o options) error {
	tmp, err := os.MkdirTemp("", "bench-deploy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.cfinv == "" {
		if o.cfinv, err = rig.BuildCfinv(tmp); err != nil {
			return err
		}
	}
	site := filepath.Join(tmp, "site")
	if o.keep != "" {
		site = o.keep
	}
	t0 := time.Now()
	st, err := generate(site, o.files, o.big, o.seed)
	if err != nil {
		return fmt.Errorf("generate site: %w", err)
	}
	fmt.Fprintf(os.Stderr, "site: %d files, %.1f MiB (%d over 16 MiB, largest %.1f MiB), generated in %s\n",
		st.files, float64(st.bytes)/(1<<20), st.bigFiles, float64(st.largest)/(1<<20), time.Since(t0).Round(time.Millisecond))
	changed := pickChanged(st.changeable, o.files/100, o.seed)

	srv, err := harness.Start(o.cfinv, filepath.Join(tmp, "cf"), rig.Env(),
		"--addr", "127.0.0.1:0", "--edge-addr", "", "--s3-addr", "", "--completion-delay", "0")
	if err != nil {
		return fmt.Errorf("start cfinv serve: %w", err)
	}
	defer func() { _ = srv.Stop() }()
	motoURL, motoPID, stopMoto, err := rig.StartMotoPID(o.moto)
	if err != nil {
		return err
	}
	defer stopMoto()
	if _, err := procCPU(motoPID); err != nil {
		return err
	}
	px, err := startProxy(motoURL, o.latency)
	if err != nil {
		return err
	}
	defer px.close()
	cf := harness.SDK(srv.URL, harness.Credentials(rig.KeyID, rig.Secret, ""))

	tools := []string{"cfinv"}
	if o.base != "" {
		tools = append(tools, "base")
	}
	if o.aws != "" {
		tools = append(tools, "aws")
	}
	if o.s3deploy != "" {
		tools = append(tools, "s3deploy")
	}
	res := map[string][]measurement{} // tool+" "+scenario → per round
	fmt.Fprintf(os.Stderr, "load average at start: %s\n", rig.LoadAvg())
	for r := range o.rounds {
		order := slices.Clone(tools)
		for range r % len(tools) {
			order = append(order[1:], order[0])
		}
		for _, tool := range order {
			ms, err := runTool(tool, o, r, tmp, site, changed, motoURL, motoPID, px, srv.URL, cf)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", r+1, tool, err)
			}
			for i, sc := range scenarios {
				res[tool+" "+sc] = append(res[tool+" "+sc], ms[i])
				fmt.Fprintf(os.Stderr, "round %d %-5s %-7s %8s  S3 server CPU %8s  uploaded %5d  requests %6d  %7.1f MiB up  RSS %6.1f MiB  %v\n",
					r+1, tool, sc, ms[i].wall.Round(time.Millisecond), ms[i].serverCPU, ms[i].uploaded, ms[i].requests,
					float64(ms[i].bytesUp)/(1<<20), float64(ms[i].rssKiB)/1024, ms[i].byOp)
			}
			fmt.Fprintf(os.Stderr, "load average: %s\n", rig.LoadAvg())
		}
	}
	fmt.Fprintf(os.Stderr, "load average at end: %s\n", rig.LoadAvg())

	fmt.Printf("Site: %d files, %.1f MiB, %d files over 16 MiB; %d files changed in change1; seed %d; %d rounds; S3 latency added %s.\n\n",
		st.files, float64(st.bytes)/(1<<20), st.bigFiles, len(changed), o.seed, o.rounds, o.latency)
	fmt.Println("| tool | scenario | wall median | wall range | S3 server CPU median | S3 server CPU range | S3 server busy (CPU / wall: floor share) | objects uploaded | S3 requests | MiB sent to S3 | peak RSS (MiB, max of rounds) |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, sc := range scenarios {
		for _, tool := range tools {
			ms := res[tool+" "+sc]
			wall := func(m measurement) float64 { return m.wall.Seconds() }
			cpu := func(m measurement) float64 { return m.serverCPU.Seconds() }
			busy := field(ms, func(m measurement) float64 { return 100 * m.serverCPU.Seconds() / m.wall.Seconds() })
			fmt.Printf("| %s | %s | %.2f s | %.2f–%.2f s | %.2f s | %.2f–%.2f s | %.0f %% (%.0f–%.0f %%) | %s | %s | %s | %.1f |\n", tool, sc,
				rig.Median(field(ms, wall)), slices.Min(field(ms, wall)), slices.Max(field(ms, wall)),
				rig.Median(field(ms, cpu)), slices.Min(field(ms, cpu)), slices.Max(field(ms, cpu)),
				rig.Median(busy), slices.Min(busy), slices.Max(busy),
				span(field(ms, func(m measurement) float64 { return float64(m.uploaded) }), "%.0f"),
				span(field(ms, func(m measurement) float64 { return float64(m.requests) }), "%.0f"),
				span(field(ms, func(m measurement) float64 { return float64(m.bytesUp) / (1 << 20) }), "%.1f"),
				slices.Max(field(ms, func(m measurement) float64 { return float64(m.rssKiB) / 1024 })))
		}
	}
	fmt.Println()
	fmt.Println("| scenario | peer | peer wall / cfinv wall (median, range of rounds) | peer requests / cfinv requests | peer peak RSS / cfinv's |")
	fmt.Println("| --- | --- | ---: | ---: | ---: |")
	for _, sc := range scenarios {
		for _, peer := range tools[1:] {
			c, p := res["cfinv "+sc], res[peer+" "+sc]
			var wr, rr, mr []float64
			for i := range c {
				wr = append(wr, p[i].wall.Seconds()/c[i].wall.Seconds())
				rr = append(rr, float64(p[i].requests)/float64(max(1, c[i].requests)))
				mr = append(mr, float64(p[i].rssKiB)/float64(c[i].rssKiB))
			}
			fmt.Printf("| %s | %s | %.1f× (%.1f–%.1f×) | %.2f× | %.2f× |\n", sc, peer,
				rig.Median(wr), slices.Min(wr), slices.Max(wr), rig.Median(rr), rig.Median(mr))
		}
	}
	fmt.Println()
	c := res["cfinv fresh"]
	c1 := res["cfinv change1"]
	fmt.Printf("Goals: fresh uploads 0: %v (%s); change1 uploads exactly %d: %v (%s); peak RSS ≤ 100 MiB: %v (%.1f MiB)\n",
		all(c, func(m measurement) bool { return m.uploaded == 0 }), span(field(c, func(m measurement) float64 { return float64(m.uploaded) }), "%.0f"),
		len(changed), all(c1, func(m measurement) bool { return m.uploaded == int64(len(changed)) }), span(field(c1, func(m measurement) float64 { return float64(m.uploaded) }), "%.0f"),
		allTools(res, "cfinv", func(m measurement) bool { return m.rssKiB <= 100<<10 }),
		maxRSS(res, "cfinv"))
	return nil
}

func field(ms []measurement, f func(measurement) float64) []float64 {
	var v []float64
	for _, m := range ms {
		v = append(v, f(m))
	}
	return v
}

// span is v's one value, or its min–max when the rounds differ.
func span(v []float64, verb string) string {
	lo, hi := slices.Min(v), slices.Max(v)
	if lo == hi {
		return fmt.Sprintf(verb, lo)
	}
	return fmt.Sprintf(verb+"–"+verb, lo, hi)
}

func all(ms []measurement, ok func(measurement) bool) bool {
	for _, m := range ms {
		if !ok(m) {
			return false
		}
	}
	return true
}

func allTools(res map[string][]measurement, tool string, ok func(measurement) bool) bool {
	for _, sc := range scenarios {
		if !all(res[tool+" "+sc], ok) {
			return false
		}
	}
	return true
}

func maxRSS(res map[string][]measurement, tool string) float64 {
	var m int64
	for _, sc := range scenarios {
		for _, x := range res[tool+" "+sc] {
			m = max(m, x.rssKiB)
		}
	}
	return float64(m) / 1024
}

// runTool runs the three scenarios of one tool in one round, on a reset
// moto with a new bucket behind a new distribution.
func runTool(tool string, o options, round int, tmp, site string, changed []string, motoURL string, motoPID int, px *proxy, cfURL string, cf *cloudfront.Client) ([]measurement, error) {
	ctx := context.Background()
	// A fresh moto: no earlier round's objects in its memory.
	resp, err := http.Post(motoURL+"/moto-api/reset", "", nil)
	if err != nil {
		return nil, fmt.Errorf("reset moto: %w", err)
	}
	resp.Body.Close()
	bucket := fmt.Sprintf("site-r%d-%s", round+1, tool)
	req, _ := http.NewRequest(http.MethodPut, motoURL+"/"+bucket, nil)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("create bucket %s: %s", bucket, resp.Status)
	}
	dist, err := harness.CreateDistribution(ctx, cf, fmt.Sprintf("bench-deploy-%d-%s", time.Now().UnixNano(), bucket), func(c *types.DistributionConfig) {
		c.Origins = &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("s3"), DomainName: aws.String(bucket + ".s3.amazonaws.com"),
			S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}}
		c.DefaultCacheBehavior.TargetOriginId = aws.String("s3")
	})
	if err != nil {
		return nil, err
	}
	work := filepath.Join(tmp, "work-"+tool)
	defer os.RemoveAll(work)
	home := filepath.Join(work, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	env := append(rig.Env(), "HOME="+home, "XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"), // cfinv's hash cache: this tool's, this round's
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")

	var out []measurement
	for i, sc := range scenarios {
		dir := filepath.Join(work, fmt.Sprintf("checkout-%d", i))
		switch sc {
		case "first", "fresh":
			if err := copyTree(site, dir); err != nil {
				return nil, err
			}
		case "change1":
			dir = filepath.Join(work, "checkout-1")
			for _, rel := range changed {
				if err := appendChange(filepath.Join(dir, rel), round); err != nil {
					return nil, err
				}
			}
		}
		var cmds [][]string
		switch tool {
		case "cfinv", "base":
			bin := o.cfinv
			if tool == "base" {
				bin = o.base
			}
			cmds = [][]string{{bin, "deploy", dir, "s3://" + bucket, "--distribution-id", dist,
				"--endpoint-url", cfURL, "--s3-endpoint-url", px.url}}
		case "aws":
			cmds = [][]string{
				{o.aws, "s3", "sync", dir, "s3://" + bucket, "--endpoint-url", px.url, "--only-show-errors"},
				{o.aws, "cloudfront", "create-invalidation", "--distribution-id", dist, "--paths", "/*", "--endpoint-url", cfURL},
			}
		case "s3deploy":
			// Its -endpoint-url would send CloudFront's calls to S3 too;
			// the SDK's per-service variables reach each server. The
			// endpoint is an IP address, so the SDK addresses the bucket
			// path-style.
			cmds = [][]string{{o.s3deploy, "-source", dir, "-bucket", bucket, "-region", "us-east-1",
				"-distribution-id", dist, "-quiet"}}
		}
		px.reset()
		var m measurement
		cpu0, err := procCPU(motoPID)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		for _, args := range cmds {
			c := exec.Command(args[0], args[1:]...)
			c.Env, c.Dir = env, work
			if tool == "s3deploy" {
				c.Env = append(slices.Clone(env), "AWS_ENDPOINT_URL_S3="+px.url, "AWS_ENDPOINT_URL_CLOUDFRONT="+cfURL)
			}
			var buf bytes.Buffer
			c.Stdout, c.Stderr = &buf, &buf
			hwm, err := runHWM(c)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w\n%s", sc, strings.Join(args, " "), err, tail(buf.String()))
			}
			m.rssKiB = max(m.rssKiB, hwm)
		}
		m.wall = time.Since(start)
		cpu1, err := procCPU(motoPID)
		if err != nil {
			return nil, err
		}
		m.serverCPU = cpu1 - cpu0
		m.uploaded, m.requests, m.bytesUp, m.byOp = px.counts()
		out = append(out, m)
		if sc == "first" {
			if err := os.RemoveAll(dir); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// runHWM runs c and returns its peak RSS in KiB: the last VmHWM read from
// /proc/PID/status, every 10 ms while it runs. Rusage's Maxrss is not
// used: Go starts a child with vfork semantics, sharing this process's
// memory until exec, and Linux counts that memory's high-water mark into
// the child's Maxrss, so a child smaller than this benchmark would show
// the benchmark's peak. A peak reached in the last 10 ms can be missed.
func runHWM(c *exec.Cmd) (int64, error) {
	if err := c.Start(); err != nil {
		return 0, err
	}
	status := fmt.Sprintf("/proc/%d/status", c.Process.Pid)
	done := make(chan struct{})
	var hwm atomic.Int64
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if b, err := os.ReadFile(status); err == nil {
				for line := range strings.Lines(string(b)) {
					if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
						var kib int64
						if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kib); err == nil && kib > hwm.Load() {
							hwm.Store(kib)
						}
					}
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := c.Wait()
	close(done)
	return hwm.Load(), err
}

// clockTick is the unit of the CPU times in /proc/PID/stat: USER_HZ,
// which Linux fixes at 100 per second for user space on every
// architecture Go runs on (sysconf(_SC_CLK_TCK), `getconf CLK_TCK`).
const clockTick = 10 * time.Millisecond

// procCPU returns the CPU time, user and system, that process pid and its
// threads have used: fields 14 (utime) and 15 (stime) of /proc/PID/stat.
// Its children's times are not counted (moto_server starts none).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read S3 server CPU: %w", err)
	}
	d, err := statCPU(b)
	if err != nil {
		return 0, fmt.Errorf("read S3 server CPU: /proc/%d/stat: %w", pid, err)
	}
	return d, nil
}

// statCPU is utime + stime of a /proc/PID/stat line.
func statCPU(b []byte) (time.Duration, error) {
	// Field 2, the command name in parentheses, may hold spaces and
	// parentheses: the fields after it start after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("%q: no ')' after the command name: want \"pid (comm) state … utime stime …\"", b)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, fmt.Errorf("%q: %d fields after the command name: want at least 13 (utime and stime are the 12th and 13th)", b, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] { // fields 14 and 15
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q: utime or stime %q: want a count of clock ticks", b, s)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// proxy is a reverse proxy in front of moto that counts the S3 requests
// by operation.
type proxy struct {
	url  string
	srv  *http.Server
	mu   sync.Mutex
	ops  map[string]int64
	up   atomic.Int64
	done chan struct{}
}

func startProxy(target string, latency time.Duration) (*proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64}
	p := &proxy{ops: map[string]int64{}, done: make(chan struct{})}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operation(r)
		p.mu.Lock()
		p.ops[op]++
		p.mu.Unlock()
		if r.ContentLength > 0 && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
			p.up.Add(r.ContentLength)
		}
		if latency > 0 {
			time.Sleep(latency)
		}
		rp.ServeHTTP(w, r)
	})}
	l, err := listenLoopback()
	if err != nil {
		return nil, err
	}
	p.url = "http://" + l.Addr().String()
	go func() { _ = p.srv.Serve(l); close(p.done) }()
	return p, nil
}

func (p *proxy) close() { _ = p.srv.Close(); <-p.done }

func (p *proxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ops = map[string]int64{}
	p.up.Store(0)
}

func (p *proxy) counts() (uploaded, requests, bytesUp int64, byOp map[string]int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	byOp = map[string]int64{}
	for op, n := range p.ops {
		byOp[op] = n
		requests += n
	}
	return p.ops["PutObject"] + p.ops["CompleteMultipartUpload"], requests, p.up.Load(), byOp
}

// operation names the S3 operation of a path-style request.
func operation(r *http.Request) string {
	q := r.URL.Query()
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	has := func(k string) bool { _, ok := q[k]; return ok }
	switch r.Method {
	case http.MethodGet:
		switch {
		case key == "" && has("uploads"):
			return "ListMultipartUploads"
		case key == "":
			return "ListObjects"
		case has("uploadId"):
			return "ListParts"
		}
		return "GetObject"
	case http.MethodHead:
		if key == "" {
			return "HeadBucket"
		}
		return "HeadObject"
	case http.MethodPut:
		switch {
		case key == "":
			return "PutBucket"
		case has("partNumber") && r.Header.Get("X-Amz-Copy-Source") != "":
			return "UploadPartCopy"
		case has("partNumber"):
			return "UploadPart"
		case r.Header.Get("X-Amz-Copy-Source") != "":
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodPost:
		switch {
		case has("delete"):
			return "DeleteObjects"
		case has("uploads"):
			return "CreateMultipartUpload"
		case has("uploadId"):
			return "CompleteMultipartUpload"
		}
		return "POST"
	case http.MethodDelete:
		if has("uploadId") {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	}
	return r.Method
}

// siteStats describes a generated site.
type siteStats struct {
	files, bigFiles int
	bytes, largest  int64
	changeable      []string // pages and images: what the 1 % is picked from
}

var words = strings.Fields(`the a of to and in is it for on with as at by from this that be are or an
	deploy cache edge bucket object site page static build asset release version origin request path header
	invalidation distribution viewer latency region network storage content image style script author post`)

// generate writes a deterministic site of n files into dir: about 55 %
// HTML pages in nested directories, 10 % CSS and 15 % JS under hashed
// names, 20 % images, and big media files of 17–24 MiB.
func generate(dir string, n, big int, seed uint64) (siteStats, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var st siteStats
	write := func(rel string, b []byte, changeable bool) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		st.files++
		st.bytes += int64(len(b))
		st.largest = max(st.largest, int64(len(b)))
		if len(b) > 16<<20 {
			st.bigFiles++
		}
		if changeable {
			st.changeable = append(st.changeable, rel)
		}
		return nil
	}
	text := func(size int) []byte {
		var b bytes.Buffer
		for b.Len() < size {
			b.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(12) == 0 {
				b.WriteString(".\n")
			} else {
				b.WriteByte(' ')
			}
		}
		return b.Bytes()
	}
	random := func(size int) []byte {
		b := make([]byte, size)
		for i := 0; i+8 <= len(b); i += 8 {
			v := rng.Uint64()
			for j := range 8 {
				b[i+j] = byte(v >> (8 * j))
			}
		}
		return b
	}
	hashed := func(name, ext string, b []byte) string {
		h := sha256.Sum256(b)
		return name + "." + hex.EncodeToString(h[:4]) + ext
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, err
	}
	if err := write("index.html", append([]byte("<!doctype html><title>home</title>\n"), text(8<<10)...), true); err != nil {
		return st, err
	}
	if err := write("404.html", []byte("<!doctype html><title>not found</title>\n"), false); err != nil {
		return st, err
	}
	for i := range big {
		if err := write(fmt.Sprintf("media/video-%02d.mp4", i), random(17<<20+rng.IntN(7<<20)), false); err != nil {
			return st, err
		}
	}
	rest := n - st.files
	for i := range rest {
		var err error
		switch k := i * 100 / rest; {
		case k < 55:
			body := append([]byte(fmt.Sprintf("<!doctype html><title>page %d</title>\n<link rel=stylesheet href=/assets/css/main.css>\n", i)), text(2<<10+rng.IntN(38<<10))...)
			err = write(fmt.Sprintf("%s/%04d/%02d/post-%05d/index.html", words[rng.IntN(8)+20], 2015+rng.IntN(11), 1+rng.IntN(12), i), body, true)
		case k < 65:
			b := text(1<<10 + rng.IntN(60<<10))
			err = write("assets/css/"+hashed(fmt.Sprintf("style-%04d", i), ".css", b), b, false)
		case k < 80:
			b := text(1<<10 + rng.IntN(200<<10))
			err = write("assets/js/"+hashed(fmt.Sprintf("chunk-%04d", i), ".js", b), b, false)
		default:
			ext := []string{".jpg", ".png", ".webp"}[rng.IntN(3)]
			err = write(fmt.Sprintf("images/%02d/img-%05d%s", i%50, i, ext), random(4<<10+rng.IntN(200<<10)), true)
		}
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// pickChanged picks k of the changeable files, by seed.
func pickChanged(from []string, k int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed+1, seed))
	p := rng.Perm(len(from))[:k]
	out := make([]string, k)
	for i, j := range p {
		out[i] = from[j]
	}
	slices.Sort(out)
	return out
}

// appendChange changes a file's bytes as an edit would.
func appendChange(path string, round int) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "\n<!-- changed in round %d -->\n", round+1)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// copyTree copies src into dst (new files, so new mtimes): a fresh
// checkout of the same site.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
