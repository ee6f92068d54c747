package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/console"
	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/local"
	"github.com/cfinv/cfinv/internal/store"
)

// clock is a settable clock for the API and the edge.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a running local CloudFront with an origin and its API client.
type env struct {
	srv    *local.Server
	api    *cloudfront.Client
	origin *httptest.Server
	clock  *clock
}

func newEnv(t *testing.T) *env { t.Helper(); return newEnvOn(t, local.EdgeNetHTTP) }

// newEnvOn is newEnv with the edge on edgeServer.
func newEnvOn(t *testing.T, edgeServer string) *env {
	t.Helper()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		fmt.Fprintf(w, "body of %s", r.URL.Path)
	}))
	t.Cleanup(origin.Close)
	t.Cleanup(edgeClient.CloseIdleConnections)
	clk := &clock{t: time.Now()}
	srv, err := local.Start(local.Options{Memory: true, APIAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0",
		Now: clk.Now, CompletionDelay: time.Minute, EdgeServer: edgeServer})
	if err != nil {
		t.Fatalf("local.Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	var id, secret string
	for id, secret = range srv.Keys {
	}
	api := cloudfront.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	return &env{srv: srv, api: api, origin: origin, clock: clk}
}

// createDistribution creates a distribution in front of e.origin through
// the API, as a client would.
func (e *env) createDistribution(t *testing.T, ref string, aliases ...string) string {
	t.Helper()
	host := strings.TrimPrefix(e.origin.URL, "http://")
	h, port, _ := strings.Cut(host, ":")
	var p int32
	fmt.Sscan(port, &p)
	cfg := &types.DistributionConfig{
		CallerReference: aws.String(ref), Comment: aws.String("console test"), Enabled: aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{Id: aws.String("web"), DomainName: aws.String(h),
			CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(p), HTTPSPort: aws.Int32(443),
				OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly}}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("web"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll, CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")},
	}
	if len(aliases) > 0 {
		cfg.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
	}
	out, err := e.api.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	return aws.ToString(out.Distribution.Id)
}

func (e *env) invalidate(t *testing.T, dist, ref string, paths ...string) string {
	t.Helper()
	out, err := e.api.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist),
		InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String(ref),
			Paths: &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}}})
	if err != nil {
		t.Fatalf("CreateInvalidation: %v", err)
	}
	return aws.ToString(out.Invalidation.Id)
}

// edgeGet requests path of dist from the edge and returns its X-Cache.
func (e *env) edgeGet(t *testing.T, dist, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.EdgeURL+path, nil)
	req.Host = dist + ".localhost"
	resp, err := edgeClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s from the edge: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.Header.Get("X-Cache")
}

// edgeClient sends no Accept-Encoding, so cache sizes do not depend on a
// gzip variant.
var edgeClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// getJSON GETs the console's path into v and returns the status.
func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
	return resp.StatusCode
}

func TestReadEndpoints(t *testing.T) {
	e := newEnv(t)
	d1 := e.createDistribution(t, "one", "www.example.com")
	d2 := e.createDistribution(t, "two")
	d3 := e.createDistribution(t, "three")
	inv1 := e.invalidate(t, d1, "ref-1", "/a")
	e.clock.Add(2 * time.Minute) // inv1 completes
	inv2 := e.invalidate(t, d1, "ref-2", "/b", "/c")
	if got := e.edgeGet(t, d1, "/page"); got != "Miss from cloudfront" {
		t.Fatalf("first edge GET: X-Cache %q", got)
	}
	if got := e.edgeGet(t, d1, "/page"); got != "Hit from cloudfront" {
		t.Fatalf("second edge GET: X-Cache %q", got)
	}
	u := e.srv.ConsoleURL + "api/"

	type row struct {
		ID, Status, CallerReference string
		Paths                       []string
		Key                         string
		Hits                        int64
		Aliases                     []string
		Name                        string
	}
	type page struct {
		Items       []row
		Next        string
		Error       string
		Hits        int64
		Misses      int64
		RefreshHits int64
		HitRatio    float64
	}
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       page
	}{
		{name: "distributions first page", path: "distributions?limit=2", wantStatus: 200,
			want: page{Items: []row{{ID: d1, Status: "Deployed", Aliases: []string{"www.example.com"}}, {ID: d2, Status: "Deployed", Aliases: []string{}}}, Next: d2}},
		{name: "distributions second page", path: "distributions?limit=2&after=" + d2, wantStatus: 200,
			want: page{Items: []row{{ID: d3, Status: "Deployed", Aliases: []string{}}}}},
		{name: "invalidations newest first", path: "distributions/" + d1 + "/invalidations", wantStatus: 200,
			want: page{Items: []row{{ID: inv2, Status: "InProgress", CallerReference: "ref-2", Paths: []string{"/b", "/c"}},
				{ID: inv1, Status: "Completed", CallerReference: "ref-1", Paths: []string{"/a"}}}}},
		{name: "invalidations paged", path: "distributions/" + d1 + "/invalidations?limit=1", wantStatus: 200,
			want: page{Items: []row{{ID: inv2, Status: "InProgress", CallerReference: "ref-2", Paths: []string{"/b", "/c"}}}, Next: inv2}},
		{name: "cache entries and counters", path: "distributions/" + d1 + "/cache", wantStatus: 200,
			want: page{Items: []row{{Key: "/page", Hits: 1}}, Hits: 1, Misses: 1, HitRatio: 0.5}},
		{name: "cache of an idle distribution", path: "distributions/" + d2 + "/cache", wantStatus: 200, want: page{Items: []row{}}},
		{name: "buckets", path: "buckets", wantStatus: 200, want: page{Items: []row{}}},
		{name: "bad limit", path: "distributions?limit=0", wantStatus: 400,
			want: page{Error: `parse limit "0": want a whole number from 1 to 1000`}},
		{name: "bad marker", path: "distributions?after=ENOSUCH", wantStatus: 400},
		{name: "unknown distribution", path: "distributions/ENOSUCH/invalidations", wantStatus: 404},
		{name: "unknown distribution's cache", path: "distributions/ENOSUCH/cache", wantStatus: 404},
		{name: "unknown bucket", path: "buckets/nosuch/objects", wantStatus: 404, want: page{Error: `no bucket "nosuch"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got page
			if status := getJSON(t, u+tt.path, &got); status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%+v)", status, tt.wantStatus, got)
			}
			if tt.wantStatus != 200 {
				if got.Error == "" || (tt.want.Error != "" && got.Error != tt.want.Error) {
					t.Errorf("error %q, want %q", got.Error, tt.want.Error)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// post POSTs body to the console's invalidations endpoint of dist with
// the given token and origin ("": none) and returns status and body.
func post(t *testing.T, srv *local.Server, host, dist, token, origin, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.ConsoleURL+"api/distributions/"+dist+"/invalidations", strings.NewReader(body))
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// pageToken reads the CSRF token from the console page.
func pageToken(t *testing.T, srv *local.Server) string {
	t.Helper()
	resp, err := http.Get(srv.ConsoleURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	_, rest, ok := strings.Cut(string(b), `name="csrf-token" content="`)
	tok, _, _ := strings.Cut(rest, `"`)
	if !ok || len(tok) != 32 {
		t.Fatalf("no CSRF token in the page (status %d)", resp.StatusCode)
	}
	return tok
}

func TestCreateInvalidation(t *testing.T) {
	e := newEnv(t)
	dist := e.createDistribution(t, "one")
	tok := pageToken(t, e.srv)
	self := "http://" + e.srv.APIAddr.String()
	tests := []struct {
		name                      string
		host, token, origin, body string
		wantStatus                int
		wantIn                    string
	}{
		{name: "no token", body: `{"paths":["/x"]}`, wantStatus: 403, wantIn: "missing or wrong X-CSRF-Token"},
		{name: "wrong token", token: strings.Repeat("0", 32), body: `{"paths":["/x"]}`, wantStatus: 403, wantIn: "missing or wrong X-CSRF-Token"},
		{name: "other origin", token: tok, origin: "http://evil.example", body: `{"paths":["/x"]}`, wantStatus: 403, wantIn: "cross-origin request"},
		{name: "rebound host", host: "evil.example", token: tok, body: `{"paths":["/x"]}`, wantStatus: 403, wantIn: `refuse Host \"evil.example\"`},
		{name: "bad JSON", token: tok, origin: self, body: `{"paths":`, wantStatus: 400, wantIn: "decode body"},
		{name: "bad path, API's own error", token: tok, origin: self, body: `{"paths":["no-slash"]}`, wantStatus: 400, wantIn: "InvalidArgument"},
		{name: "created", token: tok, origin: self, body: `{"paths":["/page"],"callerReference":"console-1"}`, wantStatus: 201, wantIn: "<CallerReference>console-1</CallerReference>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, e.srv, tt.host, dist, tt.token, tt.origin, tt.body)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantIn) {
				t.Errorf("got %d %s; want %d with %q", status, body, tt.wantStatus, tt.wantIn)
			}
		})
	}
	// The one created went through the API: the client sees it.
	out, err := e.api.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist)})
	if err != nil {
		t.Fatal(err)
	}
	if n := aws.ToInt32(out.InvalidationList.Quantity); n != 1 {
		t.Errorf("the API lists %d invalidations, want the console's 1", n)
	}
}

// TestPurgeThroughConsole: a cached key disappears from the cache view
// after an invalidation posted to the console.
func TestPurgeThroughConsole(t *testing.T) {
	e := newEnv(t)
	dist := e.createDistribution(t, "one")
	e.edgeGet(t, dist, "/gone")
	e.edgeGet(t, dist, "/kept")
	status, body := post(t, e.srv, "", dist, pageToken(t, e.srv), "", `{"paths":["/gone"]}`)
	if status != 201 {
		t.Fatalf("POST: %d %s", status, body)
	}
	var got struct{ Items []struct{ Key string } }
	getJSON(t, e.srv.ConsoleURL+"api/distributions/"+dist+"/cache", &got)
	if len(got.Items) != 1 || got.Items[0].Key != "/kept" {
		t.Errorf("cache after the purge: %+v, want /kept only", got.Items)
	}
}

// TestNotLoopback: a peer off loopback is refused whatever it sends.
func TestNotLoopback(t *testing.T) {
	con := console.New(console.Options{Store: store.NewMem(), API: http.NotFoundHandler()})
	for _, tt := range []struct{ name, method, path string }{
		{"page", "GET", "/console/"},
		{"read", "GET", "/console/api/distributions"},
		{"post", "POST", "/console/api/distributions/E1/invalidations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://127.0.0.1:4566"+tt.path, strings.NewReader(`{"paths":["/x"]}`))
			req.RemoteAddr = "192.0.2.10:5555"
			w := httptest.NewRecorder()
			con.ServeHTTP(w, req)
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "loopback only") {
				t.Errorf("got %d %s, want 403 loopback only", w.Code, w.Body)
			}
		})
	}
}

// TestEventsFeed follows the SSE stream: an edge request and a purge
// arrive as events, on either edge server.
func TestEventsFeed(t *testing.T) {
	for _, server := range []string{local.EdgeNetHTTP, local.EdgeFastHTTP} {
		t.Run(server, func(t *testing.T) { testEventsFeed(t, server) })
	}
}

func testEventsFeed(t *testing.T, server string) {
	e := newEnvOn(t, server)
	dist := e.createDistribution(t, "one")
	e.edgeGet(t, dist, "/before") // in the ring: replayed on subscribe
	resp, err := http.Get(e.srv.ConsoleURL + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	next := func() edgecache.Event {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("read stream: %v", err)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var ev edgecache.Event
				if err := json.Unmarshal([]byte(data), &ev); err != nil {
					t.Fatal(err)
				}
				return ev
			}
		}
	}
	type ev struct {
		Kind, Distribution, Path, XCache string
		Items                            []string
	}
	pick := func(x edgecache.Event) ev { return ev{x.Kind, x.Distribution, x.Path, x.XCache, x.Items} }
	if diff := cmp.Diff(ev{"request", dist, "/before", "Miss", nil}, pick(next())); diff != "" {
		t.Errorf("replayed event (-want +got):\n%s", diff)
	}
	e.edgeGet(t, dist, "/before")
	if diff := cmp.Diff(ev{"request", dist, "/before", "Hit", nil}, pick(next())); diff != "" {
		t.Errorf("live request event (-want +got):\n%s", diff)
	}
	e.invalidate(t, dist, "r1", "/before")
	if diff := cmp.Diff(ev{"purge", dist, "", "", []string{"/before"}}, pick(next())); diff != "" {
		t.Errorf("purge event (-want +got):\n%s", diff)
	}
}

// TestFeedDropsSlowSubscriber: Publish never blocks; a subscriber that
// does not read is dropped, the others keep theirs.
func TestFeedDropsSlowSubscriber(t *testing.T) {
	f := console.NewFeed(4)
	_, slow, cancelSlow := f.Subscribe()
	defer cancelSlow()
	for i := range 1000 {
		f.Publish(edgecache.Event{Kind: "request", Path: fmt.Sprint("/", i)})
	}
	n := 0
	for range slow {
		n++
	}
	if n == 0 || n >= 1000 {
		t.Errorf("slow subscriber got %d events before being dropped", n)
	}
	if s := f.Subscribers(); s != 0 {
		t.Errorf("%d subscribers left, want 0", s)
	}
	var paths []string
	for _, ev := range f.Recent() {
		paths = append(paths, ev.Path)
	}
	if diff := cmp.Diff([]string{"/996", "/997", "/998", "/999"}, paths); diff != "" {
		t.Errorf("ring (-want +got):\n%s", diff)
	}
	f.Close()
	_, ch, _ := f.Subscribe()
	if _, ok := <-ch; ok {
		t.Error("a subscription after Close is open")
	}
}

// TestShutdownEndsStreams: an open event stream does not hold up the
// server's Shutdown, which would otherwise wait out its deadline and
// report it.
func TestShutdownEndsStreams(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.srv.ConsoleURL + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || line != ": ready\n" {
		t.Fatalf("stream start: %q, %v", line, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown with an open stream: %v", err)
	}
	if _, err := io.ReadAll(r); err != nil {
		t.Errorf("stream after Shutdown: %v, want its end", err)
	}
}
