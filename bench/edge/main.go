// Command edge runs a benchmark origin and the cfinv edge cache in front
// of it, for bench/edge/run.sh: the origin serves 1 KiB objects with
// Cache-Control max-age=3600, and the edge serves distribution EBENCH
// (Host: ebench.localhost) from it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgecache"
)

func main() {
	originAddr := flag.String("origin", "127.0.0.1:9180", "origin listen address")
	edgeAddr := flag.String("edge", "127.0.0.1:9181", "edge listen address")
	flag.Parse()

	body := strings.Repeat("x", 1024)
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Cache-Control", "max-age=3600")
		fmt.Fprint(w, body)
	})
	go func() { log.Fatal(http.ListenAndServe(*originAddr, origin)) }()

	host, port, err := net.SplitHostPort(*originAddr)
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := distconfig.Parse(strings.NewReader(`<DistributionConfig><Origins><Quantity>1</Quantity><Items><Origin><Id>o</Id><DomainName>` +
		host + `</DomainName><CustomOriginConfig><HTTPPort>` + port + `</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig></Origin></Items></Origins>` +
		`<DefaultCacheBehavior><TargetOriginId>o</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></DefaultCacheBehavior><Enabled>true</Enabled></DistributionConfig>`))
	if err != nil {
		log.Fatal(err)
	}
	p := &edgecache.Proxy{Distributions: edgecache.DistributionsFunc(func(context.Context) ([]edgecache.Distribution, error) {
		return []edgecache.Distribution{{ID: "EBENCH", DomainName: "dbench.cloudfront.net", Config: distconfig.View(cfg)}}, nil
	})}
	log.Printf("origin %s, edge %s (Host: ebench.localhost)", *originAddr, *edgeAddr)
	log.Fatal(http.ListenAndServe(*edgeAddr, p))
}
