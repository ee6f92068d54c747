// Package sigv4 verifies AWS Signature Version 4 on incoming requests, the
// way CloudFront does, for cfinv serve.
//
// A Verifier rebuilds the canonical request from what arrived on the wire
// (exactly the headers named in SignedHeaders, the path as sent, the sorted
// query, the SHA-256 of the body) and compares the signature it derives from
// the secret key with the one the client sent. Failures are *Error values
// carrying the code, message and HTTP status AWS uses for the same failure,
// checked in AWS's order: missing authentication, malformed signature, unknown
// access key, request time, credential scope, signature.
//
// Both header authentication (Authorization: AWS4-HMAC-SHA256 …) and
// presigned query authentication (X-Amz-Algorithm=…&X-Amz-Signature=…) are
// accepted. Session tokens (X-Amz-Security-Token) are covered by the signature
// like any other signed header, but they are not validated: there is no STS
// here, so a request signed with temporary credentials is authentic when its
// access key ID is known and the signature matches. The payload hash is the
// body's SHA-256, or the value of X-Amz-Content-Sha256 when the client sends
// one; a hex hash there must then match the body (UNSIGNED-PAYLOAD is taken
// as the client's choice not to sign the body).
//
// Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	service    = "cloudfront"
	// StrictRegionName is the region StrictRegion accepts when Verifier.Region
	// is empty: CloudFront is a global service signed for us-east-1.
	StrictRegionName = "us-east-1"
	timeFormat       = "20060102T150405Z"
	// MaxSkew is how far the request time may be from the server's clock.
	MaxSkew = 5 * time.Minute
)

// Verifier checks SigV4 signatures against a set of known keys.
type Verifier struct {
	// Lookup returns the secret access key for an access key ID.
	Lookup func(accessKeyID string) (secret string, ok bool)
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
	// StrictRegion demands Region in the credential scope, as real
	// CloudFront (always us-east-1) and S3 (the bucket's region) do. Off by
	// default because SDKs given an endpoint override sign for whatever
	// region they are configured with. A mismatch fails as the service
	// does: CloudFront's SignatureDoesNotMatch (403), or, with Service
	// "s3", AuthorizationHeaderMalformed (AuthorizationQueryParametersError
	// for a presigned URL), 400, naming the region expected in the message
	// and in Error.Region.
	StrictRegion bool
	// Region is the region StrictRegion demands; "" means us-east-1
	// (StrictRegionName).
	Region string
	// RegionFor, if set, is the region StrictRegion demands of r, whose
	// credential scope names scope: S3 demands the region of the bucket
	// r is for. "" means Region.
	RegionFor func(r *http.Request, scope string) string
	// Service is the signing name a credential scope must hold: "" means
	// "cloudfront". With "s3" the canonical URI follows S3's rules (the path
	// is encoded once and never normalised).
	Service string

	// keys caches derived signing keys: four HMACs per request saved, as a
	// client's key, date and region repeat from request to request.
	keys signingKeys
}

// signingKeys is a small cache of derived signing keys by secret and
// scope. It is emptied when full, so made-up scopes cannot grow it.
type signingKeys struct {
	mu sync.Mutex
	m  map[string][]byte
}

// maxSigningKeys bounds the cache.
const maxSigningKeys = 64

// get returns the signing key of secret for the scope, deriving it on a
// miss.
func (c *signingKeys) get(secret, date, region, svc string) []byte {
	id := secret + "\x00" + date + "\x00" + region + "\x00" + svc
	c.mu.Lock()
	k, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return k
	}
	k = signingKey(secret, date, region, svc)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxSigningKeys {
		c.m = make(map[string][]byte, maxSigningKeys)
	}
	c.m[id] = k
	c.mu.Unlock()
	return k
}

// credential is what a request claims about who signed it and how.
type credential struct {
	accessKeyID   string
	scopeDate     string // yyyymmdd
	region        string
	service       string
	amzDate       string // yyyymmddThhmmssZ
	when          time.Time
	signedHeaders []string
	signedRaw     string // SignedHeaders exactly as sent
	signature     string
	payload       string // the payload hash the canonical request ends with
	presigned     bool
	expires       time.Duration // presigned only; 0 when absent
}

// Authenticate reports whether r, whose body has already been read into
// body, carries a valid SigV4 signature. It returns nil when the request is
// authentic and an *Error otherwise.
//
// An *Error's Message never holds a secret: session tokens, signatures and
// the secret key are replaced by Redacted wherever a message would quote the
// request (the canonical request of a SignatureDoesNotMatch, the
// Authorization header of an IncompleteSignature), so a server may send and
// log it as it is (cfinv issue 10).
func (v *Verifier) Authenticate(r *http.Request, body []byte) error {
	_, secret, err := v.authenticate(r, func(c *credential) (string, error) { return payloadHash(r, body, c.presigned), nil })
	if err == nil {
		err = checkClaimedHash(r, body)
	}
	if err != nil {
		return scrub(err, r, secret)
	}
	return nil
}

// authenticate checks r's signature; payload gives the hash its canonical
// request ends with. It returns the credential and the secret it was
// checked with.
func (v *Verifier) authenticate(r *http.Request, payload func(*credential) (string, error)) (c *credential, secret string, err error) {
	c, err = parseRequest(r)
	if err != nil {
		return nil, "", err
	}
	ok := false
	if v.Lookup != nil {
		secret, ok = v.Lookup(c.accessKeyID)
	}
	if !ok {
		return nil, "", newError(CodeInvalidClientTokenID, "The security token included in the request is invalid.")
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if err := checkTime(c, now().UTC()); err != nil {
		return nil, secret, err
	}
	if c.scopeDate != c.amzDate[:8] {
		return nil, secret, newError(CodeSignatureDoesNotMatch, fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			c.scopeDate, c.amzDate[:8], c.amzDate))
	}
	if want := v.service(); c.service != want {
		return nil, secret, newError(CodeSignatureDoesNotMatch, "Credential should be scoped to correct service: '"+want+"'.")
	}
	if want := v.regionFor(r, c.region); v.StrictRegion && c.region != want {
		return nil, secret, v.regionError(c, want)
	}
	if c.payload, err = payload(c); err != nil {
		return nil, secret, err
	}
	if err := verifySignature(r, c, v.keys.get(secret, c.scopeDate, c.region, c.service), v.service() == "s3"); err != nil {
		return nil, secret, err
	}
	return c, secret, nil
}

func (v *Verifier) regionFor(r *http.Request, scope string) string {
	if v.RegionFor != nil {
		if want := v.RegionFor(r, scope); want != "" {
			return want
		}
	}
	return v.region()
}

func (v *Verifier) region() string {
	if v.Region == "" {
		return StrictRegionName
	}
	return v.Region
}

// regionError is the service's answer to a credential scoped to another
// region than want. S3's messages are those it sends (quoted in
// botocore's and the SDKs' issue trackers): "The authorization header is
// malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'".
func (v *Verifier) regionError(c *credential, want string) *Error {
	if v.service() != "s3" {
		return newError(CodeSignatureDoesNotMatch, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", c.region))
	}
	if c.presigned {
		return &Error{Code: CodeAuthorizationQueryParametersError, Status: http.StatusBadRequest, Region: want,
			Message: fmt.Sprintf("Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", c.region, want)}
	}
	return &Error{Code: CodeAuthorizationHeaderMalformed, Status: http.StatusBadRequest, Region: want,
		Message: fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", c.region, want)}
}

func (v *Verifier) service() string {
	if v.Service == "" {
		return service
	}
	return v.Service
}

// Redacted replaces a secret value in error messages.
const Redacted = "<redacted>"

// secretHeaders are the headers whose values a message never quotes;
// secretQuery the query parameters (compared case-insensitively).
var (
	secretHeaders = []string{"authorization", "x-amz-security-token"}
	secretQuery   = []string{"x-amz-signature", "x-amz-security-token"}
)

func isSecretQuery(k string) bool {
	for _, s := range secretQuery {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

var authSignature = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)(Signature\s*=\s*)[^,\s]*`) })

// redactAuthorization hides the signature in an Authorization header value
// that a message quotes.
func redactAuthorization(auth string) string {
	return authSignature().ReplaceAllString(auth, "${1}"+Redacted)
}

// scrub removes, as a last line of defence, every remaining copy of a
// secret from err's message: the session token and signature as sent (in
// headers or the query), and the server's secret key for the access key
// ID. Messages already redact by position; this catches a value quoted
// anywhere else, such as a token copied into another header.
func scrub(err error, r *http.Request, secret string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	var values []string
	for _, h := range []string{"X-Amz-Security-Token", "X-Amz-Signature"} {
		values = append(values, r.Header.Values(h)...)
	}
	for k, vs := range r.URL.Query() {
		if isSecretQuery(k) {
			values = append(values, vs...)
		}
	}
	for _, m := range authSignature().FindAllStringSubmatch(r.Header.Get("Authorization"), -1) {
		values = append(values, strings.TrimPrefix(m[0], m[1]))
	}
	values = append(values, secret)
	msg := e.Message
	for _, v := range values {
		// Very short values would blank ordinary text; real tokens,
		// signatures and keys are far longer.
		if v = strings.TrimSpace(v); len(v) >= 8 {
			msg = strings.ReplaceAll(msg, v, Redacted)
			if q := url.QueryEscape(v); q != v {
				msg = strings.ReplaceAll(msg, q, Redacted)
			}
			if q := encodeRFC3986(v, false); q != v {
				msg = strings.ReplaceAll(msg, q, Redacted)
			}
		}
	}
	return &Error{Code: e.Code, Message: msg, Status: e.Status, Region: e.Region}
}

// checkClaimedHash rejects a body that does not match the SHA-256 claimed in
// a signed X-Amz-Content-Sha256 header: the signature covers the claim, so
// without this check the body could be swapped. UNSIGNED-PAYLOAD and other
// non-hash values are left alone, as the client chose not to sign the body.
func checkClaimedHash(r *http.Request, body []byte) error {
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	if len(claimed) != sha256.Size*2 {
		return nil
	}
	if _, err := hex.DecodeString(claimed); err != nil {
		return nil
	}
	sum := sha256.Sum256(body)
	if !strings.EqualFold(claimed, hex.EncodeToString(sum[:])) {
		return &Error{Code: CodeContentSHA256Mismatch, Message: "The provided 'x-amz-content-sha256' header does not match what was computed.", Status: http.StatusBadRequest}
	}
	return nil
}

// checkTime enforces the ±5 minute window around now, with AWS's wording. A
// presigned request with X-Amz-Expires is valid from its date until it
// expires instead of for 5 minutes after it.
func checkTime(c *credential, now time.Time) error {
	if c.presigned && c.expires > 0 {
		if now.After(c.when.Add(c.expires)) {
			return newError(CodeAccessDenied, "Request has expired")
		}
	} else if early := now.Add(-MaxSkew); c.when.Before(early) {
		return newError(CodeSignatureDoesNotMatch, fmt.Sprintf(
			"Signature expired: %s is now earlier than %s (%s - 5 min.)",
			c.amzDate, early.Format(timeFormat), now.Format(timeFormat)))
	}
	if late := now.Add(MaxSkew); c.when.After(late) {
		return newError(CodeSignatureDoesNotMatch, fmt.Sprintf(
			"Signature not yet current: %s is still later than %s (%s + 5 min.)",
			c.amzDate, late.Format(timeFormat), now.Format(timeFormat)))
	}
	return nil
}

// parseRequest extracts the claimed credential from the Authorization header
// or the presigned query.
func parseRequest(r *http.Request) (*credential, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		c, err := parseAuthorization(auth)
		if err != nil {
			return nil, err
		}
		amzDate := r.Header.Get("X-Amz-Date")
		if amzDate == "" {
			if d := r.Header.Get("Date"); d != "" {
				t, err := http.ParseTime(d)
				if err != nil {
					return nil, newError(CodeIncompleteSignature, fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'.", d))
				}
				amzDate = t.UTC().Format(timeFormat)
			}
		}
		if amzDate == "" {
			return nil, newError(CodeIncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization="+redactAuthorization(auth))
		}
		if err := c.setDate(amzDate); err != nil {
			return nil, err
		}
		return c, nil
	}
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") == "" {
		return nil, newError(CodeMissingAuthenticationToken, "Missing Authentication Token")
	}
	return parsePresigned(q)
}

// parsePresigned reads the X-Amz-* query parameters of a presigned request.
func parsePresigned(q url.Values) (*credential, error) {
	if alg := q.Get("X-Amz-Algorithm"); alg != algorithm {
		return nil, newError(CodeIncompleteSignature, fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg))
	}
	var missing []string
	for _, k := range []string{"X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date"} {
		if q.Get(k) == "" {
			missing = append(missing, fmt.Sprintf("AWS query-string parameters must include '%s'.", k))
		}
	}
	if len(missing) > 0 {
		return nil, newError(CodeIncompleteSignature, strings.Join(missing, " ")+" Re-examine the query-string parameters.")
	}
	c := &credential{presigned: true, signature: q.Get("X-Amz-Signature")}
	if err := c.setScope(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	if err := c.setSignedHeaders(q.Get("X-Amz-SignedHeaders")); err != nil {
		return nil, err
	}
	if e := q.Get("X-Amz-Expires"); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n < 1 || n > 604800 {
			return nil, newError(CodeIncompleteSignature, fmt.Sprintf("X-Amz-Expires must be a number of seconds between 1 and 604800, not '%s'.", e))
		}
		c.expires = time.Duration(n) * time.Second
	}
	if err := c.setDate(q.Get("X-Amz-Date")); err != nil {
		return nil, err
	}
	return c, nil
}

// parseAuthorization parses an "AWS4-HMAC-SHA256 Credential=…,
// SignedHeaders=…, Signature=…" header value. It checks the structure only
// (algorithm, the three parameters, the credential scope, host among the
// signed headers), not the keys, the date or the signature. Errors are
// *Error with code IncompleteSignature.
func parseAuthorization(auth string) (*credential, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != algorithm {
		return nil, newError(CodeIncompleteSignature, fmt.Sprintf("Unsupported AWS 'algorithm': '%s'. Authorization=%s", alg, redactAuthorization(auth)))
	}
	params, err := authParams(rest, auth)
	if err != nil {
		return nil, err
	}
	c := &credential{signature: params["Signature"]}
	if err := c.setScope(params["Credential"]); err != nil {
		return nil, err
	}
	if err := c.setSignedHeaders(params["SignedHeaders"]); err != nil {
		return nil, err
	}
	return c, nil
}

// setScope parses "AKID/yyyymmdd/region/service/aws4_request".
func (c *credential) setScope(cred string) error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return newError(CodeIncompleteSignature, fmt.Sprintf(
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'.", cred))
	}
	if parts[4] != terminator {
		return newError(CodeIncompleteSignature, fmt.Sprintf(
			"Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", parts[4]))
	}
	if _, err := time.Parse("20060102", parts[1]); err != nil || len(parts[1]) != 8 {
		return newError(CodeIncompleteSignature, fmt.Sprintf("Invalid credential date '%s': it must be in yyyyMMdd format.", parts[1]))
	}
	c.accessKeyID, c.scopeDate, c.region, c.service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// setSignedHeaders parses "host;x-amz-date;…" and requires host.
func (c *credential) setSignedHeaders(s string) error {
	names := strings.Split(s, ";")
	hasHost := false
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) || strings.TrimSpace(n) != n {
			return newError(CodeIncompleteSignature, fmt.Sprintf("Invalid SignedHeaders '%s': names must be lower-case and separated by ';'.", s))
		}
		if n == "host" {
			hasHost = true
		}
	}
	if !hasHost {
		return newError(CodeIncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	c.signedHeaders, c.signedRaw = names, s
	return nil
}

// setDate parses the request time in ISO 8601 basic format.
func (c *credential) setDate(d string) error {
	t, err := time.Parse(timeFormat, d)
	if err != nil || len(d) != len(timeFormat) {
		return newError(CodeIncompleteSignature, fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", d))
	}
	c.amzDate, c.when = d, t
	return nil
}

// verifySignature rebuilds the canonical request and compares signatures.
// The canonical URI is the path as sent, URI-encoded once more (non-S3
// services sign the already-escaped path; aws-sdk-go-v2 and botocore both do
// this). botocore additionally removes "." and ".." segments and empty
// segments before encoding, aws-sdk-go-v2 does not; both forms are accepted.
func verifySignature(r *http.Request, c *credential, key []byte, s3 bool) error {
	uris := canonicalURIs(r, s3)
	scope := c.scopeDate + "/" + c.region + "/" + c.service + "/" + terminator
	var firstCanon, firstSTS string
	for i, uri := range uris {
		canon := canonicalRequest(r, c, uri, false)
		sum := sha256.Sum256([]byte(canon))
		sts := algorithm + "\n" + c.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
		var sig [2 * sha256.Size]byte
		hex.Encode(sig[:], hmacSHA256(key, sts))
		if hmac.Equal(sig[:], []byte(c.signature)) {
			return nil
		}
		if i == 0 {
			// AWS quotes the canonical request and string to sign so a
			// client can diff them with its own; the quoted copy hides
			// the session token and any signature (the string to sign
			// holds only a hash of the real canonical request, which
			// still matches the client's).
			firstCanon, firstSTS = canonicalRequest(r, c, uri, true), sts
		}
	}
	return errSignatureDoesNotMatch(firstCanon, firstSTS)
}

func errSignatureDoesNotMatch(canon, sts string) *Error {
	return newError(CodeSignatureDoesNotMatch,
		"The request signature we calculated does not match the signature you provided. "+
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n"+
			"The Canonical String for this request should have been\n'"+canon+"'\n\n"+
			"The String-to-Sign should have been\n'"+sts+"'\n")
}

// canonicalURIs returns the canonical URIs a client may have signed r's
// path as: the first is the one quoted when none matches.
func canonicalURIs(r *http.Request, s3 bool) []string {
	escaped := r.URL.EscapedPath()
	if escaped == "" {
		escaped = "/"
	}
	var uris []string
	if s3 {
		// S3 signs the path encoded once and not normalised: the SDKs
		// encode the key they were given, which is what was sent.
		uris = []string{encodePath(r.URL.Path)}
		if r.URL.Path == "" {
			uris[0] = "/"
		}
		if escaped != uris[0] {
			uris = append(uris, escaped)
		}
	} else {
		clean := removeDotSegments(escaped)
		uris = []string{encodePath(clean)}
		if clean != escaped {
			if raw := encodePath(escaped); raw != uris[0] {
				uris = append(uris, raw)
			}
		}
	}
	return uris
}

// canonicalRequest builds the SigV4 canonical request for r with uri as the
// canonical URI. With redact, the values of secret headers and query
// parameters are Redacted, for quoting in a message.
func canonicalRequest(r *http.Request, c *credential, uri string, redact bool) string {
	var b strings.Builder
	// The method, URI, query, a line per signed header, the signed-header
	// list and a hash: sized so that a usual request is built in one
	// allocation.
	b.Grow(len(r.Method) + len(uri) + len(r.URL.RawQuery) + len(c.signedRaw) + 96*len(c.signedHeaders) + 2*sha256.Size + 8)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, c.presigned, redact))
	b.WriteByte('\n')
	for _, name := range c.signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		if redact && slices.Contains(secretHeaders, name) {
			b.WriteString(Redacted)
		} else {
			b.WriteString(headerValue(r, name))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(c.signedRaw)
	b.WriteByte('\n')
	b.WriteString(c.payload)
	return b.String()
}

// headerValue is the canonical value of one signed header: every value
// trimmed, inner whitespace runs collapsed, joined with commas.
func headerValue(r *http.Request, name string) string {
	if name == "host" {
		return trimAll(r.Host)
	}
	values := r.Header.Values(name)
	if name == "content-length" && len(values) == 0 && r.ContentLength > 0 {
		values = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	if len(values) == 1 {
		return trimAll(values[0])
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = trimAll(v)
	}
	return strings.Join(out, ",")
}

func trimAll(s string) string {
	if isTrimmed(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isTrimmed reports whether s is printable ASCII with no space at either
// end and no two spaces in a row: what trimAll would return unchanged.
func isTrimmed(s string) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < ' ' || ch > '~' || ch == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// payloadHash is the claimed hash in X-Amz-Content-Sha256 when present,
// otherwise the SHA-256 of the body as received.
func payloadHash(r *http.Request, body []byte, presigned bool) string {
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		return h
	}
	if presigned {
		if h := r.URL.Query().Get("X-Amz-Content-Sha256"); h != "" {
			return h
		}
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// canonicalQuery decodes each key and value of the raw query, re-encodes
// them the RFC 3986 way and sorts by key, then value. A presigned request's
// X-Amz-Signature is left out. With redact, secret values are Redacted
// after sorting, so the order is the one the client signed.
func canonicalQuery(raw string, presigned, redact bool) string {
	if raw == "" {
		return ""
	}
	type pair struct{ k, v string }
	var pairs []pair
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, pair{encodeRFC3986(k, false), encodeRFC3986(v, false)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		if redact && isSecretQuery(unescapeQuery(p.k)) {
			p.v = Redacted
		}
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// unescapeQuery decodes a query component; on a bad escape it keeps the
// text as sent, which then simply fails to verify.
func unescapeQuery(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// encodePath URI-encodes every byte of p except unreserved characters and '/'.
func encodePath(p string) string { return encodeRFC3986(p, true) }

// encodeRFC3986 percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and
// '/' when keepSlash), with upper-case hex, as SigV4 requires.
func encodeRFC3986(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	i := 0
	for i < len(s) && unreserved(s[i], keepSlash) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		ch := s[i]
		switch {
		case unreserved(ch, keepSlash):
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[ch>>4])
			b.WriteByte(hexDigits[ch&15])
		}
	}
	return b.String()
}

// unreserved reports whether SigV4 leaves ch as it is in a URI component.
func unreserved(ch byte, keepSlash bool) bool {
	return 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' ||
		ch == '-' || ch == '_' || ch == '.' || ch == '~' || keepSlash && ch == '/'
}

// removeDotSegments applies RFC 3986 §5.2.4 and drops empty segments, as
// botocore's normalize_url_path does before signing.
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	if !hasDotOrEmptySegment(p) {
		return p
	}
	return dotSegmentsRemoved(p)
}

// dotSegmentsRemoved is removeDotSegments for a path (not empty) that
// needs it.
func dotSegmentsRemoved(p string) string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	s := ""
	if p[0] == '/' {
		s = "/"
	}
	s += strings.Join(out, "/")
	if p[len(p)-1] == '/' && len(out) > 0 {
		s += "/"
	}
	return s
}

// hasDotOrEmptySegment reports whether removeDotSegments would change p
// (not empty): whether it holds a ".", ".." or empty segment other than
// the one before a leading '/' and the one after a trailing '/'.
func hasDotOrEmptySegment(p string) bool {
	start := 0
	if p[0] == '/' {
		start = 1
	}
	for i := start; ; {
		j := strings.IndexByte(p[i:], '/')
		if j < 0 {
			seg := p[i:]
			// A trailing "" is kept as the trailing '/'.
			return seg == "." || seg == ".."
		}
		if seg := p[i : i+j]; seg == "" || seg == "." || seg == ".." {
			return true
		}
		i += j + 1
	}
}

func signingKey(secret, date, region, svc string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, svc)
	return hmacSHA256(k, terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// authParams reads the Credential, SignedHeaders and Signature parameters
// of an Authorization header's value after its algorithm (rest; auth is
// the whole value, for the message). The first of a repeated parameter
// counts. A missing one is an *Error with code IncompleteSignature.
func authParams(rest, auth string) (map[string]string, error) {
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		if _, dup := params[k]; !dup {
			params[k] = val
		}
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[k] == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", k))
		}
	}
	if len(missing) > 0 {
		return nil, newError(CodeIncompleteSignature, strings.Join(missing, " ")+" Authorization="+redactAuthorization(auth))
	}
	return params, nil
}
