package s3api

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/s3store"
)

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

var theOwner = owner{ID: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", DisplayName: "cfinv"}

type listBucketsResult struct {
	XMLName           xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner             owner        `xml:"Owner"`
	Buckets           []bucketInfo `xml:"Buckets>Bucket"`
	ContinuationToken string       `xml:"ContinuationToken,omitempty"`
	Prefix            string       `xml:"Prefix,omitempty"`
}

type bucketInfo struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion,omitempty"`
}

// maxListBuckets is ListBuckets' largest page (max-buckets), and the page
// of a request that names a paging or filter parameter but no
// max-buckets.
const maxListBuckets = 10000

// listBuckets answers ListBuckets in name order. As S3 does, a request
// with any of max-buckets, continuation-token, prefix and bucket-region is
// paged (10,000 a page unless max-buckets says) and its buckets carry
// their BucketRegion; one with none lists every bucket. The continuation
// token is the last name listed, base64-encoded.
func (s *Server) listBuckets(w http.ResponseWriter, r *request) error {
	q := r.URL.Query()
	paged := q.Has("max-buckets") || q.Has("continuation-token") || q.Has("prefix") || q.Has("bucket-region")
	limit := maxListBuckets
	if v := q.Get("max-buckets"); q.Has("max-buckets") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListBuckets {
			return errInvalidArgument(fmt.Sprintf("max-buckets %q is not an integer from 1 to %d", v, maxListBuckets))
		}
		limit = n
	}
	after := ""
	if tok := q.Get("continuation-token"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(b) == 0 {
			return errInvalidArgument("The continuation token provided is incorrect: " + tok)
		}
		after = string(b)
	}
	prefix, region := q.Get("prefix"), q.Get("bucket-region")
	out := listBucketsResult{Owner: theOwner, Buckets: []bucketInfo{}, Prefix: prefix}
	for _, b := range s.Store.Buckets() {
		if b.Name <= after || !strings.HasPrefix(b.Name, prefix) || (region != "" && b.Region() != region) {
			continue
		}
		if paged && len(out.Buckets) == limit {
			out.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(out.Buckets[len(out.Buckets)-1].Name))
			break
		}
		info := bucketInfo{Name: b.Name, CreationDate: isoTime(b.Created)}
		if paged {
			info.BucketRegion = b.Region()
		}
		out.Buckets = append(out.Buckets, info)
	}
	return writeXML(w, out)
}

type createBucketConfiguration struct {
	LocationConstraint string `xml:"LocationConstraint"`
}

// createBucket creates r.bucket in the region its CreateBucketConfiguration
// names (us-east-1 without one). With StrictRegion, the request's
// credential scope is the endpoint it was sent to, as a regional S3
// endpoint is: its region must be the bucket's unless it is us-east-1,
// whose endpoint creates buckets anywhere.
func (s *Server) createBucket(w http.ResponseWriter, r *request) error {
	var cfg createBucketConfiguration
	if r.ContentLength != 0 {
		if err := s.readXML(r, &cfg); err != nil {
			return err
		}
	}
	lc := cfg.LocationConstraint
	if lc != "" && !validLocationConstraint(lc) {
		return &apiError{Status: http.StatusBadRequest, Code: "InvalidLocationConstraint",
			Message: "The specified location-constraint is not valid", LocationConstraint: lc}
	}
	region := s3store.Bucket{LocationConstraint: lc}.Region()
	if s.Auth != nil && s.Auth.StrictRegion && r.signed != nil && r.signed.Region != "us-east-1" && r.signed.Region != region {
		named := "unspecified"
		if lc != "" {
			named = lc
		}
		return &apiError{Status: http.StatusBadRequest, Code: "IllegalLocationConstraintException",
			Message: "The " + named + " location constraint is incompatible for the region specific endpoint this request was sent to."}
	}
	err := s.Store.CreateBucketIn(r.bucket, lc)
	if errors.Is(err, s3store.ErrBucketExists) {
		// S3's legacy rule: re-creating a bucket of yours in us-east-1
		// succeeds; everywhere else it is BucketAlreadyOwnedByYou.
		if b, herr := s.Store.HeadBucket(r.bucket); herr == nil && !b.ReadOnly && b.Region() == "us-east-1" && region == "us-east-1" {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/"+r.bucket)
	w.WriteHeader(http.StatusOK)
	return nil
}

// locationConstraints are the values CreateBucket accepts, from the S3
// API model's BucketLocationConstraint (botocore's
// data/s3/2006-03-01/service-2.json): every region but us-east-1, which
// is named by giving none, and "EU", eu-west-1's old name.
var locationConstraints = map[string]bool{}

func init() {
	for _, r := range strings.Fields(`af-south-1 ap-east-1 ap-east-2 ap-northeast-1 ap-northeast-2
		ap-northeast-3 ap-south-1 ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4
		ap-southeast-5 ap-southeast-6 ap-southeast-7 ca-central-1 ca-west-1 cn-north-1 cn-northwest-1 EU
		eu-central-1 eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3
		il-central-1 me-central-1 me-south-1 mx-central-1 sa-east-1 us-east-2 us-gov-east-1
		us-gov-west-1 us-west-1 us-west-2`) {
		locationConstraints[r] = true
	}
}

func validLocationConstraint(lc string) bool { return locationConstraints[lc] }

// SigningRegion is the region a request must be signed for with
// StrictRegion (sigv4.Verifier.RegionFor): that of the bucket it names.
// CreateBucket, and a request naming a bucket that does not exist, may
// be signed for any region (createBucket checks its constraint against
// it); a request naming no bucket (ListBuckets) gets "", the verifier's
// own region.
func (s *Server) SigningRegion(r *http.Request, scope string) string {
	bucket, key := splitBucketKey(r)
	switch {
	case bucket == "":
		return ""
	case r.Method == http.MethodPut && key == "" && r.URL.RawQuery == "":
		return scope // CreateBucket
	}
	if b, err := s.Store.HeadBucket(bucket); err == nil {
		return b.Region()
	}
	return scope
}

func (s *Server) headBucket(w http.ResponseWriter, r *request) error {
	b, err := s.Store.HeadBucket(r.bucket)
	if err != nil {
		return err
	}
	w.Header().Set("X-Amz-Bucket-Region", b.Region())
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

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Region  string   `xml:",chardata"`
}

// bucketLocation answers GetBucketLocation: the bucket's constraint as
// it was given, empty for us-east-1.
// BucketLocation returns bucket's location constraint as GetBucketLocation
// answers it ("" for us-east-1); ok is false when there is no such bucket.
// The edge asks it before each origin request to a bucket, in process
// (edgecache.Proxy.S3Buckets).
func (s *Server) BucketLocation(bucket string) (lc string, ok bool) {
	b, err := s.Store.HeadBucket(bucket)
	if err != nil {
		return "", false
	}
	return b.LocationConstraint, true
}

func (s *Server) bucketLocation(w http.ResponseWriter, r *request) error {
	b, err := s.Store.HeadBucket(r.bucket)
	if err != nil {
		return err
	}
	return writeXML(w, locationConstraint{Region: b.LocationConstraint})
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
