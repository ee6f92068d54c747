package tfprovider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

func TestResourceSchema(t *testing.T) {
	ctx := context.Background()
	var resp resource.SchemaResponse
	newInvalidationResource().Schema(ctx, resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if d := resp.Schema.ValidateImplementation(ctx); d.HasError() {
		t.Fatal(d)
	}
	type kind struct{ Required, Optional, Computed bool }
	want := map[string]kind{
		"id":                  {Computed: true},
		"distribution_id":     {Required: true},
		"paths":               {Optional: true},
		"triggers":            {Optional: true},
		"objects":             {Optional: true},
		"origin_path":         {Optional: true},
		"index_document":      {Optional: true, Computed: true},
		"wait_for_completion": {Optional: true, Computed: true},
		"invalidation_ids":    {Computed: true},
		"caller_references":   {Computed: true},
		"billed_paths":        {Computed: true},
	}
	got := map[string]kind{}
	for name, a := range resp.Schema.Attributes {
		got[name] = kind{a.IsRequired(), a.IsOptional(), a.IsComputed()}
		if a.GetDescription() == "" {
			t.Errorf("attribute %s has no description", name)
		}
		if a.IsSensitive() {
			t.Errorf("attribute %s is sensitive: nothing secret belongs in this resource", name)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("attributes (-want +got):\n%s", d)
	}
	if _, ok := resp.Schema.Blocks["timeouts"]; !ok {
		t.Error("no timeouts block")
	}
}

func TestProviderSchema(t *testing.T) {
	ctx := context.Background()
	var resp provider.SchemaResponse
	New("test")().Schema(ctx, provider.SchemaRequest{}, &resp)
	if d := resp.Schema.ValidateImplementation(ctx); d.HasError() {
		t.Fatal(d)
	}
	var names []string
	for name, a := range resp.Schema.Attributes {
		names = append(names, name)
		if !a.IsOptional() || a.IsSensitive() {
			t.Errorf("provider attribute %s: want optional and not sensitive (credentials come from the SDK's chain)", name)
		}
	}
	if len(names) != 3 {
		t.Errorf("provider attributes %v, want region, profile and endpoint", names)
	}
}

func TestIAMPolicy(t *testing.T) {
	tests := []struct {
		dist          string
		resource      string
		listsAllDists bool
	}{
		{"E2EXAMPLE12345", "arn:aws:cloudfront::*:distribution/E2EXAMPLE12345", false},
		{"www.example.com", "arn:aws:cloudfront::*:distribution/*", true},
	}
	for _, tt := range tests {
		t.Run(tt.dist, func(t *testing.T) {
			var doc struct {
				Version   string
				Statement []struct {
					Effect   string
					Action   []string
					Resource []string
				}
			}
			if err := json.Unmarshal([]byte(iamPolicy(tt.dist)), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Version != "2012-10-17" || doc.Statement[0].Resource[0] != tt.resource {
				t.Errorf("policy %+v: want version 2012-10-17 and resource %s", doc, tt.resource)
			}
			if got := strings.Join(doc.Statement[0].Action, ","); got != "cloudfront:CreateInvalidation,cloudfront:GetInvalidation,cloudfront:ListInvalidations" {
				t.Errorf("actions %s", got)
			}
			if got := len(doc.Statement) == 2; got != tt.listsAllDists {
				t.Errorf("ListDistributions statement present = %v, want %v", got, tt.listsAllDists)
			}
		})
	}
}

// TestAddress: providerserver.Serve needs hostname/namespace/type, and
// configurations name the provider cfinv/cfinv on the default host.
func TestAddress(t *testing.T) {
	parts := strings.Split(Address, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] != "cfinv" || parts[2] != "cfinv" {
		t.Errorf("Address = %q, want hostname/cfinv/cfinv", Address)
	}
}
