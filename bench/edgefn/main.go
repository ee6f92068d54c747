// Command edgefn measures cache hits through CloudFront Functions against
// plain hits of the same edge, in one run (issue 26: a hit through a
// viewer-request function within 2× a plain hit's latency and at 50 % of
// its throughput or more).
//
// With -serve it is the server: an origin (1 KiB text/html objects,
// Cache-Control max-age=3600) and the edgecache.Proxy in front of it
// serving distribution EBENCH (Host: ebench.localhost), whose behaviours
// are
//
//	default   no function                                   /about/index.html
//	/fn2/*    viewer-request index rewrite, cloudfront-js-2.0  /fn2/about/
//	/fn1/*    viewer-request index rewrite, cloudfront-js-1.0  /fn1/about/
//	/resp/*   viewer-response security headers, 2.0          /resp/about/index.html
//
// Without it, it is the driver: it starts each server binary given
// (-after, and -before: this program built from another commit) on
// loopback, primes every path (the second GET must be a hit), then runs
// rounds; each round measures every path of every server with -c
// concurrent keep-alive clients making -n GETs, in an order that rotates
// from round to round, and prints each path's median req/s, p50 and p99
// and the ratios of each function path to the plain hit of the same
// server in the same round.
//
//	go build -o /tmp/edgefn ./bench/edgefn
//	go run ./bench/edgefn -after /tmp/edgefn -before /tmp/edgefn-before -c 16 -n 4000 -rounds 5
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/cfinv/cfinv/bench/internal/rig"
	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgecache"
)

// The functions: the index rewrite of issue 26 in both runtimes, and
// security headers on viewer-response.
const (
	rewrite2 = `function handler(event) {
    const request = event.request;
    const uri = request.uri;
    if (uri.endsWith('/')) {
        request.uri += 'index.html';
    } else if (!uri.includes('.')) {
        request.uri += '/index.html';
    }
    return request;
}`
	rewrite1 = `function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri.endsWith('/')) {
        request.uri += 'index.html';
    } else if (!uri.includes('.')) {
        request.uri += '/index.html';
    }
    return request;
}`
	securityHeaders = `function handler(event) {
    const response = event.response;
    const headers = response.headers;
    headers['strict-transport-security'] = {value: 'max-age=63072000; includeSubdomains; preload'};
    headers['x-content-type-options'] = {value: 'nosniff'};
    headers['x-frame-options'] = {value: 'DENY'};
    headers['x-xss-protection'] = {value: '1; mode=block'};
    headers['referrer-policy'] = {value: 'same-origin'};
    return response;
}`
)

// target is a measured path and the X-Cache a primed GET of it answers.
type target struct{ name, path string }

var targets = []target{
	{"plain", "/about/index.html"},
	{"vreq-2.0", "/fn2/about/"},
	{"vreq-1.0", "/fn1/about/"},
	{"vresp-2.0", "/resp/about/index.html"},
}

func main() {
	serve := flag.Bool("serve", false, "be the server (origin and edge)")
	originAddr := flag.String("origin", "127.0.0.1:0", "-serve: origin listen address")
	edgeAddr := flag.String("edge", "127.0.0.1:0", "-serve: edge listen address")
	after := flag.String("after", "", "server binary (this program built) measured as \"after\"")
	before := flag.String("before", "", "server binary measured as \"before\" (empty: none)")
	n := flag.Int("n", 4000, "GETs per path per round")
	c := flag.Int("c", 16, "concurrent clients")
	rounds := flag.Int("rounds", 5, "rounds")
	cpuProfile := flag.String("cpuprofile", "", "-serve: write a CPU profile of the server's life to this file; driver: pass it to the \"after\" server")
	flag.Parse()
	if *serve {
		runServer(*originAddr, *edgeAddr, *cpuProfile)
		return
	}
	if *after == "" {
		log.Fatal("edgefn: -after is required (go build -o /tmp/edgefn ./bench/edgefn)")
	}
	servers := []string{"after"}
	bins := map[string]string{"after": *after}
	if *before != "" {
		servers = append(servers, "before")
		bins["before"] = *before
	}
	urls := map[string]string{}
	for _, s := range servers {
		args := []string{"-serve"}
		if s == "after" && *cpuProfile != "" {
			args = append(args, "-cpuprofile", *cpuProfile)
		}
		u, stop, err := start(bins[s], args...)
		if err != nil {
			log.Fatal(err)
		}
		defer stop()
		urls[s] = u
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *c, MaxConnsPerHost: *c, DisableCompression: true}}
	get := func(url string) (*http.Response, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Host = "ebench.localhost"
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return resp, err
	}
	for _, s := range servers {
		for _, tg := range targets {
			var resp *http.Response
			var err error
			for range 2 {
				if resp, err = get(urls[s] + tg.path); err != nil {
					log.Fatal(err)
				}
			}
			if x := resp.Header.Get("X-Cache"); x != "Hit from cloudfront" {
				log.Fatalf("%s %s: X-Cache %q after priming, want a hit", s, tg.path, x)
			}
			if tg.name == "vresp-2.0" && resp.Header.Get("X-Frame-Options") != "DENY" {
				log.Fatalf("%s %s: the viewer-response function did not run", s, tg.path)
			}
		}
	}
	fmt.Printf("== load average before: %s\n", rig.LoadAvg())
	type key struct{ server, target string }
	rows := map[key][]rig.Row{}
	var order []key
	for _, s := range servers {
		for _, tg := range targets {
			order = append(order, key{s, tg.name})
		}
	}
	path := map[string]string{}
	for _, tg := range targets {
		path[tg.name] = tg.path
	}
	for r := range *rounds {
		line := fmt.Sprintf("round %d:", r+1)
		for _, k := range order {
			url := urls[k.server] + path[k.target]
			row, err := rig.Measure(*n, *c, func(int) error { _, err := get(url); return err })
			if err != nil {
				log.Fatalf("%s %s: %v", k.server, k.target, err)
			}
			rows[k] = append(rows[k], row)
			line += fmt.Sprintf(" %s/%s %.0f", k.server, k.target, row.RPS)
		}
		fmt.Println(line)
		order = append(order[1:], order[0]) // rotate
	}
	fmt.Printf("== load average after: %s\n", rig.LoadAvg())
	fmt.Printf("== %d GETs per path per round, %d clients, %d rounds interleaved; medians over the rounds\n", *n, *c, *rounds)
	fmt.Println("| server | path | req/s | p50 | p99 | req/s ÷ plain | p50 ÷ plain | p99 ÷ plain |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range servers {
		plain := rows[key{s, "plain"}]
		for _, tg := range targets {
			rs := rows[key{s, tg.name}]
			var rps, p50, p99, rr, r50, r99 []float64
			for i, row := range rs {
				rps = append(rps, row.RPS)
				p50 = append(p50, float64(row.P50))
				p99 = append(p99, float64(row.P99))
				rr = append(rr, row.RPS/plain[i].RPS)
				r50 = append(r50, float64(row.P50)/float64(plain[i].P50))
				r99 = append(r99, float64(row.P99)/float64(plain[i].P99))
			}
			ratio := func(v []float64) string {
				return fmt.Sprintf("%.2f (%.2f–%.2f)", rig.Median(v), slices.Min(v), slices.Max(v))
			}
			fmt.Printf("| %s | %s `%s` | %.0f | %s | %s | %s | %s | %s |\n", s, tg.name, tg.path, rig.Median(rps),
				time.Duration(rig.Median(p50)).Round(time.Microsecond), time.Duration(rig.Median(p99)).Round(time.Microsecond),
				ratio(rr), ratio(r50), ratio(r99))
		}
	}
}

// start runs bin -serve and returns the edge's URL once it listens.
func start(bin string, args ...string) (string, func(), error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start %s: %w", bin, err)
	}
	stop := rig.Stopper(cmd)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("%s -serve: %w", bin, err)
	}
	return "http://" + strings.TrimSpace(line), stop, nil
}

// runServer serves the origin and the edge and prints the edge's address.
func runServer(originAddr, edgeAddr, cpuProfile string) {
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		// The driver stops the server with SIGINT.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		go func() {
			<-sig
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				log.Fatal(err)
			}
			os.Exit(0)
		}()
	}
	body := strings.Repeat("x", 1024)
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Cache-Control", "max-age=3600")
		fmt.Fprint(w, body)
	})
	ol, err := net.Listen("tcp", originAddr)
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.Serve(ol, origin)) }()
	host, port, _ := net.SplitHostPort(ol.Addr().String())
	assoc := func(ev, name string) string {
		return `<FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>arn:aws:cloudfront::123456789012:function/` +
			name + `</FunctionARN><EventType>` + ev + `</EventType></FunctionAssociation></Items></FunctionAssociations>`
	}
	behavior := func(pattern, assocXML string) string {
		return `<CacheBehavior><PathPattern>` + pattern + `</PathPattern><TargetOriginId>o</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>` +
			`<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId>` + assocXML + `</CacheBehavior>`
	}
	cfg, err := distconfig.Parse(strings.NewReader(`<DistributionConfig><Origins><Quantity>1</Quantity><Items><Origin><Id>o</Id><DomainName>` +
		host + `</DomainName><CustomOriginConfig><HTTPPort>` + port + `</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig></Origin></Items></Origins>` +
		`<DefaultCacheBehavior><TargetOriginId>o</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></DefaultCacheBehavior>` +
		`<CacheBehaviors><Quantity>3</Quantity><Items>` +
		behavior("/fn2/*", assoc("viewer-request", "rewrite2")) +
		behavior("/fn1/*", assoc("viewer-request", "rewrite1")) +
		behavior("/resp/*", assoc("viewer-response", "headers")) +
		`</Items></CacheBehaviors><Enabled>true</Enabled></DistributionConfig>`))
	if err != nil {
		log.Fatal(err)
	}
	fns := map[string]edgecache.FunctionCode{
		"rewrite2": {Runtime: "cloudfront-js-2.0", Code: []byte(rewrite2), ETag: "E2REWRITE"},
		"rewrite1": {Runtime: "cloudfront-js-1.0", Code: []byte(rewrite1), ETag: "E1REWRITE"},
		"headers":  {Runtime: "cloudfront-js-2.0", Code: []byte(securityHeaders), ETag: "E2HEADERS"},
	}
	p := &edgecache.Proxy{Distributions: edgecache.DistributionsFunc(func(context.Context) ([]edgecache.Distribution, error) {
		return []edgecache.Distribution{{ID: "EBENCH", DomainName: "dbench.cloudfront.net", Config: distconfig.View(cfg), Functions: fns}}, nil
	})}
	el, err := net.Listen("tcp", edgeAddr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(el.Addr().String())
	log.Fatal(http.Serve(el, p))
}
