package edgestore_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/edgestore"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// namedOrigin answers every request with its name and counts them.
type namedOrigin struct {
	name string
	mu   sync.Mutex
	hits int
}

func (o *namedOrigin) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	o.mu.Lock()
	o.hits++
	o.mu.Unlock()
	w.Header().Set("Cache-Control", "max-age=3600")
	io.WriteString(w, o.name)
}

func (o *namedOrigin) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits
}

func originPort(t *testing.T, h http.Handler) int32 {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	port, err := strconv.Atoi(srv.URL[strings.LastIndexByte(srv.URL, ':')+1:])
	if err != nil {
		t.Fatal(err)
	}
	return int32(port)
}

// TestEdgeRoutesToStaging is continuous deployment end to end (issue 27):
// a primary and its staging copy with another origin, a continuous
// deployment policy through the real SDK, and the real edge. A request
// with the policy's header gets the staging distribution's content, one
// without it the primary's, from separate caches; a weight policy routes
// as StagingDraw decides and keeps a viewer on its side with the session
// cookie for the idle and maximum TTLs; promotion makes the primary serve
// the staging config.
func TestEdgeRoutesToStaging(t *testing.T) {
	st := store.NewMem()
	clk := harness.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	// The test's draw for a new viewer: its X-Draw header.
	draw := func(r *http.Request) float64 {
		v, _ := strconv.ParseFloat(r.Header.Get("X-Draw"), 64)
		return v
	}
	edge := &edgecache.Proxy{Distributions: edgestore.Distributions(st), Now: clk.Now, StagingDraw: draw}
	api := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: clk.Now}).Handler())
	t.Cleanup(api.Close)
	edgeSrv := httptest.NewServer(edge)
	t.Cleanup(edgeSrv.Close)
	cf := harness.SDK(api.URL, harness.HTTPClient(api.Client()))
	ctx := t.Context()
	blue, green := &namedOrigin{name: "blue"}, &namedOrigin{name: "green"}
	bluePort, greenPort := originPort(t, blue), originPort(t, green)

	origins := func(port int32) *types.Origins {
		return &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("app"), DomainName: aws.String("127.0.0.1"),
			CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(port), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly},
		}}}
	}
	primary, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("site"), Comment: aws.String("blue"), Enabled: aws.Bool(true), Origins: origins(bluePort),
		DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("app"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")}, // managed CachingOptimized
	}})
	if err != nil {
		t.Fatal(err)
	}
	pid := aws.ToString(primary.Distribution.Id)
	staging, err := cf.CopyDistribution(ctx, &cloudfront.CopyDistributionInput{PrimaryDistributionId: &pid, CallerReference: aws.String("site-staging"),
		Staging: aws.Bool(true), IfMatch: primary.ETag})
	if err != nil {
		t.Fatal(err)
	}
	sid := aws.ToString(staging.Distribution.Id)
	sc := staging.Distribution.DistributionConfig
	sc.Origins, sc.Comment = origins(greenPort), aws.String("green")
	supd, err := cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: &sid, IfMatch: staging.ETag, DistributionConfig: sc})
	if err != nil {
		t.Fatal(err)
	}
	dns := aws.ToString(staging.Distribution.DomainName)
	pol, err := cf.CreateContinuousDeploymentPolicy(ctx, &cloudfront.CreateContinuousDeploymentPolicyInput{ContinuousDeploymentPolicyConfig: &types.ContinuousDeploymentPolicyConfig{
		Enabled:                     aws.Bool(true),
		StagingDistributionDnsNames: &types.StagingDistributionDnsNames{Quantity: aws.Int32(1), Items: []string{dns}},
		TrafficConfig: &types.TrafficConfig{Type: types.ContinuousDeploymentPolicyTypeSingleHeader,
			SingleHeaderConfig: &types.ContinuousDeploymentSingleHeaderConfig{Header: aws.String("aws-cf-cd-color"), Value: aws.String("green")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	polID := aws.ToString(pol.ContinuousDeploymentPolicy.Id)
	cur, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: &pid})
	if err != nil {
		t.Fatal(err)
	}
	cur.DistributionConfig.ContinuousDeploymentPolicyId = &polID
	att, err := cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: &pid, IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig})
	if err != nil {
		t.Fatal(err)
	}
	edge.RefreshDistributions()
	host := aws.ToString(primary.Distribution.DomainName)

	type answer struct {
		status       int
		body, xcache string
		cookie       *http.Cookie
	}
	get := func(t *testing.T, host, path string, cookie *http.Cookie, header ...string) answer {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, edgeSrv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := edgeSrv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, body: string(b), xcache: resp.Header.Get("X-Cache")}
		for _, c := range resp.Cookies() {
			if c.Name == edgecache.SessionCookie {
				a.cookie = c
			}
		}
		return a
	}

	t.Run("header", func(t *testing.T) {
		steps := []struct {
			name, value, body, xcache string
		}{
			{"staging, miss", "green", "green", "Miss from cloudfront"},
			{"staging, hit", "green", "green", "Hit from cloudfront"},
			{"other value: primary, miss", "blue", "blue", "Miss from cloudfront"},
			{"no header: primary, hit", "", "blue", "Hit from cloudfront"},
		}
		for _, s := range steps {
			var header []string
			if s.value != "" {
				header = []string{"aws-cf-cd-color", s.value}
			}
			a := get(t, host, "/page", nil, header...)
			if a.status != 200 || a.body != s.body || a.xcache != s.xcache || a.cookie != nil {
				t.Errorf("%s: got %d %q %q cookie %v, want 200 %q %q and no cookie", s.name, a.status, a.body, a.xcache, a.cookie, s.body, s.xcache)
			}
		}
		if blue.count() != 1 || green.count() != 1 {
			t.Errorf("origin fetches: blue %d, green %d; want 1 and 1 (two caches)", blue.count(), green.count())
		}
		// A staging distribution is served only through its primary.
		if a := get(t, dns, "/page", nil); a.status != http.StatusForbidden {
			t.Errorf("GET at the staging domain name: %d %q, want 403", a.status, a.body)
		}
	})

	// The same policy, by weight with session stickiness (idle 300 s,
	// maximum 600 s).
	cfg := pol.ContinuousDeploymentPolicy.ContinuousDeploymentPolicyConfig
	cfg.TrafficConfig = &types.TrafficConfig{Type: types.ContinuousDeploymentPolicyTypeSingleWeight,
		SingleWeightConfig: &types.ContinuousDeploymentSingleWeightConfig{Weight: aws.Float32(0.15),
			SessionStickinessConfig: &types.SessionStickinessConfig{IdleTTL: aws.Int32(300), MaximumTTL: aws.Int32(600)}}}
	_, err = cf.UpdateContinuousDeploymentPolicy(ctx, &cloudfront.UpdateContinuousDeploymentPolicyInput{Id: &polID, IfMatch: pol.ETag, ContinuousDeploymentPolicyConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	edge.RefreshDistributions()

	t.Run("weight", func(t *testing.T) {
		var session *http.Cookie
		steps := []struct {
			name    string
			advance time.Duration
			draw    string
			keep    bool // send the previous answer's cookie
			body    string
		}{
			{"draw 0.10 < 0.15: staging", 0, "0.10", false, "green"},
			{"the session stays on staging whatever the draw", 0, "0.99", true, "green"},
			{"299 s idle: still staging", 299 * time.Second, "0.99", true, "green"},
			{"another 299 s idle: still staging", 299 * time.Second, "0.99", true, "green"},
			{"600 s after the start: a new session, draw 0.99: primary", 2 * time.Second, "0.99", true, "blue"},
			{"then primary whatever the draw", 0, "0.01", true, "blue"},
			{"300 s idle: a new session, draw 0.01: staging", 300 * time.Second, "0.01", true, "green"},
			{"a viewer without the cookie draws again: 0.15 is primary", 0, "0.15", false, "blue"},
			{"a malformed cookie is a new session", 0, "0.01", false, "green"},
		}
		for i, s := range steps {
			clk.Advance(s.advance)
			var c *http.Cookie
			if s.keep {
				c = session
			}
			if i == len(steps)-1 {
				c = &http.Cookie{Name: edgecache.SessionCookie, Value: "x.s.1.2"}
			}
			a := get(t, host, "/page", c, "X-Draw", s.draw)
			if a.status != 200 || a.body != s.body {
				t.Errorf("%s: got %d %q, want 200 %q", s.name, a.status, a.body, s.body)
			}
			if a.cookie == nil || a.cookie.MaxAge <= 0 || a.cookie.MaxAge > 300 || !a.cookie.HttpOnly {
				t.Fatalf("%s: session cookie %v, want one with Max-Age 1–300", s.name, a.cookie)
			}
			session = a.cookie
		}
	})

	t.Run("promote", func(t *testing.T) {
		out, err := cf.UpdateDistributionWithStagingConfig(ctx, &cloudfront.UpdateDistributionWithStagingConfigInput{
			Id: &pid, StagingDistributionId: &sid, IfMatch: aws.String(aws.ToString(att.ETag) + ", " + aws.ToString(supd.ETag))})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Distribution.DistributionConfig.Comment) != "green" {
			t.Errorf("promoted Comment %q, want green", aws.ToString(out.Distribution.DistributionConfig.Comment))
		}
		edge.RefreshDistributions()
		// The policy is disabled: every request is the primary's, which
		// now has the staging config (its origin is green).
		for _, draw := range []string{"0.01", "0.99"} {
			if a := get(t, host, "/after-promotion-"+draw, nil, "X-Draw", draw); a.body != "green" || a.cookie != nil {
				t.Errorf("draw %s after promotion: %q cookie %v, want green from the primary and no cookie", draw, a.body, a.cookie)
			}
		}
	})
}
