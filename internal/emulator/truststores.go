package emulator

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Trust stores (issue 27): the CA certificates a distribution's viewer
// mTLS (ViewerMtlsConfig.TrustStoreConfig.TrustStoreId) checks client
// certificates against, read by CloudFront from a PEM bundle in S3.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/trust-stores.html
// The stored config keeps the bundle's S3 location and what was read:
//
//	<TrustStore><CaCertificatesBundleSource>…</CaCertificatesBundleSource>
//	  <UseClientCertificateOCSPEndpoint/><Status/><NumberOfCaCertificates/><Reason/></TrustStore>
//
// The bundle is read from the local S3 API when the server has one and
// the bucket is there (Status active, NumberOfCaCertificates counted; a
// bundle that is missing or holds no valid certificate: failed, with the
// Reason). Without local S3 buckets the emulator cannot read it: the
// reference is stored, Status is active and NumberOfCaCertificates 0.
const trustStoreKind = "trust-store"

// maxTrustStoreBundle bounds the bundle read from the local S3.
const maxTrustStoreBundle = 1 << 20

var regionPattern = regexp.MustCompile(`^[a-z]{2}-[a-z]+-\d$`)

var trustStores = &entityKind{
	kind:       trustStoreKind,
	elem:       "TrustStore",
	what:       "trust store",
	newID:      func() string { return newID("ts_", 27, upperAlnum) },
	create:     createTrustStoreRequest,
	update:     updateTrustStoreRequest,
	wire:       wireTrustStore,
	summary:    trustStoreSummary,
	listMember: "TrustStoreList",
	inUse: func(res *store.Resource, in store.Snapshot) (bool, error) {
		return anyDistribution(in, func(c *distconfig.Node) bool {
			return c.Value("ViewerMtlsConfig", "TrustStoreConfig", "TrustStoreId") == res.ID
		})
	},
}

// checkBundleSource validates a CaCertificatesBundleSource: an S3
// location with Bucket, Key and Region (the model's pattern), and
// optionally Version.
func checkBundleSource(src *distconfig.Node) *apiError {
	if aerr := onlyMembers(src, "CaCertificatesBundleSource", "CaCertificatesBundleS3Location"); aerr != nil {
		return aerr
	}
	loc := src.Child("CaCertificatesBundleS3Location")
	if loc == nil {
		return errorf("InvalidArgument", "CaCertificatesBundleSource.CaCertificatesBundleS3Location is required.")
	}
	if aerr := onlyMembers(loc, "CaCertificatesBundleS3Location", "Bucket", "Key", "Region", "Version"); aerr != nil {
		return aerr
	}
	for _, m := range []string{"Bucket", "Key", "Region"} {
		if loc.Value(m) == "" {
			return errorf("InvalidArgument", "CaCertificatesBundleS3Location.%s is required.", m)
		}
	}
	if r := loc.Value("Region"); !regionPattern.MatchString(r) {
		return errorf("InvalidArgument", "CaCertificatesBundleS3Location.Region %q is not a region (e.g. us-east-1).", truncate(r, 40))
	}
	return nil
}

// readBundle sets Status, NumberOfCaCertificates and Reason in cfg from
// the bundle its source names.
func (s *Server) readBundle(cfg *distconfig.Node) {
	loc := cfg.Find("CaCertificatesBundleSource", "CaCertificatesBundleS3Location")
	status, count, reason := "active", 0, ""
	if s.importObject != nil {
		status, count, reason = countCACertificates(s.importObject, loc.Value("Bucket"), loc.Value("Key"))
	}
	cfg.Set("Status", status)
	cfg.Set("NumberOfCaCertificates", strconv.Itoa(count))
	cfg.Set("Reason", reason)
}

// countCACertificates reads a PEM bundle and counts its certificates.
func countCACertificates(read func(bucket, key string, max int64) ([]byte, error), bucket, key string) (status string, count int, reason string) {
	where := "s3://" + bucket + "/" + key
	raw, err := read(bucket, key, maxTrustStoreBundle)
	if err != nil {
		return "failed", 0, fmt.Sprintf("The CA certificates bundle %s could not be read: %v", truncate(where, 200), err)
	}
	if len(raw) > maxTrustStoreBundle {
		return "failed", 0, fmt.Sprintf("The CA certificates bundle %s is over %d bytes", truncate(where, 200), maxTrustStoreBundle)
	}
	for rest := raw; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return "failed", 0, fmt.Sprintf("The CA certificates bundle %s holds a PEM block of type %s; only CERTIFICATE blocks are allowed", truncate(where, 200), b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "failed", 0, fmt.Sprintf("Certificate %d of the CA certificates bundle %s is not valid: %v", count+1, truncate(where, 200), err)
		}
		count++
	}
	if count == 0 {
		return "failed", 0, fmt.Sprintf("The CA certificates bundle %s holds no PEM certificate", truncate(where, 200))
	}
	return "active", count, ""
}

func createTrustStoreRequest(s *Server, r *http.Request) (*distconfig.Node, string, []store.Tag, error) {
	const root = "CreateTrustStoreRequest"
	n, aerr := parseBody(requestBody(r), root)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	if aerr := onlyMembers(n, root, "Name", "CaCertificatesBundleSource", "UseClientCertificateOCSPEndpoint", "Tags"); aerr != nil {
		return nil, "", nil, aerr
	}
	name := n.Value("Name")
	if c := utf8.RuneCountInString(name); !n.Has("Name") || c == 0 || c > maxConnectionGroupName {
		return nil, "", nil, errorf("InvalidArgument", "%s.Name %q is not valid: 1 to %d characters.", root, truncate(name, 140), maxConnectionGroupName)
	}
	src := n.Child("CaCertificatesBundleSource")
	if src == nil {
		return nil, "", nil, errorf("InvalidArgument", "%s.CaCertificatesBundleSource is required.", root)
	}
	if aerr := checkBundleSource(src); aerr != nil {
		return nil, "", nil, aerr
	}
	ocsp := false
	if aerr := boolMember(n, "UseClientCertificateOCSPEndpoint", &ocsp); aerr != nil {
		return nil, "", nil, aerr
	}
	var tags []store.Tag
	if t := n.Child("Tags"); t != nil {
		if tags, aerr = parseTags(t); aerr != nil {
			return nil, "", nil, aerr
		}
	}
	cfg := &distconfig.Node{Name: "TrustStore", Nodes: []*distconfig.Node{
		src.Clone(), leaf("UseClientCertificateOCSPEndpoint", strconv.FormatBool(ocsp)),
	}}
	s.readBundle(cfg)
	return cfg, name, tags, nil
}

// updateTrustStoreRequest reads UpdateTrustStore: the body is the new
// CaCertificatesBundleSource, UseClientCertificateOCSPEndpoint a header.
func updateTrustStoreRequest(s *Server, r *http.Request, old *store.Resource) (*distconfig.Node, error) {
	src, aerr := parseBody(requestBody(r), "CaCertificatesBundleSource")
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkBundleSource(src); aerr != nil {
		return nil, aerr
	}
	ocsp := old.Config.Value("UseClientCertificateOCSPEndpoint")
	if h := r.Header.Get("UseClientCertificateOCSPEndpoint"); h != "" {
		switch strings.ToLower(h) {
		case "true", "false":
			ocsp = strings.ToLower(h)
		default:
			return nil, errorf("InvalidArgument", "The UseClientCertificateOCSPEndpoint header %q is not true or false.", truncate(h, 40))
		}
	}
	cfg := &distconfig.Node{Name: "TrustStore", Nodes: []*distconfig.Node{src, leaf("UseClientCertificateOCSPEndpoint", ocsp)}}
	s.readBundle(cfg)
	return cfg, nil
}

func wireTrustStore(s *Server, res *store.Resource) *distconfig.Node {
	c := res.Config
	n := &distconfig.Node{Name: "TrustStore", Nodes: []*distconfig.Node{
		leaf("Id", res.ID), leaf("Arn", s.entityARN(trustStoreKind, res.ID)), leaf("Name", res.Name),
		leaf("Status", c.Value("Status")), leaf("NumberOfCaCertificates", c.Value("NumberOfCaCertificates")),
		leaf("LastModifiedTime", wireTime(res.LastModifiedTime)),
	}}
	if reason := c.Value("Reason"); reason != "" {
		n.Append(leaf("Reason", reason))
	}
	n.Append(leaf("UseClientCertificateOCSPEndpoint", c.Value("UseClientCertificateOCSPEndpoint")))
	return n
}

func trustStoreSummary(s *Server, res *store.Resource) *distconfig.Node {
	c := res.Config
	n := &distconfig.Node{Name: "TrustStoreSummary", Nodes: []*distconfig.Node{
		leaf("Id", res.ID), leaf("Arn", s.entityARN(trustStoreKind, res.ID)), leaf("Name", res.Name),
		leaf("Status", c.Value("Status")), leaf("NumberOfCaCertificates", c.Value("NumberOfCaCertificates")),
		leaf("LastModifiedTime", wireTime(res.LastModifiedTime)),
	}}
	if reason := c.Value("Reason"); reason != "" {
		n.Append(leaf("Reason", reason))
	}
	n.Append(leaf("ETag", res.ETag))
	return n
}
