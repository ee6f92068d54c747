package s3api

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cfinv/cfinv/internal/s3store"
)

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

var theOwner = owner{ID: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", DisplayName: "cfinv"}

type listBucketsResult struct {
	XMLName xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner   owner        `xml:"Owner"`
	Buckets []bucketInfo `xml:"Buckets>Bucket"`
}

type bucketInfo struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

func (s *Server) listBuckets(w http.ResponseWriter, r *request) error {
	out := listBucketsResult{Owner: theOwner, Buckets: []bucketInfo{}}
	for _, b := range s.Store.Buckets() {
		out.Buckets = append(out.Buckets, bucketInfo{Name: b.Name, CreationDate: isoTime(b.Created)})
	}
	return writeXML(w, out)
}

type createBucketConfiguration struct {
	LocationConstraint string `xml:"LocationConstraint"`
}

func (s *Server) createBucket(w http.ResponseWriter, r *request) error {
	if r.ContentLength != 0 {
		var cfg createBucketConfiguration
		if err := s.readXML(r, &cfg); err != nil {
			return err
		}
	}
	if err := s.Store.CreateBucket(r.bucket); err != nil {
		return err
	}
	w.Header().Set("Location", "/"+r.bucket)
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) headBucket(w http.ResponseWriter, r *request) error {
	if _, err := s.Store.HeadBucket(r.bucket); err != nil {
		return err
	}
	w.Header().Set("X-Amz-Bucket-Region", s.region())
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteBucket(w http.ResponseWriter, r *request) error {
	if err := s.Store.DeleteBucket(r.bucket); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) region() string {
	if s.Region == "" {
		return "us-east-1"
	}
	return s.Region
}

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Region  string   `xml:",chardata"`
}

func (s *Server) bucketLocation(w http.ResponseWriter, r *request) error {
	if _, err := s.Store.HeadBucket(r.bucket); err != nil {
		return err
	}
	region := s.region()
	if region == "us-east-1" {
		region = "" // as S3 answers for us-east-1
	}
	return writeXML(w, locationConstraint{Region: region})
}

type listResult struct {
	XMLName               xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Marker                *string        `xml:"Marker,omitempty"`
	NextMarker            string         `xml:"NextMarker,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	KeyCount              *int           `xml:"KeyCount,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Contents              []listObject   `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

type listObject struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
	Owner        *owner `xml:"Owner,omitempty"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// listObjects answers ListObjectsV2 (list-type=2) and ListObjects (v1).
func (s *Server) listObjects(w http.ResponseWriter, r *request) error {
	q := r.URL.Query()
	v2 := q.Get("list-type") == "2"
	if lt := q.Get("list-type"); lt != "" && lt != "2" {
		return errInvalidArgument("Invalid list-type " + lt + ": want 2")
	}
	maxKeys := 1000
	if m := q.Get("max-keys"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided max-keys not an integer or within integer range: " + m)
		}
		maxKeys = min(n, 1000)
	}
	enc := q.Get("encoding-type")
	if enc != "" && enc != "url" {
		return errInvalidArgument("Invalid Encoding Method specified in Request: " + enc + " (want url)")
	}
	encode := func(s string) string {
		if enc == "url" {
			return url.QueryEscape(s)
		}
		return s
	}
	in := s3store.ListInput{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: maxKeys}
	out := listResult{Name: r.bucket, Prefix: encode(in.Prefix), MaxKeys: maxKeys, Delimiter: encode(in.Delimiter), EncodingType: enc}
	if v2 {
		out.StartAfter = encode(q.Get("start-after"))
		in.After = q.Get("start-after")
		if tok := q.Get("continuation-token"); tok != "" {
			raw, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil {
				return errInvalidArgument("The continuation token provided is incorrect: " + tok)
			}
			in.After = max(in.After, string(raw))
			out.ContinuationToken = tok
		}
	} else {
		in.After = q.Get("marker")
		m := encode(in.After)
		out.Marker = &m
	}
	res, err := s.Store.List(r.bucket, in)
	if err != nil {
		return err
	}
	out.IsTruncated = res.Truncated
	fetchOwner := !v2 || q.Get("fetch-owner") == "true"
	for _, o := range res.Objects {
		lo := listObject{Key: encode(o.Key), LastModified: isoTime(o.LastModified), ETag: o.ETag, Size: o.Size, StorageClass: "STANDARD"}
		if fetchOwner {
			lo.Owner = &theOwner
		}
		out.Contents = append(out.Contents, lo)
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: encode(p)})
	}
	if v2 {
		n := len(res.Objects) + len(res.CommonPrefixes)
		out.KeyCount = &n
		if res.Truncated {
			out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.Next))
		}
	} else if res.Truncated {
		out.NextMarker = encode(res.Next)
	}
	return writeXML(w, out)
}
