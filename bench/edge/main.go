// Command edge runs a benchmark origin and the cfinv edge cache in front
// of it, for bench/edge/run.sh: the origin serves 1 KiB objects with
// Cache-Control max-age=3600, and the edge serves distribution EBENCH
// (Host: ebench.localhost) from it, with a response headers policy that
// adds the five security headers of the managed SecurityHeadersPolicy
// (-security=false leaves it out). -floor also starts a bare net/http
// handler that answers every request with the same 1 KiB and nothing
// else, the floor of any net/http server on the machine, and at
// /headers.html with the 14 headers of an edge hit, the floor of net/http
// with CloudFront's header set. -edge-fasthttp serves the same edge
// (the same cache) on fasthttp as well. -stats serves
// the process's allocation counters, for allocations per request.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgecache"
)

func main() {
	originAddr := flag.String("origin", "127.0.0.1:9180", "origin listen address")
	edgeAddr := flag.String("edge", "127.0.0.1:9181", "edge listen address")
	floorAddr := flag.String("floor", "", "bare net/http listen address (empty: none)")
	fastAddr := flag.String("edge-fasthttp", "", "listen address of the same edge on fasthttp (cfinv serve --edge-server fasthttp; empty: none)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the first -profile-time to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile to this file after -profile-time")
	profileTime := flag.Duration("profile-time", 10*time.Second, "how long -cpuprofile records")
	statsAddr := flag.String("stats", "", "listen address of GET /mallocs: the process's heap allocations so far (empty: none)")
	security := flag.Bool("security", true, "apply a response headers policy with the security headers")
	flag.Parse()

	body := strings.Repeat("x", 1024)
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Cache-Control", "max-age=3600")
		fmt.Fprint(w, body)
	})
	go func() { log.Fatal(http.ListenAndServe(*originAddr, origin)) }()
	if *floorAddr != "" {
		b := []byte(body)
		// /headers.html answers with a hit's 14 headers, set as the
		// edge sets them (one map assignment of a shared slice each):
		// the floor of net/http with CloudFront's header set.
		var hits [][2]string
		for _, kv := range strings.Split(hitHeaders, "\n") {
			k, v, _ := strings.Cut(kv, ": ")
			hits = append(hits, [2]string{k, v})
		}
		vals := make([][]string, len(hits))
		for i, kv := range hits {
			vals[i] = []string{kv[1]}
		}
		floor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/headers.html" {
				h := w.Header()
				for i, kv := range hits {
					h[kv[0]] = vals[i]
				}
			}
			w.Write(b)
		})
		go func() { log.Fatal(http.ListenAndServe(*floorAddr, floor)) }()
	}

	host, port, err := net.SplitHostPort(*originAddr)
	if err != nil {
		log.Fatal(err)
	}
	rhp, policies := "", map[string]*distconfig.Node(nil)
	if *security {
		n, err := distconfig.Parse(strings.NewReader(securityPolicy))
		if err != nil {
			log.Fatal(err)
		}
		rhp, policies = "<ResponseHeadersPolicyId>"+securityPolicyID+"</ResponseHeadersPolicyId>", map[string]*distconfig.Node{securityPolicyID: n}
	}
	cfg, err := distconfig.Parse(strings.NewReader(`<DistributionConfig><Origins><Quantity>1</Quantity><Items><Origin><Id>o</Id><DomainName>` +
		host + `</DomainName><CustomOriginConfig><HTTPPort>` + port + `</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig></Origin></Items></Origins>` +
		`<DefaultCacheBehavior><TargetOriginId>o</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId>` + rhp + `</DefaultCacheBehavior><Enabled>true</Enabled></DistributionConfig>`))
	if err != nil {
		log.Fatal(err)
	}
	p := &edgecache.Proxy{Distributions: edgecache.DistributionsFunc(func(context.Context) ([]edgecache.Distribution, error) {
		return []edgecache.Distribution{{ID: "EBENCH", DomainName: "dbench.cloudfront.net", Config: distconfig.View(cfg), Policies: policies}}, nil
	})}
	if *statsAddr != "" {
		stats := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Fprintf(w, "%d %d\n", m.Mallocs, m.TotalAlloc)
		})
		go func() { log.Fatal(http.ListenAndServe(*statsAddr, stats)) }()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		time.AfterFunc(*profileTime, func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				log.Fatal(err)
			}
			log.Printf("CPU profile written to %s", *cpuProfile)
		})
	}
	if *memProfile != "" {
		time.AfterFunc(*profileTime, func() {
			f, err := os.Create(*memProfile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
			}
			if err == nil {
				err = f.Close()
			}
			if err != nil {
				log.Fatal(err)
			}
			log.Printf("allocation profile written to %s", *memProfile)
		})
	}
	if *fastAddr != "" {
		ln, err := net.Listen("tcp", *fastAddr)
		if err != nil {
			log.Fatal(err)
		}
		go func() { log.Fatal(p.FastServer(nil).Serve(ln)) }()
	}
	log.Printf("origin %s, edge %s (Host: ebench.localhost)", *originAddr, *edgeAddr)
	log.Fatal(http.ListenAndServe(*edgeAddr, p))
}

// securityPolicyID and securityPolicy are the managed SecurityHeadersPolicy.
const securityPolicyID = "67f7725c-6f97-4210-82d7-5512b31e9d03"

const securityPolicy = `<ResponseHeadersPolicyConfig><Name>Managed-SecurityHeadersPolicy</Name><SecurityHeadersConfig>
<XSSProtection><Override>false</Override><Protection>true</Protection><ModeBlock>true</ModeBlock></XSSProtection>
<FrameOptions><Override>false</Override><FrameOption>SAMEORIGIN</FrameOption></FrameOptions>
<ReferrerPolicy><Override>false</Override><ReferrerPolicy>strict-origin-when-cross-origin</ReferrerPolicy></ReferrerPolicy>
<ContentTypeOptions><Override>true</Override></ContentTypeOptions>
<StrictTransportSecurity><Override>false</Override><IncludeSubdomains>false</IncludeSubdomains><Preload>false</Preload><AccessControlMaxAgeSec>31536000</AccessControlMaxAgeSec></StrictTransportSecurity>
</SecurityHeadersConfig></ResponseHeadersPolicyConfig>`

// hitHeaders are the headers of an edge hit in this benchmark (Date is
// net/http's own).
const hitHeaders = `Accept-Ranges: bytes
Age: 0
Cache-Control: max-age=3600
Content-Length: 1024
Content-Type: text/html
Referrer-Policy: strict-origin-when-cross-origin
Strict-Transport-Security: max-age=31536000
Via: 1.1 9f7332fd895e9c614db9d4e66608a8f1.cloudfront.net (CloudFront)
X-Amz-Cf-Id: aeDH-_ZWMiYqEkwxh0wSqt-iF1PsFPh5Gh8VilSLKo59Ua2i4eaLEw==
X-Amz-Cf-Pop: LCL50-C1
X-Cache: Hit from cloudfront
X-Content-Type-Options: nosniff
X-Frame-Options: SAMEORIGIN
X-Xss-Protection: 1; mode=block`
