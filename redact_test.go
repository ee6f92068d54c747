package cfinv

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestNothingPrintedCarriesASecret covers issue 10, item 6: a server that
// echoes the canonical request (x-amz-security-token included), the
// Authorization header and even the secret key in its SignatureDoesNotMatch
// message must not make cfinv print any of them: not in the error, not in
// the --debug log of the response body.
func TestNothingPrintedCarriesASecret(t *testing.T) {
	const secret, token = "hostile-test-secret-7f3a9c1e", "hostile/test+session=token-5b2d8e"
	var mu sync.Mutex
	var sigs []string
	sigRE := regexp.MustCompile(`Signature=([0-9a-f]{64})`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		if m := sigRE.FindStringSubmatch(auth); m != nil {
			sigs = append(sigs, m[1])
		}
		mu.Unlock()
		canon := "GET\n" + r.URL.Path + "\n\nhost:" + r.Host + "\nx-amz-date:" + r.Header.Get("X-Amz-Date") + "\nx-amz-security-token:" + r.Header.Get("X-Amz-Security-Token") + "\n"
		msg := "The request signature we calculated does not match the signature you provided. The Canonical String for this request should have been\n'" + canon +
			"'\nYou sent Authorization: " + auth + "\nwith secret " + secret + " (escaped: " + strings.ReplaceAll(canon, "\n", "&#xA;") + ")"
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>%s</Message></Error><RequestId>r1</RequestId></ErrorResponse>`, html.EscapeString(msg))
	}))
	defer srv.Close()
	testCredentials(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", token)
	for _, debug := range []bool{false, true} {
		t.Run(fmt.Sprintf("debug=%v", debug), func(t *testing.T) {
			var log bytes.Buffer
			var opts []Option
			if debug {
				opts = append(opts, WithDebugLog(&log))
			}
			c, _ := newTestClient(t, srv.URL, 1, opts...)
			_, err := c.Get(t.Context(), "E1", "I1")
			if err == nil {
				t.Fatal("Get succeeded against a server that refuses every signature")
			}
			printed := err.Error() + "\n" + log.String()
			if !strings.Contains(printed, "SignatureDoesNotMatch") || (debug && !strings.Contains(log.String(), "REDACTED")) {
				t.Fatalf("the check would prove nothing: %s", printed)
			}
			mu.Lock()
			secrets := map[string]string{"secret key": secret, "session token": token}
			for _, s := range sigs {
				secrets["signature "+s[:8]] = s
			}
			mu.Unlock()
			for what, s := range secrets {
				if strings.Contains(printed, s) || strings.Contains(printed, html.EscapeString(s)) {
					t.Errorf("printed text contains the %s:\n%s", what, printed)
				}
			}
		})
	}
}
