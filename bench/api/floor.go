package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cfinv/cfinv/bench/internal/rig"
)

// The floor is a server that does no work: it answers every request of the
// benchmark with a fixed CloudFront response, checking no signature,
// parsing no body and storing nothing. What the driver reaches against it
// is the most any server can reach on this machine with this driver, the
// same way bench/client's bare SDK program is the client's floor. It runs
// in a child process (this program with -serve-floor), as the real servers
// do, so it competes with the driver for the CPUs as they do.

// serveFloor listens on addr, prints its URL on standard output and serves
// until killed.
func serveFloor(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())
	var n atomic.Int64
	const xmlns = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	invalidation := func(id, status string) string {
		return xmlns + `<Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>` + id + `</Id><Status>` + status +
			`</Status><CreateTime>2026-12-01T22:00:00.000Z</CreateTime><InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/bench/0.html</Path></Items></Paths><CallerReference>bench</CallerReference></InvalidationBatch></Invalidation>`
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("X-Amzn-Requestid", "8ac1a2c7-5b5a-4d62-9d1a-3a9c0c8f2b55")
		var body string
		status := http.StatusOK
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/invalidation"):
			id := fmt.Sprintf("I%013d", n.Add(1))
			w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/"+id)
			body, status = invalidation(id, "InProgress"), http.StatusCreated
		case r.Method == http.MethodPost:
			w.Header().Set("ETag", "E2QWRUHEXAMPLE")
			w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/EDFDVBD6EXAMPLE")
			body, status = xmlns+`<Distribution xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>EDFDVBD6EXAMPLE</Id><ARN>arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE</ARN><Status>Deployed</Status><LastModifiedTime>2026-12-01T22:00:00.000Z</LastModifiedTime><InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>d111111abcdef8.cloudfront.net</DomainName></Distribution>`, http.StatusCreated
		default:
			body = invalidation(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:], "Completed")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
	return (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
}

// startFloor runs serveFloor in a child process and returns its URL.
func startFloor() (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self, "-serve-floor", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start the floor server: %w", err)
	}
	stop := rig.Stopper(cmd)
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("the floor server printed no URL: %w", err)
	}
	return strings.TrimSpace(url), stop, nil
}
