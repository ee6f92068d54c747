package emulator_test

import (
	"bytes"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/sigv4"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// teeClient is an SDK HTTP client that keeps every response body it reads.
type teeClient struct {
	c      *http.Client
	mu     sync.Mutex
	bodies []string
}

func (t *teeClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := t.c.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.bodies = append(t.bodies, string(b))
	t.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// TestSignatureErrorsHoldNoSecrets covers cfinv issue 10: a request signed
// with a wrong secret and a session token got a SignatureDoesNotMatch whose
// message quoted the canonical request, x-amz-security-token included.
// Neither the response nor the server's log may hold the token, the secret
// key (the client's or the server's) or the signature.
func TestSignatureErrorsHoldNoSecrets(t *testing.T) {
	const (
		keyID       = "AKIDSECRETSCAN"
		goodSecret  = "serverSECRETserverSECRETserverSECRET00"
		wrongSecret = "clientWRONGclientWRONGclientWRONG0000"
		token       = "FwoGZXIvYXdzEBYaDOKENsessionTOKENvalue//////////+/=="
	)
	logs := &harness.Buffer{}
	h := emulator.New(emulator.Options{
		Store:  store.NewMem(),
		Now:    harness.NewClock(t0).Now,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Auth: &sigv4.Verifier{
			// Now is left nil: the SDK signs with the real clock, and
			// nothing here waits on it.
			Lookup: func(id string) (string, bool) { return goodSecret, id == keyID },
		},
	}).Handler()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tee := &teeClient{c: srv.Client()}
	cf := harness.SDK(srv.URL, harness.Credentials(keyID, wrongSecret, token), harness.HTTPClient(tee))
	f := &fixture{t: t, cf: cf}
	var sdkErrs []string
	_, err := f.invalidate("E1EXAMPLE", "ref", "/index.html")
	wantAPIErr(t, err, "SignatureDoesNotMatch", http.StatusForbidden)
	sdkErrs = append(sdkErrs, err.Error())
	_, err = cf.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: aws.String("E1EXAMPLE")})
	wantAPIErr(t, err, "SignatureDoesNotMatch", http.StatusForbidden)
	sdkErrs = append(sdkErrs, err.Error())

	tee.mu.Lock()
	// Unescaped, so a secret cannot hide behind XML character references.
	bodies := html.UnescapeString(strings.Join(tee.bodies, "\n"))
	tee.mu.Unlock()
	if !strings.Contains(bodies, "x-amz-security-token:"+sigv4.Redacted) {
		t.Errorf("response does not show the canonical request with the token redacted:\n%s", bodies)
	}
	for what, text := range map[string]string{"response body": bodies, "server log": logs.String(), "SDK error": strings.Join(sdkErrs, "\n")} {
		for _, secret := range []string{token, wrongSecret, goodSecret, "Signature="} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds %q:\n%s", what, secret, text)
			}
		}
	}
	if logs.String() == "" {
		t.Errorf("server logged nothing; the check above proved nothing")
	}
}
