package sigv4

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SigV4A: the asymmetric variant of Signature Version 4 that the SDKs use
// for multi-region services such as CloudFront KeyValueStore. The
// request is canonicalised as for SigV4; the credential scope has no
// region (the regions are in the signed X-Amz-Region-Set header, "*" for
// a global service); and the string to sign is signed with an ECDSA P-256
// key that client and server both derive from the secret access key
// (NIST SP 800-108 KDF in counter mode with HMAC-SHA256, as
// aws-sdk-go-v2's internal/v4a derives it), so the server needs only the
// secret it already has.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#sigv4a

// AlgorithmV4A is the algorithm name of SigV4A signatures.
const AlgorithmV4A = "AWS4-ECDSA-P256-SHA256"

// V4AVerifier checks SigV4A signatures against a set of known keys. Only
// header-signed requests are accepted (the SDKs do not presign the
// services that use SigV4A).
type V4AVerifier struct {
	// Lookup returns the secret access key for an access key ID.
	Lookup func(accessKeyID string) (secret string, ok bool)
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
	// Service is the signing name the credential scope must hold, e.g.
	// "cloudfront-keyvaluestore".
	Service string

	mu   sync.Mutex
	keys map[string]*ecdsa.PublicKey // by access key ID and secret
}

// Authenticate reports whether r, whose body has already been read into
// body, carries a valid SigV4A signature: nil when it does, an *Error
// with AWS's code otherwise (IncompleteSignature for a request signed
// another way, InvalidClientTokenId for an unknown key,
// SignatureDoesNotMatch for a signature the derived key does not verify).
func (v *V4AVerifier) Authenticate(r *http.Request, body []byte) error {
	err := v.authenticate(r, body)
	if err != nil {
		secret := ""
		if c, perr := parseV4A(r); perr == nil && v.Lookup != nil {
			secret, _ = v.Lookup(c.accessKeyID)
		}
		return scrub(err, r, secret)
	}
	return checkClaimedHash(r, body)
}

func (v *V4AVerifier) authenticate(r *http.Request, body []byte) error {
	c, err := parseV4A(r)
	if err != nil {
		return err
	}
	secret, ok := "", false
	if v.Lookup != nil {
		secret, ok = v.Lookup(c.accessKeyID)
	}
	if !ok {
		return newError(CodeInvalidClientTokenID, "The security token included in the request is invalid.")
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if err := checkTime(c, now().UTC()); err != nil {
		return err
	}
	if c.scopeDate != c.amzDate[:8] {
		return newError(CodeSignatureDoesNotMatch, fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			c.scopeDate, c.amzDate[:8], c.amzDate))
	}
	if c.service != v.Service {
		return newError(CodeSignatureDoesNotMatch, "Credential should be scoped to correct service: '"+v.Service+"'.")
	}
	if !hasSigned(c, "x-amz-region-set") || r.Header.Get("X-Amz-Region-Set") == "" {
		return newError(CodeIncompleteSignature, "A SigV4A request must sign the X-Amz-Region-Set header.")
	}
	sig, err := hex.DecodeString(c.signature)
	if err != nil {
		return errSignatureDoesNotMatch("", "")
	}
	pub, err := v.publicKey(c.accessKeyID, secret)
	if err != nil {
		return fmt.Errorf("derive the SigV4A key: %w", err)
	}
	c.payload = payloadHash(r, body, false)
	scope := c.scopeDate + "/" + c.service + "/" + terminator
	uris := canonicalURIs(r, false)
	if esc := r.URL.EscapedPath(); esc != "" && esc != uris[0] {
		uris = append(uris, esc)
	}
	var firstCanon, firstSTS string
	for i, uri := range uris {
		canon := canonicalRequest(r, c, uri, false)
		sum := sha256.Sum256([]byte(canon))
		sts := AlgorithmV4A + "\n" + c.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
		digest := sha256.Sum256([]byte(sts))
		if ecdsa.VerifyASN1(pub, digest[:], sig) {
			return nil
		}
		if i == 0 {
			firstCanon, firstSTS = canonicalRequest(r, c, uri, true), sts
		}
	}
	return errSignatureDoesNotMatch(firstCanon, firstSTS)
}

func hasSigned(c *credential, name string) bool {
	for _, h := range c.signedHeaders {
		if h == name {
			return true
		}
	}
	return false
}

// parseV4A reads "AWS4-ECDSA-P256-SHA256 Credential=AKID/yyyymmdd/service/aws4_request,
// SignedHeaders=…, Signature=…" and X-Amz-Date.
func parseV4A(r *http.Request) (*credential, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return nil, newError(CodeMissingAuthenticationToken, "Missing Authentication Token")
	}
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != AlgorithmV4A {
		return nil, newError(CodeIncompleteSignature, fmt.Sprintf("Unsupported AWS 'algorithm': '%s': this service takes SigV4A signatures (%s). Authorization=%s",
			alg, AlgorithmV4A, redactAuthorization(auth)))
	}
	params, err := authParams(rest, auth)
	if err != nil {
		return nil, err
	}
	c := &credential{signature: params["Signature"]}
	parts := strings.Split(params["Credential"], "/")
	if len(parts) != 4 || parts[0] == "" || parts[2] == "" {
		return nil, newError(CodeIncompleteSignature, fmt.Sprintf(
			"Credential must have exactly 4 slash-delimited elements, e.g. keyid/date/service/term, got '%s'.", params["Credential"]))
	}
	if parts[3] != terminator {
		return nil, newError(CodeIncompleteSignature, fmt.Sprintf(
			"Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", parts[3]))
	}
	if _, err := time.Parse("20060102", parts[1]); err != nil || len(parts[1]) != 8 {
		return nil, newError(CodeIncompleteSignature, fmt.Sprintf("Invalid credential date '%s': it must be in yyyyMMdd format.", parts[1]))
	}
	c.accessKeyID, c.scopeDate, c.service = parts[0], parts[1], parts[2]
	if err := c.setSignedHeaders(params["SignedHeaders"]); err != nil {
		return nil, err
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return nil, newError(CodeIncompleteSignature, "Authorization header requires existence of a 'X-Amz-Date' header. Authorization="+redactAuthorization(auth))
	}
	if err := c.setDate(amzDate); err != nil {
		return nil, err
	}
	return c, nil
}

// maxV4AKeys bounds the derived-key cache; it is emptied when full.
const maxV4AKeys = 64

// publicKey returns the public half of the key derived from the pair,
// from the cache when it was derived before.
func (v *V4AVerifier) publicKey(accessKeyID, secret string) (*ecdsa.PublicKey, error) {
	id := accessKeyID + "\x00" + secret
	v.mu.Lock()
	k, ok := v.keys[id]
	v.mu.Unlock()
	if ok {
		return k, nil
	}
	priv, err := DeriveV4AKey(accessKeyID, secret)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if v.keys == nil || len(v.keys) >= maxV4AKeys {
		v.keys = make(map[string]*ecdsa.PublicKey, maxV4AKeys)
	}
	v.keys[id] = &priv.PublicKey
	v.mu.Unlock()
	return &priv.PublicKey, nil
}

// DeriveV4AKey derives the SigV4A ECDSA P-256 key of an access key pair,
// as the SDKs do (FIPS 186-4 B.4.2 candidates from an SP 800-108 counter
// KDF over HMAC-SHA256 keyed with "AWS4A"+secret, label the algorithm
// name, context the access key ID and a one-byte counter).
func DeriveV4AKey(accessKeyID, secret string) (*ecdsa.PrivateKey, error) {
	curve := elliptic.P256()
	nMinus2 := new(big.Int).Sub(curve.Params().N, big.NewInt(2))
	key := []byte("AWS4A" + secret)
	for counter := 1; counter <= 0xff; counter++ {
		ctx := append([]byte(accessKeyID), byte(counter))
		var fixed bytes.Buffer
		fixed.WriteString(AlgorithmV4A)
		fixed.WriteByte(0)
		fixed.Write(ctx)
		_ = binary.Write(&fixed, binary.BigEndian, int32(256))
		h := hmac.New(sha256.New, key)
		_ = binary.Write(h, binary.BigEndian, int32(1))
		h.Write(fixed.Bytes())
		candidate := new(big.Int).SetBytes(h.Sum(nil))
		if candidate.Cmp(nMinus2) >= 0 {
			continue
		}
		d := candidate.Add(candidate, big.NewInt(1))
		var raw [32]byte
		d.FillBytes(raw[:])
		return ecdsa.ParseRawPrivateKey(curve, raw[:])
	}
	return nil, fmt.Errorf("derive SigV4A key: no candidate below the curve order in 255 tries")
}
