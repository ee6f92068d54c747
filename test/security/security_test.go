// Package security checks, against a real `cfinv serve` process and real
// `cfinv invalidate` runs, that nobody unauthenticated gets in, that hostile
// bytes get a 4xx and never a 500, a panic or unbounded memory, that serve
// stays on loopback unless told otherwise, and that no secret ends up in
// output, logs or files.
package security

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cfinv/cfinv/internal/cli"
	"github.com/cfinv/cfinv/test/harness"
)

type errorResponse struct {
	Type      string `xml:"Error>Type"`
	Code      string `xml:"Error>Code"`
	Message   string `xml:"Error>Message"`
	RequestID string `xml:"RequestId"`
}

// server starts one serve process for a test and creates a distribution.
func server(t *testing.T) (*harness.Server, string) {
	t.Helper()
	home := t.TempDir()
	srv := harness.StartServe(t, harness.Binary(t), filepath.Join(home, "data"), harness.Env(home), "--addr", "127.0.0.1:0", "--completion-delay", "0s")
	dist, err := harness.CreateDistribution(t.Context(), harness.SDK(srv.URL), "security")
	if err != nil {
		t.Fatal(err)
	}
	return srv, dist
}

// sign signs req over body with the given key pair at when.
func sign(t *testing.T, req *http.Request, body []byte, id, secret string, when time.Time) {
	t.Helper()
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", when); err != nil {
		t.Fatal(err)
	}
}

func do(t *testing.T, req *http.Request) (int, errorResponse, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var e errorResponse
	_ = xml.Unmarshal(body, &e)
	return resp.StatusCode, e, string(body)
}

func batch(ref string, paths ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>%s</CallerReference><Paths><Quantity>%d</Quantity><Items>`, ref, len(paths))
	for _, p := range paths {
		fmt.Fprintf(&b, "<Path>%s</Path>", p)
	}
	b.WriteString("</Items></Paths></InvalidationBatch>")
	return []byte(b.String())
}

func TestAuthentication(t *testing.T) {
	srv, dist := server(t)
	createURL := srv.URL + "/2020-05-31/distribution/" + dist + "/invalidation"
	now := time.Now()
	tests := []struct {
		name     string
		build    func() *http.Request
		status   int
		code     string
		msgMatch string
	}{
		{"signed correctly", func() *http.Request {
			body := batch("ok-1", "/a")
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(body))
			sign(t, r, body, harness.AccessKeyID, harness.SecretAccessKey, now)
			return r
		}, http.StatusCreated, "", ""},
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(batch("unsigned", "/a")))
			return r
		}, http.StatusForbidden, "MissingAuthenticationToken", ""},
		{"unsigned read", func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, srv.URL+"/2020-05-31/distribution", nil)
			return r
		}, http.StatusForbidden, "MissingAuthenticationToken", ""},
		{"wrong secret", func() *http.Request {
			body := batch("wrong", "/a")
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(body))
			sign(t, r, body, harness.AccessKeyID, "not-the-secret", now)
			return r
		}, http.StatusForbidden, "SignatureDoesNotMatch", ""},
		{"expired", func() *http.Request {
			body := batch("expired", "/a")
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(body))
			sign(t, r, body, harness.AccessKeyID, harness.SecretAccessKey, now.Add(-10*time.Minute))
			return r
		}, http.StatusForbidden, "SignatureDoesNotMatch", "Signature expired"},
		{"from the future", func() *http.Request {
			body := batch("future", "/a")
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(body))
			sign(t, r, body, harness.AccessKeyID, harness.SecretAccessKey, now.Add(10*time.Minute))
			return r
		}, http.StatusForbidden, "SignatureDoesNotMatch", ""},
		{"replayed with an altered body", func() *http.Request {
			signed := batch("replay", "/a")
			altered := batch("replay", "/*")
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(signed))
			sign(t, r, signed, harness.AccessKeyID, harness.SecretAccessKey, now)
			r.Body = io.NopCloser(bytes.NewReader(altered))
			r.ContentLength = int64(len(altered))
			return r
		}, http.StatusForbidden, "SignatureDoesNotMatch", ""},
		{"replayed to another distribution", func() *http.Request {
			body := batch("moved", "/a")
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(body))
			sign(t, r, body, harness.AccessKeyID, harness.SecretAccessKey, now)
			r.URL.Path = "/2020-05-31/distribution/EOTHERDIST0001/invalidation"
			return r
		}, http.StatusForbidden, "SignatureDoesNotMatch", ""},
		{"unknown access key", func() *http.Request {
			body := batch("unknown", "/a")
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(body))
			sign(t, r, body, "AKIAUNKNOWNKEY000000", harness.SecretAccessKey, now)
			return r
		}, http.StatusForbidden, "InvalidClientTokenId", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e, body := do(t, tt.build())
			if status != tt.status || e.Code != tt.code {
				t.Fatalf("got %d %q, want %d %q\n%s", status, e.Code, tt.status, tt.code, body)
			}
			if tt.code != "" && (e.Type != "Sender" || e.RequestID == "") {
				t.Errorf("got Type %q RequestId %q, want Sender and an id", e.Type, e.RequestID)
			}
			if !strings.Contains(e.Message, tt.msgMatch) {
				t.Errorf("got message %q, want it to contain %q", e.Message, tt.msgMatch)
			}
		})
	}
	// Nothing refused was created: only the correctly signed batch exists.
	invs, err := harness.Snapshot(t.Context(), harness.SDK(srv.URL), []string{dist})
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 1 || invs[0].CallerReference != "ok-1" {
		t.Errorf("got invalidations %+v, want only ok-1", invs)
	}
}

// rss returns the resident set size of pid in bytes.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no VmRSS in /proc/%d/status", pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

func TestHostileBodies(t *testing.T) {
	srv, dist := server(t)
	createURL := srv.URL + "/2020-05-31/distribution/" + dist + "/invalidation"
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
		`<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">` +
		`<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>` +
		`<InvalidationBatch><CallerReference>&lol9;</CallerReference><Paths><Quantity>1</Quantity><Items><Path>/&lol9;</Path></Items></Paths></InvalidationBatch>`
	deep := "<InvalidationBatch>" + strings.Repeat("<a>", 200000) + strings.Repeat("</a>", 200000) + "</InvalidationBatch>"
	manyPaths := batch("many", func() []string {
		ps := make([]string, 3001)
		for i := range ps {
			ps[i] = fmt.Sprintf("/m%d", i)
		}
		return ps
	}()...)
	tests := []struct {
		name   string
		body   []byte
		signed bool
	}{
		{"oversized, signed", bytes.Repeat([]byte("<a>"), 3<<20), true},
		{"oversized, unsigned", bytes.Repeat([]byte("A"), 8<<20), false},
		{"deep nesting", []byte(deep), true},
		{"billion laughs", []byte(laughs), true},
		{"external entity", []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><InvalidationBatch><CallerReference>&e;</CallerReference></InvalidationBatch>`), true},
		{"binary garbage", []byte("\x00\xff\xfe<\x01InvalidationBatch\x00"), true},
		{"invalid UTF-8 path", batch("utf8", "/\xff\xfe"), true},
		{"huge quantity", []byte(`<InvalidationBatch><CallerReference>q</CallerReference><Paths><Quantity>99999999999999999999</Quantity></Paths></InvalidationBatch>`), true},
		{"negative quantity", []byte(`<InvalidationBatch><CallerReference>n</CallerReference><Paths><Quantity>-1</Quantity></Paths></InvalidationBatch>`), true},
		{"too many paths", manyPaths, true},
		{"path too long", batch("long", "/"+strings.Repeat("x", 5000)), true},
		{"empty", nil, true},
		{"unclosed", []byte("<InvalidationBatch><CallerReference>x"), true},
	}
	before := rss(t, srv.Pid())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(tt.body))
			if tt.signed {
				sign(t, r, tt.body, harness.AccessKeyID, harness.SecretAccessKey, time.Now())
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				// An oversized body may be refused before it is all sent;
				// the answer must still have been a 4xx, checked below by
				// the server staying healthy.
				if !strings.Contains(tt.name, "oversized") {
					t.Fatalf("got %v, want a 4xx answer", err)
				}
				return
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			var e errorResponse
			if resp.StatusCode < 400 || resp.StatusCode > 499 {
				t.Fatalf("got %d, want a 4xx\n%.500s", resp.StatusCode, body)
			}
			if err := xml.Unmarshal(body, &e); err != nil || e.Code == "" {
				t.Errorf("got body %.300q, want a CloudFront XML error", body)
			}
			t.Logf("%d %s", resp.StatusCode, e.Code)
		})
	}
	// Still alive and still correct.
	body := batch("after", "/still-alive")
	r, _ := http.NewRequest(http.MethodPost, createURL, bytes.NewReader(body))
	sign(t, r, body, harness.AccessKeyID, harness.SecretAccessKey, time.Now())
	if status, e, b := do(t, r); status != http.StatusCreated {
		t.Errorf("after the hostile bodies: got %d %s, want 201\n%s", status, e.Code, b)
	}
	if grown := rss(t, srv.Pid()) - before; grown > 64<<20 {
		t.Errorf("serve's RSS grew by %d MiB over the hostile bodies, want under 64 MiB", grown>>20)
	}
	if strings.Contains(srv.Stderr.String(), "panic") {
		t.Errorf("serve logged a panic:\n%s", srv.Stderr.String())
	}
}

// TestSlowLoris checks that serve drops a client that never finishes its
// headers instead of holding the connection open forever.
func TestSlowLoris(t *testing.T) {
	t.Parallel()
	srv, _ := server(t)
	u, _ := url.Parse(srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /2020-05-31/distribution HTTP/1.1\r\nHost: "+u.Host+"\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	// serve's ReadHeaderTimeout is 10s; give it 20s before calling it a hang.
	if err := conn.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("serve kept a connection with unfinished headers open for %v", time.Since(start).Round(time.Second))
	}
	t.Logf("serve closed the slow connection after %v", time.Since(start).Round(100*time.Millisecond))
}

func TestServeStaysOnLoopback(t *testing.T) {
	host, _, err := net.SplitHostPort(cli.DefaultServeAddr)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("default --addr %q is not a loopback address", cli.DefaultServeAddr)
	}
	bin := harness.Binary(t)
	out, err := harness.CombinedOutput(exec.Command(bin, "serve", "--help"))
	if err != nil || !strings.Contains(string(out), `(default "`+cli.DefaultServeAddr+`")`) {
		t.Errorf("serve --help does not show the loopback default %s: %v\n%s", cli.DefaultServeAddr, err, out)
	}
	for _, tt := range []struct {
		addr     string
		wantWarn bool
	}{
		{"127.0.0.1:0", false},
		{"[::1]:0", false},
		{"0.0.0.0:0", true},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			home := t.TempDir()
			srv := harness.StartServe(t, bin, filepath.Join(home, "data"), harness.Env(home), "--addr", tt.addr)
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(srv.Stderr.String(), "Warning: listening on")
			if warned != tt.wantWarn {
				t.Errorf("got warning=%v, want %v; stderr:\n%s", warned, tt.wantWarn, srv.Stderr.String())
			}
		})
	}
}

// recorder is a reverse proxy that remembers every signature and token the
// client sent, to look for them later where they must not be.
type recorder struct {
	next    http.Handler
	mu      sync.Mutex
	secrets map[string]bool
}

var signatureRE = regexp.MustCompile(`Signature=([0-9a-f]{64})`)

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	if m := signatureRE.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		r.secrets[m[1]] = true
	}
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

func TestNoSecretsLeak(t *testing.T) {
	bin := harness.Binary(t)
	home := t.TempDir()
	env := harness.Env(home, "AWS_SESSION_TOKEN="+harness.SessionToken)
	dataDir := filepath.Join(home, "data")
	srv := harness.StartServe(t, bin, dataDir, env, "--addr", "127.0.0.1:0", "--completion-delay", "200ms")
	dist, err := harness.CreateDistribution(t.Context(), harness.SDK(srv.URL), "secrets")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	rec := &recorder{secrets: map[string]bool{}, next: &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host
	}}}
	front := httptest.NewServer(rec)
	defer front.Close()

	stateDir := filepath.Join(home, "state")
	var outputs bytes.Buffer
	runs := [][]string{
		{"invalidate", "--debug", "--endpoint-url", front.URL, "--distribution-id", dist, "--deploy-id", "leak-1", "--wait", "--timeout", "30s", "--state-dir", stateDir, "/a", "/b/*"},
		{"list", "--debug", "--endpoint-url", front.URL, "--distribution-id", dist},
		{"invalidate", "--debug", "--endpoint-url", front.URL, "--distribution-id", "ENOSUCHDIST001", "--deploy-id", "leak-2", "--state-dir", stateDir, "/c"},
	}
	for _, args := range runs {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &outputs, &outputs
		err := harness.Run(cmd)
		if args[0] == "invalidate" && args[5] == dist && err != nil {
			t.Fatalf("cfinv %s: %v\n%s", strings.Join(args, " "), err, outputs.String())
		}
	}
	if !strings.Contains(outputs.String(), "REDACTED") && !strings.Contains(outputs.String(), "Authorization") {
		t.Errorf("--debug printed no request headers at all; the check below would prove nothing:\n%.2000s", outputs.String())
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	secrets := map[string]string{"secret access key": harness.SecretAccessKey, "session token": harness.SessionToken}
	for sig := range rec.secrets {
		secrets["signature "+sig[:8]+"…"] = sig
	}
	rec.mu.Unlock()
	if len(secrets) < 5 {
		t.Fatalf("recorded only %d signatures; the client did not talk to the proxy", len(secrets)-2)
	}
	places := map[string]string{"cfinv output (stdout and stderr, --debug)": outputs.String(), "serve log": srv.Stderr.String()}
	for name, text := range places {
		for what, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the %s", name, what)
			}
		}
	}
	// Files: the journal, serve's data directory, everything under HOME.
	var files int
	err = filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for what, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains the %s", p, what)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if written, err := filepath.Glob(filepath.Join(stateDir, "journal", "*", "*.jsonl")); err != nil || len(written) == 0 {
		t.Errorf("no journal was written, so the file scan proves little: %v", err)
	}
	t.Logf("scanned %d files, serve log and cfinv --debug output for the secret, the session token and %d signatures", files, len(secrets)-2)
}

// TestNoSecretsLeakWithWrongSecret covers issue 10, item 6: with a wrong
// secret key and a session token, the server's SignatureDoesNotMatch
// message may echo the canonical request, x-amz-security-token included.
// Nothing cfinv prints — the error, --debug's request and response logs —
// may carry the secret, the token or a signature, whatever the server sends
// back. Checked against a real `cfinv serve` and against a hostile server
// that echoes every credential it can see.
func TestNoSecretsLeakWithWrongSecret(t *testing.T) {
	bin := harness.Binary(t)
	home := t.TempDir()
	srv := harness.StartServe(t, bin, filepath.Join(home, "data"), harness.Env(home), "--addr", "127.0.0.1:0", "--completion-delay", "0s")
	dist, err := harness.CreateDistribution(t.Context(), harness.SDK(srv.URL), "wrong-secret")
	if err != nil {
		t.Fatal(err)
	}
	const wrongSecret = "cfinv-security-wrong-secret-0c9b8a7d6e5f4a3b2c1d"
	u, _ := url.Parse(srv.URL)
	hostile := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		fmt.Fprintf(&b, "The request signature we calculated does not match the signature you provided. The Canonical String for this request should have been\n'%s\n%s\n\n", r.Method, r.URL.Path)
		for _, h := range []string{"Host", "X-Amz-Date", "X-Amz-Security-Token"} {
			fmt.Fprintf(&b, "%s:%s\n", strings.ToLower(h), r.Header.Get(h))
		}
		fmt.Fprintf(&b, "'\nAuthorization: %s\ntoken %s secret %s", r.Header.Get("Authorization"), r.Header.Get("X-Amz-Security-Token"), wrongSecret)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>`)
		_ = xml.EscapeText(w, []byte(b.String()))
		fmt.Fprint(w, `</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
	})
	servers := map[string]http.Handler{
		"cfinv serve": &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = r.In.Host }},
		"hostile":     hostile,
	}
	env := harness.Env(home, "AWS_SECRET_ACCESS_KEY="+wrongSecret, "AWS_SESSION_TOKEN="+harness.SessionToken)
	for name, next := range servers {
		for _, debug := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, debug=%v", name, debug), func(t *testing.T) {
				rec := &recorder{secrets: map[string]bool{}, next: next}
				front := httptest.NewServer(rec)
				defer front.Close()
				var outputs bytes.Buffer
				for _, args := range [][]string{
					{"invalidate", "--endpoint-url", front.URL, "--distribution-id", dist, "--state-dir", filepath.Join(home, "state"), "/a"},
					{"list", "--endpoint-url", front.URL, "--distribution-id", dist},
				} {
					if debug {
						args = append(args, "--debug")
					}
					cmd := exec.Command(bin, args...)
					cmd.Env = env
					cmd.Stdout, cmd.Stderr = &outputs, &outputs
					err := harness.Run(cmd)
					var ee *exec.ExitError
					if !errors.As(err, &ee) || ee.ExitCode() != cli.ExitAuth {
						t.Errorf("cfinv %s: got %v, want exit code %d\n%s", args[0], err, cli.ExitAuth, outputs.String())
					}
				}
				out := outputs.String()
				if !strings.Contains(out, "SignatureDoesNotMatch") {
					t.Fatalf("no SignatureDoesNotMatch in the output; the check below would prove nothing:\n%s", out)
				}
				rec.mu.Lock()
				secrets := map[string]string{"secret access key": wrongSecret, "session token": harness.SessionToken}
				for sig := range rec.secrets {
					secrets["signature "+sig[:8]+"…"] = sig
				}
				rec.mu.Unlock()
				if len(secrets) < 3 {
					t.Fatalf("recorded no signature; the client did not talk to the server")
				}
				for what, s := range secrets {
					if strings.Contains(out, s) {
						t.Errorf("cfinv output contains the %s:\n%s", what, out)
					}
				}
			})
		}
	}
}
