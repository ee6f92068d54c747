package s3api

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/s3store"
)

// Checksum types of a multipart upload
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
const (
	checksumComposite  = "COMPOSITE"
	checksumFullObject = "FULL_OBJECT"
)

// crcPolys are the reflected polynomials and widths of the CRCs whose
// full-object value S3 computes from the parts' CRCs.
var crcPolys = map[string]struct {
	poly  uint64
	width int
}{
	"CRC32":     {0xedb88320, 32},
	"CRC32C":    {0x82f63b78, 32},
	"CRC64NVME": {0x9a6c9329ac4bc9b5, 64},
}

// uploadChecksum reads CreateMultipartUpload's x-amz-checksum-algorithm
// and x-amz-checksum-type, with S3's defaults (FULL_OBJECT for
// CRC64NVME, COMPOSITE for the others) and combinations.
func uploadChecksum(h http.Header) (alg, typ string, err error) {
	alg = strings.ToUpper(strings.TrimSpace(h.Get("X-Amz-Checksum-Algorithm")))
	typ = strings.ToUpper(strings.TrimSpace(h.Get("X-Amz-Checksum-Type")))
	if alg == "" {
		if typ != "" {
			return "", "", errInvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		return "", "", nil
	}
	if _, ok := checksumAlgorithms[strings.ToLower(alg)]; !ok {
		return "", "", errInvalidRequest("Value for x-amz-checksum-algorithm is invalid: " + alg + " (want CRC32, CRC32C, CRC64NVME, SHA1 or SHA256).")
	}
	_, isCRC := crcPolys[alg]
	switch {
	case typ == "" && alg == "CRC64NVME":
		typ = checksumFullObject
	case typ == "":
		typ = checksumComposite
	case typ == checksumFullObject && !isCRC:
		return "", "", errInvalidRequest("The " + alg + " checksum algorithm does not support the FULL_OBJECT checksum type (want CRC32, CRC32C or CRC64NVME).")
	case typ == checksumComposite && alg == "CRC64NVME":
		return "", "", errInvalidRequest("The CRC64NVME checksum algorithm does not support the COMPOSITE checksum type (want FULL_OBJECT).")
	case typ != checksumComposite && typ != checksumFullObject:
		return "", "", errInvalidRequest("Value for x-amz-checksum-type is invalid: " + typ + " (want COMPOSITE or FULL_OBJECT).")
	}
	return alg, typ, nil
}

// completeChecksums returns the checksum function CompleteUpload calls:
// each part's stored checksum must match the one the request lists for it
// (InvalidPart), and the object's checksum is the checksum of the parts'
// checksums and "-N" (COMPOSITE) or the CRC of the whole object combined
// from the parts' CRCs (FULL_OBJECT), checked against an
// x-amz-checksum-ALG header of the request when there is one (BadDigest).
func completeChecksums(h http.Header, listed []map[string]string) func(*s3store.Upload, []*s3store.Part) (map[string]string, error) {
	return func(u *s3store.Upload, parts []*s3store.Part) (map[string]string, error) {
		for i, p := range parts {
			for alg, v := range listed[i] {
				if got, ok := p.Checksums[alg]; !ok || got != v {
					return nil, &apiError{Status: http.StatusBadRequest, Code: "InvalidPart", Message: "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag: part " + strconv.Itoa(p.Number) + " has no " + alg + " checksum " + v + "."}
				}
			}
		}
		alg := u.ChecksumAlgorithm
		if alg == "" {
			return nil, nil
		}
		raws := make([][]byte, len(parts))
		for i, p := range parts {
			raw, err := base64.StdEncoding.DecodeString(p.Checksums[alg])
			if err != nil || len(raw) == 0 {
				return nil, errInvalidRequest("The upload was created with the " + alg + " checksum algorithm, but part " + strconv.Itoa(p.Number) + " was uploaded without an x-amz-checksum-" + strings.ToLower(alg) + ".")
			}
			raws[i] = raw
		}
		var value string
		if u.ChecksumType == checksumFullObject {
			c := crcPolys[alg]
			var crc uint64
			for i, p := range parts {
				part := beUint(raws[i])
				if i == 0 {
					crc = part
					continue
				}
				crc = crcCombine(c.poly, c.width, crc, part, p.Size)
			}
			out := make([]byte, c.width/8)
			if c.width == 32 {
				binary.BigEndian.PutUint32(out, uint32(crc))
			} else {
				binary.BigEndian.PutUint64(out, crc)
			}
			value = base64.StdEncoding.EncodeToString(out)
		} else {
			hash := checksumAlgorithms[strings.ToLower(alg)]()
			for _, raw := range raws {
				hash.Write(raw)
			}
			value = base64.StdEncoding.EncodeToString(hash.Sum(nil)) + "-" + strconv.Itoa(len(parts))
		}
		if sent := h.Get("X-Amz-Checksum-" + alg); sent != "" && sent != value {
			return nil, &apiError{Status: http.StatusBadRequest, Code: "BadDigest", Message: "The " + alg + " you specified for the object, " + sent + ", did not match the calculated checksum " + value + "."}
		}
		return map[string]string{alg: value}, nil
	}
}

func beUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// crcCombine returns the CRC of A followed by B from crc1 (of A), crc2 (of
// B) and B's length, for a reflected CRC with all-ones init and final XOR
// (CRC32, CRC32C, CRC64NVME): zlib's crc32_combine, for any width.
func crcCombine(poly uint64, width int, crc1, crc2 uint64, len2 int64) uint64 {
	if len2 <= 0 {
		return crc1
	}
	times := func(mat []uint64, vec uint64) uint64 {
		var sum uint64
		for i := 0; vec != 0; i, vec = i+1, vec>>1 {
			if vec&1 != 0 {
				sum ^= mat[i]
			}
		}
		return sum
	}
	square := func(dst, mat []uint64) {
		for n := range mat {
			dst[n] = times(mat, mat[n])
		}
	}
	even, odd := make([]uint64, width), make([]uint64, width)
	odd[0] = poly // the operator for one zero bit
	row := uint64(1)
	for n := 1; n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	square(even, odd) // two zero bits
	square(odd, even) // four zero bits
	// Apply len2 zero bytes to crc1, squaring the operator per bit of len2.
	for {
		square(even, odd)
		if len2&1 != 0 {
			crc1 = times(even, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		square(odd, even)
		if len2&1 != 0 {
			crc1 = times(odd, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}
