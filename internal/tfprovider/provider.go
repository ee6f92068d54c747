// Package tfprovider is the Terraform provider cfinv/cfinv, served by
// cmd/terraform-provider-cfinv over plugin protocol 6 (Terraform 1.0 and
// later, OpenTofu). Its one resource, cfinv_invalidation, invalidates
// CloudFront paths through the cfinv library, so it shares every
// behaviour of the cfinv command: path rules, batching, CloudFront's
// limits, retries and caller references that never bill twice.
//
// The user documentation is docs/index.md and
// docs/resources/invalidation.md, in the Terraform registry's layout.
package tfprovider

import (
	"context"
	"net/url"
	"sync"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	tfaddr "github.com/hashicorp/terraform-registry-address"

	"github.com/cfinv/cfinv"
)

// Address is the provider's full source address (hostname/cfinv/cfinv,
// Terraform's default registry host), which providerserver.Serve requires;
// a configuration's required_providers block and a CLI configuration's
// dev_overrides name it "cfinv/cfinv".
var Address = tfaddr.NewProvider(tfaddr.DefaultProviderRegistryHost, "cfinv", "cfinv").String()

// New returns a function that makes the provider, reporting version, for
// providerserver.NewProtocol6 and the acceptance tests.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &cfinvProvider{version: version} }
}

type cfinvProvider struct {
	version string
}

type providerModel struct {
	Region   types.String `tfsdk:"region"`
	Profile  types.String `tfsdk:"profile"`
	Endpoint types.String `tfsdk:"endpoint"`
}

// providerData is what Configure hands the resources: the client, or nil
// while the configuration is not known yet (a value computed by another
// resource, during plan), which the resources need only at apply.
type providerData struct {
	client *cfinv.Client

	mu sync.Mutex
	// gone holds the objects deleted by this provider process, by their
	// inputs' key, until a create of the same inputs replaces one.
	gone map[string][]previous
}

// deleted records that p was deleted, for a create that replaces it.
func (d *providerData) deleted(p previous) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gone == nil {
		d.gone = map[string][]previous{}
	}
	k := inputsKey(p.Inputs)
	d.gone[k] = append(d.gone[k], p)
}

// replacing returns, and forgets, an object deleted by this process with
// inputs in: the one that a create of in replaces.
func (d *providerData) replacing(in inputs) (previous, bool) {
	if d == nil {
		return previous{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k := inputsKey(in)
	ps := d.gone[k]
	if len(ps) == 0 {
		return previous{}, false
	}
	p := ps[len(ps)-1]
	if len(ps) == 1 {
		delete(d.gone, k)
	} else {
		d.gone[k] = ps[:len(ps)-1]
	}
	return p, true
}

func (p *cfinvProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "cfinv"
	resp.Version = p.version
}

func (p *cfinvProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Invalidates Amazon CloudFront caches with the cfinv library. Credentials come only from the AWS SDK's default chain (environment, shared files, SSO, instance roles); nothing secret is configured here or kept in state.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional:    true,
				Description: "Signing region. CloudFront is global and signed for us-east-1, the default when neither this nor the SDK's chain (AWS_REGION, the profile) gives one.",
			},
			"profile": schema.StringAttribute{
				Optional:    true,
				Description: "Shared configuration profile to load credentials and settings from (as AWS_PROFILE).",
			},
			"endpoint": schema.StringAttribute{
				Optional:    true,
				Description: "Base URL of the CloudFront API, such as a local `cfinv serve` (http://127.0.0.1:8655). Without it the SDK's chain decides, AWS_ENDPOINT_URL_CLOUDFRONT and AWS_ENDPOINT_URL included, else CloudFront's endpoint.",
			},
		},
	}
}

func (p *cfinvProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data := &providerData{}
	resp.ResourceData = data
	if m.Region.IsUnknown() || m.Profile.IsUnknown() || m.Endpoint.IsUnknown() {
		return // configured again, with known values, before apply
	}
	if e := m.Endpoint.ValueString(); e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid endpoint",
				"endpoint "+quote(e)+" is not an http:// or https:// URL with a host, such as http://127.0.0.1:8655 or https://cloudfront.amazonaws.com")
			return
		}
	}
	var opts []func(*config.LoadOptions) error
	if r := m.Region.ValueString(); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if pr := m.Profile.ValueString(); pr != "" {
		opts = append(opts, config.WithSharedConfigProfile(pr))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		at := path.Empty()
		if !m.Profile.IsNull() {
			at = path.Root("profile")
		}
		resp.Diagnostics.AddAttributeError(at, "Cannot load the AWS configuration",
			"The AWS SDK could not load its configuration"+profileNote(m.Profile.ValueString())+": "+err.Error())
		return
	}
	var copts []cfinv.Option
	if e := m.Endpoint.ValueString(); e != "" {
		copts = append(copts, cfinv.WithEndpoint(e))
	}
	data.client = cfinv.New(cfg, copts...)
}

func profileNote(profile string) string {
	if profile == "" {
		return ""
	}
	return " with profile " + quote(profile)
}

func (p *cfinvProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newInvalidationResource}
}

func (p *cfinvProvider) DataSources(context.Context) []func() datasource.DataSource {
	return nil
}
