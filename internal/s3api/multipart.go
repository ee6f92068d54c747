package s3api

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/s3store"
)

type initiateResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

func (s *Server) createUpload(w http.ResponseWriter, r *request) error {
	headers, meta := putHeaders(r.Request)
	alg, typ, err := uploadChecksum(r.Header)
	if err != nil {
		return err
	}
	enc, err := s.requestEncryption(r)
	if err != nil {
		return err
	}
	u, err := s.Store.CreateUpload(r.bucket, s3store.Upload{Key: r.key, Headers: headers, Meta: meta, ChecksumAlgorithm: alg, ChecksumType: typ, Encryption: enc})
	if err != nil {
		return err
	}
	encryptionHeaders(w.Header(), u.Encryption)
	if alg != "" {
		w.Header().Set("X-Amz-Checksum-Algorithm", alg)
		w.Header().Set("X-Amz-Checksum-Type", typ)
	}
	return writeXML(w, initiateResult{Bucket: r.bucket, Key: r.key, UploadID: u.ID})
}

// partNumber reads ?partNumber (1 to 10,000).
func partNumber(r *request) (int, error) {
	v := r.URL.Query().Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > s3store.MaxPartNumber {
		return 0, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive, not " + strconv.Quote(v))
	}
	return n, nil
}

func (s *Server) uploadPart(w http.ResponseWriter, r *request) error {
	n, err := partNumber(r)
	if err != nil {
		return err
	}
	if err := checkMD5Header(r.Request); err != nil {
		return err
	}
	st, body, err := s.bodyState(r)
	if err != nil {
		return err
	}
	u, err := s.Store.Upload(r.bucket, r.key, r.URL.Query().Get("uploadId"))
	if err != nil {
		return err
	}
	p, err := s.Store.UploadPart(r.bucket, r.key, u.ID, n, body, st.verify)
	if err != nil {
		return err
	}
	encryptionHeaders(w.Header(), u.Encryption)
	for alg, v := range st.computed {
		w.Header().Set("X-Amz-Checksum-"+alg, v)
	}
	w.Header().Set("ETag", p.ETag)
	w.WriteHeader(http.StatusOK)
	return nil
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

func (s *Server) uploadPartCopy(w http.ResponseWriter, r *request) error {
	n, err := partNumber(r)
	if err != nil {
		return err
	}
	sb, sk, err := copySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	o, f, err := s.Store.GetObject(sb, sk)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := copySourceConditions(r.Header)(o); err != nil {
		return err
	}
	var src io.Reader = f
	if rh := r.Header.Get("X-Amz-Copy-Source-Range"); rh != "" {
		first, last, ok, err := parseRange(rh, o.Size)
		if err != nil || !ok {
			return errInvalidArgument("Range specified is not valid for source object of size: " + strconv.FormatInt(o.Size, 10))
		}
		src = io.NewSectionReader(f, first, last-first+1)
	}
	u, err := s.Store.Upload(r.bucket, r.key, r.URL.Query().Get("uploadId"))
	if err != nil {
		return err
	}
	p, err := s.Store.UploadPart(r.bucket, r.key, u.ID, n, src, nil)
	if err != nil {
		return err
	}
	encryptionHeaders(w.Header(), u.Encryption)
	return writeXML(w, copyPartResult{LastModified: isoTime(p.LastModified), ETag: p.ETag})
}

type completeRequest struct {
	Parts []struct {
		PartNumber        int    `xml:"PartNumber"`
		ETag              string `xml:"ETag"`
		ChecksumCRC32     string `xml:"ChecksumCRC32"`
		ChecksumCRC32C    string `xml:"ChecksumCRC32C"`
		ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME"`
		ChecksumSHA1      string `xml:"ChecksumSHA1"`
		ChecksumSHA256    string `xml:"ChecksumSHA256"`
	} `xml:"Part"`
}

type completeResult struct {
	XMLName           xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location          string   `xml:"Location"`
	Bucket            string   `xml:"Bucket"`
	Key               string   `xml:"Key"`
	ETag              string   `xml:"ETag"`
	ChecksumCRC32     string   `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string   `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string   `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string   `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string   `xml:"ChecksumSHA256,omitempty"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
}

func (s *Server) completeUpload(w http.ResponseWriter, r *request) error {
	var in completeRequest
	if err := s.readXML(r, &in); err != nil {
		return err
	}
	if len(in.Parts) == 0 {
		return errMalformedXML
	}
	parts := make([]s3store.CompletedPart, len(in.Parts))
	listed := make([]map[string]string, len(in.Parts))
	for i, p := range in.Parts {
		listed[i] = map[string]string{}
		for alg, v := range map[string]string{"CRC32": p.ChecksumCRC32, "CRC32C": p.ChecksumCRC32C, "CRC64NVME": p.ChecksumCRC64NVME, "SHA1": p.ChecksumSHA1, "SHA256": p.ChecksumSHA256} {
			if v != "" {
				listed[i][alg] = v
			}
		}
	}
	for i, p := range in.Parts {
		parts[i] = s3store.CompletedPart{Number: p.PartNumber, ETag: p.ETag}
	}
	o, err := s.Store.CompleteUpload(r.bucket, r.key, r.URL.Query().Get("uploadId"), parts, completeChecksums(r.Header, listed))
	if err != nil {
		return err
	}
	res := completeResult{Location: "http://" + r.Host + "/" + r.bucket + "/" + r.key, Bucket: r.bucket, Key: r.key, ETag: o.ETag,
		ChecksumCRC32: o.Checksums["CRC32"], ChecksumCRC32C: o.Checksums["CRC32C"], ChecksumCRC64NVME: o.Checksums["CRC64NVME"],
		ChecksumSHA1: o.Checksums["SHA1"], ChecksumSHA256: o.Checksums["SHA256"]}
	if len(o.Checksums) > 0 {
		res.ChecksumType = o.ChecksumType
	}
	encryptionHeaders(w.Header(), o.Encryption)
	return writeXML(w, res)
}

func (s *Server) abortUpload(w http.ResponseWriter, r *request) error {
	if err := s.Store.AbortUpload(r.bucket, r.key, r.URL.Query().Get("uploadId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type listPartsResult struct {
	XMLName              xml.Name   `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string     `xml:"Bucket"`
	Key                  string     `xml:"Key"`
	UploadID             string     `xml:"UploadId"`
	PartNumberMarker     int        `xml:"PartNumberMarker"`
	NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
	MaxParts             int        `xml:"MaxParts"`
	IsTruncated          bool       `xml:"IsTruncated"`
	StorageClass         string     `xml:"StorageClass"`
	Parts                []partInfo `xml:"Part"`
}

type partInfo struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
}

// intParam reads an optional non-negative integer query parameter.
func intParam(r *request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errInvalidArgument("Invalid " + name + " " + strconv.Quote(v) + ": want a non-negative integer")
	}
	return n, nil
}

func (s *Server) listParts(w http.ResponseWriter, r *request) error {
	maxParts, err := intParam(r, "max-parts", 1000)
	if err != nil {
		return err
	}
	marker, err := intParam(r, "part-number-marker", 0)
	if err != nil {
		return err
	}
	maxParts = min(maxParts, 1000)
	u, parts, err := s.Store.Parts(r.bucket, r.key, r.URL.Query().Get("uploadId"))
	if err != nil {
		return err
	}
	out := listPartsResult{Bucket: r.bucket, Key: r.key, UploadID: u.ID, PartNumberMarker: marker, MaxParts: maxParts, StorageClass: "STANDARD"}
	for _, p := range parts {
		if p.Number <= marker {
			continue
		}
		if len(out.Parts) == maxParts {
			out.IsTruncated = true
			break
		}
		out.Parts = append(out.Parts, partInfo{PartNumber: p.Number, LastModified: isoTime(p.LastModified), ETag: p.ETag, Size: p.Size})
		out.NextPartNumberMarker = p.Number
	}
	return writeXML(w, out)
}

type listUploadsResult struct {
	XMLName            xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string       `xml:"Bucket"`
	KeyMarker          string       `xml:"KeyMarker"`
	UploadIDMarker     string       `xml:"UploadIdMarker"`
	NextKeyMarker      string       `xml:"NextKeyMarker"`
	NextUploadIDMarker string       `xml:"NextUploadIdMarker"`
	Prefix             string       `xml:"Prefix"`
	MaxUploads         int          `xml:"MaxUploads"`
	IsTruncated        bool         `xml:"IsTruncated"`
	Uploads            []uploadInfo `xml:"Upload"`
}

type uploadInfo struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	Initiated    string `xml:"Initiated"`
	StorageClass string `xml:"StorageClass"`
	Owner        owner  `xml:"Owner"`
	Initiator    owner  `xml:"Initiator"`
}

func (s *Server) listUploads(w http.ResponseWriter, r *request) error {
	maxUploads, err := intParam(r, "max-uploads", 1000)
	if err != nil {
		return err
	}
	maxUploads = min(maxUploads, 1000)
	uploads, err := s.Store.Uploads(r.bucket)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	prefix, keyMarker, idMarker := q.Get("prefix"), q.Get("key-marker"), q.Get("upload-id-marker")
	out := listUploadsResult{Bucket: r.bucket, KeyMarker: keyMarker, UploadIDMarker: idMarker, Prefix: prefix, MaxUploads: maxUploads}
	past := keyMarker == ""
	for _, u := range uploads {
		if !past {
			if u.Key < keyMarker || u.Key == keyMarker && (idMarker == "" || u.ID != idMarker) {
				continue
			}
			if u.Key == keyMarker && u.ID == idMarker {
				past = true
				continue
			}
			past = true
		}
		if !strings.HasPrefix(u.Key, prefix) {
			continue
		}
		if len(out.Uploads) == maxUploads {
			out.IsTruncated = true
			break
		}
		out.Uploads = append(out.Uploads, uploadInfo{Key: u.Key, UploadID: u.ID, Initiated: isoTime(u.Initiated), StorageClass: "STANDARD", Owner: theOwner, Initiator: theOwner})
		out.NextKeyMarker, out.NextUploadIDMarker = u.Key, u.ID
	}
	return writeXML(w, out)
}
