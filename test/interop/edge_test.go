package interop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// curlGet fetches url with curl, sending Host: host, and returns the
// X-Cache header and the body.
func curlGet(t *testing.T, url, host string) (xcache, body string) {
	t.Helper()
	curl := need(t, "curl", "install curl (apt-get install curl)")
	dir := t.TempDir()
	headers := filepath.Join(dir, "headers")
	out, errOut, code := run(t, cleanEnv(), dir, curl, "--silent", "--show-error", "--fail", "--dump-header", headers, "--header", "Host: "+host, url)
	if code != 0 {
		t.Fatalf("curl %s (Host: %s): exit %d: %s", url, host, code, errOut)
	}
	h, err := os.ReadFile(headers)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(h), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "X-Cache") {
			xcache = strings.TrimSpace(v)
		}
	}
	return xcache, out
}

// TestEdgePurgedByInvalidate is the edge's promise end to end with real
// clients: a distribution created by the AWS CLI's shorthand over an S3
// origin mapped to a local directory, curl through the edge (Miss, then
// Hit), a changed file still served from cache, `cfinv invalidate --wait`,
// and curl getting the new file; on each of the edge's HTTP servers
// (curl opens a connection per request, so on fasthttp every hit takes
// the fast path).
func TestEdgePurgedByInvalidate(t *testing.T) {
	t.Parallel()
	for _, server := range []string{"net/http", "fasthttp"} {
		t.Run(server, func(t *testing.T) { testEdgePurgedByInvalidate(t, server) })
	}
}

func testEdgePurgedByInvalidate(t *testing.T, server string) {
	site := t.TempDir()
	page := filepath.Join(site, "index.html")
	if err := os.WriteFile(page, []byte("version 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, "1s", "--s3-origin", "site-bucket="+site, "--edge-server", server)
	edge := srv.edgeURL(t)
	env := clientEnv(t, srv.URL)

	var created struct {
		Distribution struct{ Id, DomainName string }
	}
	decode(t, "create-distribution", mustAWS(t, env, srv, "create-distribution",
		"--origin-domain-name", "site-bucket.s3.amazonaws.com", "--default-root-object", "index.html"), &created)
	dist, domain := created.Distribution.Id, created.Distribution.DomainName

	steps := []struct {
		name, url, host, xcache, body string
		before                        func()
	}{
		{name: "first GET", url: edge + "/index.html", host: domain, xcache: "Miss from cloudfront", body: "version 1\n"},
		{name: "second GET", url: edge + "/index.html", host: domain, xcache: "Hit from cloudfront", body: "version 1\n"},
		{name: "ID.localhost host", url: edge + "/index.html", host: strings.ToLower(dist) + ".localhost", xcache: "Hit from cloudfront", body: "version 1\n"},
		// "/" is served from the default root object's cache entry, which
		// an invalidation of /index.html purges (as CloudFront documents).
		{name: "default root object", url: edge + "/", host: domain, xcache: "Hit from cloudfront", body: "version 1\n"},
		{name: "stale after deploy", url: edge + "/index.html", host: domain, xcache: "Hit from cloudfront", body: "version 1\n", before: func() {
			if err := os.WriteFile(page, []byte("version 2\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "after invalidate --wait", url: edge + "/index.html", host: domain, xcache: "Miss from cloudfront", body: "version 2\n", before: func() {
			out, errOut, code := run(t, env, "", cfinvBinary(t), "invalidate", "--endpoint-url", srv.URL, "--state-dir", t.TempDir(),
				"--distribution-id", domain, "--wait", "/index.html")
			if code != 0 || !strings.Contains(out, `"Status": "Completed"`) {
				t.Fatalf("cfinv invalidate --wait: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		}},
		{name: "hit on the new file", url: edge + "/index.html", host: domain, xcache: "Hit from cloudfront", body: "version 2\n"},
		{name: "root after invalidate", url: edge + "/", host: domain, xcache: "Hit from cloudfront", body: "version 2\n"},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		xcache, body := curlGet(t, st.url, st.host)
		if xcache != st.xcache || body != st.body {
			t.Fatalf("%s: got X-Cache %q body %q, want %q %q", st.name, xcache, body, st.xcache, st.body)
		}
	}
}
