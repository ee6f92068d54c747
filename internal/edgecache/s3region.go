package edgecache

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/cfinv/cfinv/internal/s3store"
)

// s3Endpoint is the S3 endpoint an S3 origin's DomainName addresses, which
// decides how S3 answers for a bucket of a given region.
type s3Endpoint struct {
	// checked is false for an endpoint whose region rules are not
	// emulated (website and accelerate endpoints): every bucket is
	// served, as before.
	checked bool
	// region is the regional endpoint's region; "" for the legacy global
	// endpoint BUCKET.s3.amazonaws.com.
	region string
	// suffix is ".amazonaws.com" or ".amazonaws.com.cn".
	suffix string
}

// regionRE is the shape of an AWS region name: us-east-1, ap-southeast-2,
// us-gov-west-1, cn-north-1.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// s3EndpointOf returns the endpoint of domain, a DomainName for which
// distconfig.S3Bucket returned bucket:
//
//   - BUCKET.s3.amazonaws.com: the legacy global endpoint;
//   - BUCKET.s3.REGION.amazonaws.com, BUCKET.s3-REGION.amazonaws.com (the
//     dash form of the regions that have one), BUCKET.s3.dualstack.REGION…,
//     BUCKET.s3-fips[.dualstack].REGION…: REGION's endpoint;
//   - BUCKET.s3-external-1.amazonaws.com: us-east-1's;
//   - website (s3-website-REGION, s3-website.REGION) and s3-accelerate
//     endpoints, or anything else: not checked.
//
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
func s3EndpointOf(domain, bucket string) s3Endpoint {
	rest := strings.ToLower(strings.TrimSuffix(domain, "."))
	if len(rest) <= len(bucket)+1 {
		return s3Endpoint{}
	}
	rest = rest[len(bucket)+1:]
	var e s3Endpoint
	switch {
	case strings.HasSuffix(rest, ".amazonaws.com"):
		e.suffix = ".amazonaws.com"
	case strings.HasSuffix(rest, ".amazonaws.com.cn"):
		e.suffix = ".amazonaws.com.cn"
	default:
		return s3Endpoint{}
	}
	labels := strings.Split(strings.TrimSuffix(rest, e.suffix), ".")
	first, more := labels[0], labels[1:]
	switch {
	case first == "s3" && len(more) == 0:
		if e.suffix != ".amazonaws.com" {
			return s3Endpoint{} // the China regions have no global endpoint
		}
		e.checked = true
		return e
	case first == "s3-external-1" && len(more) == 0:
		e.region, e.checked = "us-east-1", true
		return e
	case first == "s3" || first == "s3-fips":
		if len(more) > 0 && more[0] == "dualstack" {
			more = more[1:]
		}
		if len(more) != 1 {
			return s3Endpoint{}
		}
		e.region = more[0]
	case strings.HasPrefix(first, "s3-") && len(more) == 0:
		e.region = strings.TrimPrefix(first, "s3-")
	default:
		return s3Endpoint{}
	}
	if strings.HasPrefix(e.region, "website") || !regionRE.MatchString(e.region) {
		return s3Endpoint{}
	}
	e.checked = true
	return e
}

// optInRegions are the regions launched after March 20, 2019. S3 does not
// route a request for one of their buckets that arrives at another
// region's endpoint (or the global one), nor a request for another
// region's bucket that arrives at theirs: it answers 400
// IllegalLocationConstraintException instead of redirecting.
// https://docs.aws.amazon.com/AmazonS3/latest/API/UsingRouting.html
var optInRegions = map[string]bool{}

func init() {
	for _, r := range strings.Fields(`af-south-1 ap-east-1 ap-east-2 ap-south-2 ap-southeast-3
		ap-southeast-4 ap-southeast-5 ap-southeast-6 ap-southeast-7 ca-west-1 eu-central-2 eu-south-1
		eu-south-2 il-central-1 me-central-1 me-south-1 mx-central-1`) {
		optInRegions[r] = true
	}
}

// partition is the AWS partition of a region: buckets of one are not
// seen from another's endpoints.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// wrongRegion returns the response S3 at endpoint e gives to a request
// for bucket, whose location constraint is lc, or nil when e serves it:
//
//   - the bucket's own regional endpoint, or the global endpoint for a
//     bucket of a region launched before March 20, 2019 (DNS sends the
//     request to the bucket's region), serve it;
//   - another region's endpoint answers 301 PermanentRedirect, with no
//     Location but the bucket's region in x-amz-bucket-region and its
//     endpoint in the XML (a request signed for the endpoint's region
//     gets it too, yanganto/s3rs#18, so an origin access control's
//     signature changes nothing);
//   - where either region, or the bucket's region at the global
//     endpoint, was launched after March 20, 2019: 400
//     IllegalLocationConstraintException naming the bucket's constraint
//     ("unspecified" for us-east-1);
//   - an endpoint of another partition has no such bucket: 404
//     NoSuchBucket.
func (e s3Endpoint) wrongRegion(req *http.Request, bucket, lc string) *http.Response {
	region := s3store.Bucket{LocationConstraint: lc}.Region()
	endpoint := e.region
	if endpoint == "" {
		endpoint = "us-east-1" // the global endpoint's partition and default region
	}
	w := &bufferWriter{h: http.Header{}}
	switch {
	case !e.checked || e.region == region || e.region == "" && !optInRegions[region] && partition(region) == "aws":
		return nil
	case partition(endpoint) != partition(region):
		s3ErrorXML(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "<BucketName>"+xmlText(bucket)+"</BucketName>")
	case e.region == "" || optInRegions[e.region] || optInRegions[region]:
		named := lc
		if named == "" {
			named = "unspecified"
		}
		s3ErrorXML(w, http.StatusBadRequest, "IllegalLocationConstraintException",
			"The "+xmlText(named)+" location constraint is incompatible for the region specific endpoint this request was sent to.", "")
	default:
		// S3 names us-east-1's endpoint without the bucket, as CloudFront
		// viewers have seen it (aws/aws-cdk#25253), and others in the
		// dot form every region has (older regions have been answered in
		// the dash form too: yanganto/s3rs#18).
		host := bucket + ".s3." + region + e.suffix
		if region == "us-east-1" {
			host = "s3.amazonaws.com"
		}
		w.h.Set("X-Amz-Bucket-Region", region)
		s3ErrorXML(w, http.StatusMovedPermanently, "PermanentRedirect",
			"The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
			"<Endpoint>"+xmlText(host)+"</Endpoint><Bucket>"+xmlText(bucket)+"</Bucket>")
	}
	if req.Method == http.MethodHead {
		w.buf.Reset()
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", w.code, http.StatusText(w.code)), StatusCode: w.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.h, Body: io.NopCloser(&w.buf), ContentLength: int64(w.buf.Len()), Request: req,
	}
}

// bucketLocator is an S3 API handler that tells a bucket's location
// constraint without a request (s3api.Server).
type bucketLocator interface {
	BucketLocation(bucket string) (lc string, ok bool)
}

// locationConstraint asks the S3 API h for bucket's location constraint:
// directly when h is a bucketLocator, else with GetBucketLocation; ok is
// false when it has no such bucket or does not answer, and the origin
// request then gets whatever S3 answers it.
func locationConstraint(ctx context.Context, h http.Handler, bucket string) (lc string, ok bool) {
	if l, isLocator := h.(bucketLocator); isLocator {
		return l.BucketLocation(bucket)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+bucket+"/"+bucket+"?location", http.NoBody)
	if err != nil {
		return "", false
	}
	r.RequestURI = r.URL.RequestURI()
	w := &bufferWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	if w.code != http.StatusOK && w.code != 0 {
		return "", false
	}
	var v struct {
		Value string `xml:",chardata"`
	}
	if err := xml.Unmarshal(w.buf.Bytes(), &v); err != nil {
		return "", false
	}
	return strings.TrimSpace(v.Value), true
}

// s3ErrorXML writes S3's XML error with extra elements after Message.
func s3ErrorXML(w http.ResponseWriter, status int, code, msg, extra string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>%s</Error>", code, msg, extra)
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
