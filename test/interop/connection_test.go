package interop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// caBundle writes a PEM file of n self-signed CA certificates and returns
// its path.
func caBundle(t *testing.T, n int) string {
	t.Helper()
	var out []byte
	for i := range n {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "interop CA"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBoto3ConnectionResources runs testdata/boto3_connection.py (issue
// 27): every operation of connection functions, connection groups, trust
// stores, their look-ups, and aliases and domains, each with an error
// case, through boto3 against `cfinv serve` with its S3 API (where the
// trust store's CA bundle is read from).
func TestBoto3ConnectionResources(t *testing.T) {
	t.Parallel()
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	srv := startServe(t, "0s", "--s3-addr", "127.0.0.1:0")
	env := append(clientEnv(t, srv.URL), "INTEROP_S3_ENDPOINT="+srv.s3URL(t), "INTEROP_CA_BUNDLE="+caBundle(t, 2))
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_connection.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "", py, script)
	if code != 0 {
		t.Fatalf("boto3_connection.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var got struct {
		Errors                  map[string][2]any `json:"errors"`
		TestOutput              string            `json:"testOutput"`
		TestLogs                []string          `json:"testLogs"`
		ListedFunctions         []string          `json:"listedFunctions"`
		GroupDefaults           map[string]any    `json:"groupDefaults"`
		ListedGroups            []string          `json:"listedGroups"`
		GroupTags               int               `json:"groupTags"`
		TrustStore              map[string]any    `json:"trustStore"`
		ListedTrustStores       []string          `json:"listedTrustStores"`
		TrustStoreMissingBundle string            `json:"trustStoreMissingBundle"`
		ByMode                  bool              `json:"byMode"`
		ByFunction              bool              `json:"byFunction"`
		ByTrustStore            bool              `json:"byTrustStore"`
		Conflicting             []string          `json:"conflicting"`
		MovedTo                 []string          `json:"movedTo"`
		DomainConflicts         [][2]string       `json:"domainConflicts"`
		DNS                     [][2]string       `json:"dns"`
	}
	decode(t, "boto3_connection.py", out, &got)
	wantErrors := map[string][2]any{
		"createConnectionFunctionTaken":              {"EntityAlreadyExists", 409.0},
		"createConnectionFunctionBadCode":            {"InvalidArgument", 400.0},
		"describeConnectionFunctionUnknown":          {"EntityNotFound", 404.0},
		"getConnectionFunctionLiveUnpublished":       {"EntityNotFound", 404.0},
		"testConnectionFunctionStale":                {"PreconditionFailed", 412.0},
		"updateConnectionFunctionStale":              {"PreconditionFailed", 412.0},
		"publishConnectionFunctionStale":             {"PreconditionFailed", 412.0},
		"listConnectionFunctionsBadMarker":           {"InvalidArgument", 400.0},
		"deleteConnectionFunctionInUse":              {"CannotDeleteEntityWhileInUse", 409.0},
		"deleteConnectionFunctionUnknown":            {"EntityNotFound", 404.0},
		"createConnectionGroupTaken":                 {"EntityAlreadyExists", 409.0},
		"getConnectionGroupUnknown":                  {"EntityNotFound", 404.0},
		"getConnectionGroupByRoutingEndpointUnknown": {"EntityNotFound", 404.0},
		"listConnectionGroupsBadMarker":              {"InvalidArgument", 400.0},
		"deleteConnectionGroupEnabled":               {"ResourceNotDisabled", 409.0},
		"updateConnectionGroupStale":                 {"PreconditionFailed", 412.0},
		"createTrustStoreTaken":                      {"EntityAlreadyExists", 409.0},
		"getTrustStoreUnknown":                       {"EntityNotFound", 404.0},
		"listTrustStoresBadMarker":                   {"InvalidArgument", 400.0},
		"updateTrustStoreStale":                      {"PreconditionFailed", 412.0},
		"deleteTrustStoreInUse":                      {"CannotDeleteEntityWhileInUse", 409.0},
		"deleteTrustStoreUnknown":                    {"EntityNotFound", 404.0},
		"byModeBad":                                  {"InvalidArgument", 400.0},
		"byFunctionUnknown":                          {"EntityNotFound", 404.0},
		"byTrustStoreUnknown":                        {"EntityNotFound", 404.0},
		"listConflictingAliasesUnknown":              {"NoSuchDistribution", 404.0},
		"associateAliasUnknown":                      {"NoSuchDistribution", 404.0},
		"listDomainConflictsUnknown":                 {"EntityNotFound", 404.0},
		"verifyDnsConfigurationUnknown":              {"EntityNotFound", 404.0},
	}
	if diff := cmp.Diff(wantErrors, got.Errors); diff != "" {
		t.Errorf("error codes and statuses (-want +got):\n%s", diff)
	}
	if got.TestOutput != `{"action":"allow"}` || len(got.TestLogs) != 1 {
		t.Errorf("TestConnectionFunction: output %q, logs %q; want allow and one line", got.TestOutput, got.TestLogs)
	}
	if diff := cmp.Diff(map[string]any{"ipv6": true, "enabled": true, "status": "Deployed", "isDefault": false}, got.GroupDefaults); diff != "" {
		t.Errorf("connection group defaults (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"status": "active", "certificates": 2.0}, got.TrustStore); diff != "" || got.TrustStoreMissingBundle != "failed" {
		t.Errorf("trust store (-want +got):\n%s\nwith a missing bundle: %s, want failed", diff, got.TrustStoreMissingBundle)
	}
	if !cmp.Equal(got.ListedFunctions, []string{"device-check"}) || !cmp.Equal(got.ListedGroups, []string{"group-a"}) ||
		!cmp.Equal(got.ListedTrustStores, []string{"devices"}) || got.GroupTags != 2 {
		t.Errorf("lists: functions %v, groups %v, trust stores %v, group tags %d", got.ListedFunctions, got.ListedGroups, got.ListedTrustStores, got.GroupTags)
	}
	if !got.ByMode || !got.ByFunction || !got.ByTrustStore {
		t.Errorf("look-ups: by mode %v, by function %v, by trust store %v; want each to list the mTLS distribution", got.ByMode, got.ByFunction, got.ByTrustStore)
	}
	if !cmp.Equal(got.Conflicting, []string{"*.example.com"}) || !cmp.Equal(got.MovedTo, []string{"*.example.com", "www.example.com"}) {
		t.Errorf("aliases: conflicting %v, after the move %v", got.Conflicting, got.MovedTo)
	}
	if diff := cmp.Diff([][2]string{{"*.example.com", "distribution"}, {"www.example.com", "distribution"}}, got.DomainConflicts); diff != "" {
		t.Errorf("domain conflicts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][2]string{{"shop.example.net", "unknown-configuration"}}, got.DNS); diff != "" {
		t.Errorf("DNS configuration (-want +got):\n%s", diff)
	}
}
