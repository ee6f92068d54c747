package edgecache

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// stagingConfig is a distribution config whose one origin is the HTTP
// server at addr (host:port).
func stagingConfig(t *testing.T, addr string) distconfig.Config {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return distconfig.View(mustNode(t, `<DistributionConfig><CallerReference>x</CallerReference><Enabled>true</Enabled>`+
		`<Origins><Quantity>1</Quantity><Items><Origin><Id>app</Id><DomainName>`+host+`</DomainName>`+
		`<CustomOriginConfig><HTTPPort>`+port+`</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig>`+
		`</Origin></Items></Origins><DefaultCacheBehavior><TargetOriginId>app</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>`+
		`<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></DefaultCacheBehavior></DistributionConfig>`))
}

// TestStagingRouteOnBothServers checks a header-based continuous
// deployment policy on net/http and on fasthttp (issue 27): once the
// primary's object is cached, a request with the policy's header must
// still reach the staging distribution, never the fast path's hit of the
// primary.
func TestStagingRouteOnBothServers(t *testing.T) {
	for _, fast := range []bool{false, true} {
		t.Run(map[bool]string{false: "net/http", true: "fasthttp"}[fast], func(t *testing.T) {
			origin := func(name string) string {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Cache-Control", "max-age=600")
					io.WriteString(w, name)
				}))
				t.Cleanup(srv.Close)
				return strings.TrimPrefix(srv.URL, "http://")
			}
			blue, green := origin("blue"), origin("green")
			p := &Proxy{Distributions: DistributionsFunc(func(context.Context) ([]Distribution, error) {
				return []Distribution{
					{ID: "EPRIMARY", DomainName: "dprimary.cloudfront.net", Config: stagingConfig(t, blue),
						Staging: &StagingRoute{PolicyID: "p", Version: "1", StagingID: "ESTAGING", Header: "aws-cf-cd-color", Value: "green"}},
					{ID: "ESTAGING", DomainName: "dstaging.cloudfront.net", Config: stagingConfig(t, green), IsStaging: true},
				}, nil
			})}
			var url string
			if fast {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				srv := p.FastServer(nil)
				go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
				t.Cleanup(func() { srv.Shutdown(context.Background()) })
				url = "http://" + ln.Addr().String()
			} else {
				front := httptest.NewServer(p)
				t.Cleanup(front.Close)
				url = front.URL
			}
			steps := []struct {
				name, host, color, body, xcache string
				status                          int
			}{
				{"primary, miss", "dprimary.cloudfront.net", "", "blue", "Miss from cloudfront", 200},
				{"primary, hit", "dprimary.cloudfront.net", "", "blue", "Hit from cloudfront", 200},
				{"header: staging, miss", "dprimary.cloudfront.net", "green", "green", "Miss from cloudfront", 200},
				{"header: staging, hit", "dprimary.cloudfront.net", "green", "green", "Hit from cloudfront", 200},
				{"other value: primary, hit", "dprimary.cloudfront.net", "blue", "blue", "Hit from cloudfront", 200},
				{"the staging domain name", "dstaging.cloudfront.net", "", "", "Error from cloudfront", 403},
			}
			for _, s := range steps {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/x.txt", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = s.host
				req.Close = true // each on a new connection: a handed-off one stays with net/http
				if s.color != "" {
					req.Header.Set("aws-cf-cd-color", s.color)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got := fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("X-Cache"))
				want := fmt.Sprintf("%d %s", s.status, s.xcache)
				if got != want || (s.body != "" && string(b) != s.body) {
					t.Errorf("%s: got %s %q, want %s %q", s.name, got, b, want, s.body)
				}
			}
		})
	}
}
