package edgecache_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgecache"
)

// A distribution whose origin is a local server: the first request is a
// miss, the second a hit, and after an invalidation a miss again.
func Example() {
	version := 1
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s version %d", r.URL.Path, version)
	}))
	defer origin.Close()
	host, port, _ := strings.Cut(strings.TrimPrefix(origin.URL, "http://"), ":")

	cfg, err := distconfig.Parse(strings.NewReader(`<DistributionConfig>
  <Origins><Quantity>1</Quantity><Items><Origin><Id>web</Id><DomainName>` + host + `</DomainName>
    <CustomOriginConfig><HTTPPort>` + port + `</HTTPPort><HTTPSPort>443</HTTPSPort>
    <OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig></Origin></Items></Origins>
  <DefaultCacheBehavior><TargetOriginId>web</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>
    <CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></DefaultCacheBehavior>
  <Enabled>true</Enabled>
</DistributionConfig>`))
	if err != nil {
		fmt.Println(err)
		return
	}
	proxy := &edgecache.Proxy{Distributions: edgecache.DistributionsFunc(
		func(context.Context) ([]edgecache.Distribution, error) {
			return []edgecache.Distribution{{ID: "E1EXAMPLE", DomainName: "d1.cloudfront.net", Config: distconfig.View(cfg)}}, nil
		})}
	edge := httptest.NewServer(proxy)
	defer edge.Close()

	get := func() {
		req, _ := http.NewRequest(http.MethodGet, edge.URL+"/app.js", nil)
		req.Host = "e1example.localhost" // or d1.cloudfront.net, or an alias
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Printf("%s: %s\n", resp.Header.Get("X-Cache"), body)
	}
	get()
	version = 2
	get()
	if err := proxy.Purge(context.Background(), "E1EXAMPLE", []string{"/app*"}); err != nil {
		fmt.Println(err)
	}
	get()
	// Output:
	// Miss from cloudfront: /app.js version 1
	// Hit from cloudfront: /app.js version 1
	// Miss from cloudfront: /app.js version 2
}
