package s3api

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
)

// checksumAlgorithms are the additional checksums S3 accepts, by the name
// in x-amz-checksum-NAME (lower case) and x-amz-sdk-checksum-algorithm.
var checksumAlgorithms = map[string]func() hash.Hash{
	"crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"crc32c":    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"crc64nvme": func() hash.Hash { return crc64.New(crc64NVME) },
	"sha1":      sha1.New,
	"sha256":    sha256.New,
}

// crc64NVME is the CRC-64/NVME table (reflected polynomial).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// checksums computes the checksums a request asks for and checks them
// against the values it sent, in headers or in the aws-chunked trailer.
type checksums struct {
	hashes map[string]hash.Hash // by lower-case algorithm
	sent   map[string]string    // values sent in headers
}

// newChecksums reads which checksums r asks for: x-amz-checksum-ALG
// headers, the x-amz-trailer header, x-amz-sdk-checksum-algorithm.
func newChecksums(r *http.Request) (*checksums, *apiError) {
	c := &checksums{hashes: map[string]hash.Hash{}, sent: map[string]string{}}
	add := func(alg string) *apiError {
		alg = strings.ToLower(strings.TrimSpace(alg))
		newHash, ok := checksumAlgorithms[alg]
		if !ok {
			return errInvalidRequest("Value for x-amz-checksum-algorithm is invalid: " + alg + " (want CRC32, CRC32C, CRC64NVME, SHA1 or SHA256).")
		}
		if c.hashes[alg] == nil {
			c.hashes[alg] = newHash()
		}
		return nil
	}
	for name, vs := range r.Header {
		l := strings.ToLower(name)
		alg, ok := strings.CutPrefix(l, "x-amz-checksum-")
		if !ok || alg == "mode" || alg == "type" || alg == "algorithm" {
			continue
		}
		if err := add(alg); err != nil {
			return nil, err
		}
		c.sent[alg] = vs[0]
	}
	if t := r.Header.Get("X-Amz-Trailer"); t != "" {
		for _, name := range strings.Split(t, ",") {
			alg, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(name)), "x-amz-checksum-")
			if !ok {
				return nil, errInvalidRequest("The value specified in the x-amz-trailer header is not supported: " + name)
			}
			if err := add(alg); err != nil {
				return nil, err
			}
		}
	}
	if a := r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); a != "" {
		if err := add(a); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Write feeds every hash.
func (c *checksums) Write(p []byte) (int, error) {
	for _, h := range c.hashes {
		h.Write(p)
	}
	return len(p), nil
}

// check compares each computed checksum with the value sent in a header or
// in trailer, and returns the computed ones by S3 algorithm name (CRC32,
// SHA256, …).
func (c *checksums) check(trailer map[string]string) (map[string]string, *apiError) {
	if len(c.hashes) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for alg, h := range c.hashes {
		got := base64.StdEncoding.EncodeToString(h.Sum(nil))
		sent, ok := c.sent[alg]
		if !ok {
			sent, ok = trailer["x-amz-checksum-"+alg]
		}
		if ok {
			raw, err := base64.StdEncoding.DecodeString(sent)
			if err != nil || len(raw) != h.Size() {
				return nil, errInvalidRequest("Value for x-amz-checksum-" + alg + " header is invalid.")
			}
			if sent != got {
				return nil, &apiError{Status: http.StatusBadRequest, Code: "BadDigest", Message: "The " + strings.ToUpper(alg) + " you specified did not match the calculated checksum."}
			}
		}
		out[strings.ToUpper(alg)] = got
	}
	return out, nil
}
