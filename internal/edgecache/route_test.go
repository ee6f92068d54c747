package edgecache

import (
	"crypto/tls"
	"errors"
	"net/http"
	"testing"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// TestRouteTargets checks that routes, built once per host table, resolve
// each behaviour's origin as a per-request resolution would: by viewer
// scheme for match-viewer, with the error of an unmapped S3 bucket, and
// "not found" for a TargetOriginID that names no origin.
func TestRouteTargets(t *testing.T) {
	d := &resolved{
		id: "E1",
		behaviors: []distconfig.Behavior{
			{PathPattern: "/mv/*", TargetOriginID: "mv"},
			{PathPattern: "/s3/*", TargetOriginID: "bucket"},
			{PathPattern: "/none/*", TargetOriginID: "nope"},
		},
		def: distconfig.Behavior{TargetOriginID: "plain"},
		origins: map[string]distconfig.Origin{
			"mv":     {ID: "mv", DomainName: "o.example", HTTPPort: 8080, HTTPSPort: 8443, ProtocolPolicy: "match-viewer"},
			"plain":  {ID: "plain", DomainName: "p.example", HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: "http-only", OriginPath: "/v1"},
			"bucket": {ID: "bucket", DomainName: "unmapped.s3.amazonaws.com"},
		},
	}
	p := &Proxy{}
	tests := []struct {
		path    string
		tls     bool
		want    string // the target's base URL
		found   bool
		wantErr error
	}{
		{"/mv/a", false, "http://o.example:8080", true, nil},
		{"/mv/a", true, "https://o.example:8443", true, nil},
		{"/x", true, "http://p.example/v1", true, nil},
		{"/s3/a", false, "", true, errNoS3Mapping},
		{"/none/a", false, "", false, nil},
	}
	for _, tt := range tests {
		rt := p.routeFor(d, tt.path)
		if rt.found != tt.found {
			t.Errorf("%s: found = %v, want %v", tt.path, rt.found, tt.found)
			continue
		}
		if !tt.found {
			continue
		}
		r := &http.Request{}
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		}
		got, err := rt.target(r)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s (TLS %v): error %v, want %v", tt.path, tt.tls, err, tt.wantErr)
			continue
		}
		if err == nil && got.base.String() != tt.want {
			t.Errorf("%s (TLS %v): target %s, want %s", tt.path, tt.tls, got.base, tt.want)
		}
	}
}
