package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/sigv4"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// The handler benchmarks measure the server's own work per request, with no
// network, client or fsync: SigV4 verification, routing, decoding, the
// in-memory store, encoding and the request log (slog's text handler, as
// cfinv serve logs, writing to io.Discard). The requests are signed by
// aws-sdk-go-v2's signer before the timer starts.

const (
	benchKeyID  = "AKIDBENCHHANDLER0001"
	benchSecret = "bench-handler-secret"
)

// signedServer is the emulator over the in-memory store, checking
// signatures made with the bench key, with one distribution; it returns the
// handler and the distribution's ID.
func signedServer(b *testing.B) (http.Handler, string) {
	api := emulator.New(emulator.Options{
		Store:  store.NewMem(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth: &sigv4.Verifier{Lookup: func(id string) (string, bool) {
			return benchSecret, id == benchKeyID
		}},
	})
	h := api.Handler()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	cf := harness.SDK(srv.URL, harness.Credentials(benchKeyID, benchSecret, ""), harness.HTTPClient(srv.Client()))
	out, err := cf.CreateDistribution(b.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: sdkConfig("bench")})
	if err != nil {
		b.Fatal(err)
	}
	return h, *out.Distribution.Id
}

// signed returns a request signed like the SDK signs it.
func signed(b *testing.B, method, path string, body []byte) *http.Request {
	req := httptest.NewRequest(method, "http://127.0.0.1:8655"+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.41.0 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/cloudfront#1.60.0")
	req.Header.Set("Amz-Sdk-Invocation-Id", "8ac1a2c7-5b5a-4d62-9d1a-3a9c0c8f2b55")
	req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: benchKeyID, SecretAccessKey: benchSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}

// BenchmarkHandlerCreateInvalidation is one signed CreateInvalidation with
// one path, answered 201.
func BenchmarkHandlerCreateInvalidation(b *testing.B) {
	h, dist := signedServer(b)
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		body := fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Paths><Quantity>1</Quantity><Items><Path>/bench/*</Path></Items></Paths><CallerReference>bench-%d</CallerReference></InvalidationBatch>`, i)
		reqs[i] = signed(b, http.MethodPost, "/2020-05-31/distribution/"+dist+"/invalidation", body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, req := range reqs {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkHandlerGetInvalidation is one signed GetInvalidation, answered
// 200.
func BenchmarkHandlerGetInvalidation(b *testing.B) {
	h, dist := signedServer(b)
	body := []byte(`<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Paths><Quantity>1</Quantity><Items><Path>/bench/*</Path></Items></Paths><CallerReference>get</CallerReference></InvalidationBatch>`)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signed(b, http.MethodPost, "/2020-05-31/distribution/"+dist+"/invalidation", body))
	if w.Code != http.StatusCreated {
		b.Fatalf("status %d: %s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	path := loc[bytes.LastIndex([]byte(loc), []byte("/2020-05-31/")):]
	req := signed(b, http.MethodGet, path, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
