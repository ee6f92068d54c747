package tfprovider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfpath"
)

// Timeouts: the aws_cloudfront_create_invalidation action's default and
// range (900 s, 60 to 3600 s), for create and update alike.
const (
	DefaultTimeout = 15 * time.Minute
	MinTimeout     = 60 * time.Second
	MaxTimeout     = 3600 * time.Second
)

func newInvalidationResource() resource.Resource { return &invalidationResource{} }

type invalidationResource struct {
	data *providerData
}

var (
	_ resource.ResourceWithConfigure      = (*invalidationResource)(nil)
	_ resource.ResourceWithValidateConfig = (*invalidationResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*invalidationResource)(nil)
)

// invalidationModel is the resource's data, attribute for attribute.
type invalidationModel struct {
	ID                types.String   `tfsdk:"id"`
	DistributionID    types.String   `tfsdk:"distribution_id"`
	Paths             types.List     `tfsdk:"paths"`
	Triggers          types.Map      `tfsdk:"triggers"`
	Objects           types.Map      `tfsdk:"objects"`
	OriginPath        types.String   `tfsdk:"origin_path"`
	IndexDocument     types.String   `tfsdk:"index_document"`
	WaitForCompletion types.Bool     `tfsdk:"wait_for_completion"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
	InvalidationIDs   types.List     `tfsdk:"invalidation_ids"`
	CallerReferences  types.List     `tfsdk:"caller_references"`
	BilledPaths       types.Int64    `tfsdk:"billed_paths"`
}

func (r *invalidationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invalidation"
}

func (r *invalidationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Invalidates CloudFront paths on create and when triggers change, and only the URLs of changed or removed objects when objects change. Destroying it only removes it from the state: an invalidation cannot be undone.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "Derived from the inputs of the create, so a create applied again after a failure has the same ID; a replacement (terraform apply -replace, a tainted object) gets a new one, derived from the object it replaces.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"distribution_id": schema.StringAttribute{
				Required:    true,
				Description: "The distribution: its ID (E2EXAMPLE12345), its CloudFront domain name or one of its aliases. Changing it is an update that invalidates paths and every object on the new distribution, as a create does, with caller references new to the resource: moving back to an earlier distribution invalidates it again.",
			},
			"paths": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Description: "Paths (/index.html, /img/*) and cache tags (#tag) invalidated on create, whenever triggers change and on a change of distribution_id. A missing leading '/' is added and unsafe characters are percent-encoded, as cfinv invalidate does. Changing paths alone invalidates nothing.",
			},
			"triggers": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Description: "Any values; when one changes, paths are invalidated again (as terraform_data's triggers_replace, without the replacement).",
			},
			"objects": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Description: "Object key → content hash, e.g. { for k, o in aws_s3_object.site : k => o.etag }. On update only the URLs of keys whose hash changed or that were removed are invalidated, planned by cfinv's planner (index forms, origin path, wildcards where they purge nothing unchanged). On create, and when objects is first set, every object's URLs are invalidated.",
			},
			"origin_path": schema.StringAttribute{
				Optional:    true,
				Description: "The origin's path (/production): object keys below it are served with it stripped, keys outside it are not served and never invalidated.",
			},
			"index_document": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString("index.html"),
				Description: "Name of directory index objects: a change to dir/index.html invalidates /dir/, /dir and /dir/index.html, and index.html at the root also /. Empty turns the index forms off. Default index.html.",
			},
			"wait_for_completion": schema.BoolAttribute{
				Optional:    true,
				Computed:    true,
				Default:     booldefault.StaticBool(true),
				Description: "Wait until every invalidation is Completed before the apply goes on. Default true.",
			},
			"invalidation_ids": schema.ListAttribute{
				ElementType:   types.StringType,
				Computed:      true,
				Description:   "The invalidations of the last apply that invalidated anything, one per batch.",
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"caller_references": schema.ListAttribute{
				ElementType:   types.StringType,
				Computed:      true,
				Description:   "Their caller references, derived from the resource's prior state and its inputs: an apply that failed half-way and is run again sends the same ones, and CloudFront bills nothing twice; every apply that succeeded, and every replacement, makes the next ones new.",
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"billed_paths": schema.Int64Attribute{
				Computed:      true,
				Description:   "Paths the last apply that invalidated anything sent, each billable past the monthly free allowance (a wildcard counts as one).",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

func (r *invalidationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	d, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data", fmt.Sprintf("got %T, want *providerData", req.ProviderData))
		return
	}
	r.data = d
}

// ValidateConfig refuses, at plan time, what the apply would refuse: bad
// paths (each named by its index), a bad origin path, a timeout out of
// range, a resource with nothing to invalidate.
func (r *invalidationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m invalidationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.DistributionID.IsUnknown() && !m.DistributionID.IsNull() && m.DistributionID.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(path.Root("distribution_id"), "Empty distribution_id",
			`distribution_id is "": give the distribution's ID (E2EXAMPLE12345), its domain name (d111111abcdef8.cloudfront.net) or an alias`)
	}
	if m.Paths.IsNull() && m.Objects.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("paths"), "Nothing to invalidate",
			"set paths, objects or both: paths are invalidated on create and when triggers change, objects' URLs when their hashes change")
	}
	if !m.Paths.IsUnknown() && !m.Paths.IsNull() {
		for i, v := range m.Paths.Elements() {
			s, ok := v.(types.String)
			if !ok || s.IsUnknown() {
				continue
			}
			at := path.Root("paths").AtListIndex(i)
			if s.IsNull() {
				resp.Diagnostics.AddAttributeError(at, "Invalid path", fmt.Sprintf("paths[%d] is null: want a path such as /index.html or /img/*, or a cache tag #tag", i))
				continue
			}
			if _, _, err := cfpath.Clean(s.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(at, "Invalid path", fmt.Sprintf("paths[%d]: %v", i, err))
			}
		}
	}
	if op := m.OriginPath; !op.IsUnknown() && !op.IsNull() && op.ValueString() != "" && op.ValueString()[0] != '/' {
		resp.Diagnostics.AddAttributeError(path.Root("origin_path"), "Invalid origin_path",
			fmt.Sprintf("origin_path %q must start with '/', e.g. /production (or be empty)", op.ValueString()))
	}
	if !m.Timeouts.IsNull() && !m.Timeouts.IsUnknown() {
		for _, name := range []string{"create", "update"} {
			validateTimeout(m.Timeouts, name, &resp.Diagnostics)
		}
	}
}

// validateTimeout checks timeouts.<name>, when set and known, against the
// action's range.
func validateTimeout(t timeouts.Value, name string, diags *diag.Diagnostics) {
	v, ok := t.Attributes()[name].(types.String)
	if !ok || v.IsNull() || v.IsUnknown() {
		return
	}
	at := path.Root("timeouts").AtName(name)
	d, err := time.ParseDuration(v.ValueString())
	if err != nil {
		diags.AddAttributeError(at, "Invalid timeout", fmt.Sprintf("timeouts.%s %q is not a duration: want one such as 15m or 900s, from %s to %s", name, v.ValueString(), MinTimeout, MaxTimeout))
		return
	}
	if d < MinTimeout || d > MaxTimeout {
		diags.AddAttributeError(at, "Timeout out of range", fmt.Sprintf("timeouts.%s %q is out of range: want %s to %s (60 to 3600 seconds, as aws_cloudfront_create_invalidation)", name, v.ValueString(), MinTimeout, MaxTimeout))
	}
}

// ModifyPlan marks the computed results unknown exactly when the apply
// may invalidate something; otherwise they keep their values from the
// state, so a plan with nothing changed is empty.
func (r *invalidationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return // destroy; or create, where everything computed is unknown
	}
	var prior, planned invalidationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &planned)...)
	if resp.Diagnostics.HasError() {
		return
	}
	w := work(ctx, &prior, &planned, &resp.Diagnostics)
	if resp.Diagnostics.HasError() || !w.maybe && len(w.paths) == 0 {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("invalidation_ids"), types.ListUnknown(types.StringType))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("caller_references"), types.ListUnknown(types.StringType))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("billed_paths"), types.Int64Unknown())...)
}

// previous is what m, a prior state, holds for deriving the next run's
// references.
func (m *invalidationModel) previous() previous {
	refs, _ := stringList(m.CallerReferences)
	return previous{ID: m.ID.ValueString(), Inputs: m.inputs(), CallerReferences: refs}
}

// pending is what an apply of cur over prior (nil for a create) sends.
type pending struct {
	paths []string // the paths and planned object URLs, in order
	// maybe is true when, at plan time, part of the input is unknown so
	// the paths cannot be told yet.
	maybe bool
}

// work decides what an apply invalidates: paths on create, on a change
// of distribution and when triggers changed; every object on create and
// on a change of distribution, else the planned URLs of changed and
// removed objects.
// ModifyPlan and the apply call it alike, so what the plan promises is
// what the apply does.
func work(ctx context.Context, prior, cur *invalidationModel, diags *diag.Diagnostics) pending {
	var w pending
	if prior != nil && !cur.DistributionID.Equal(prior.DistributionID) {
		// Another distribution (or one not known yet): it may hold any
		// object, so this run is a create's.
		prior = nil
	}
	if prior == nil || !cur.Triggers.Equal(prior.Triggers) {
		switch {
		case cur.Paths.IsUnknown():
			w.maybe = true
		case !cur.Paths.IsNull():
			ps, unknown := stringList(cur.Paths)
			w.maybe = w.maybe || unknown
			w.paths = append(w.paths, ps...)
		}
		if !fullyKnown(cur.Triggers) {
			w.maybe = true
		}
	}
	if cur.Objects.IsNull() {
		return w // objects are not (or no longer) tracked
	}
	if !fullyKnown(cur.Objects) || cur.OriginPath.IsUnknown() || cur.IndexDocument.IsUnknown() {
		w.maybe = true
		return w
	}
	var before map[string]string
	if prior != nil && !prior.Objects.IsNull() {
		before = stringMap(prior.Objects)
	}
	after := stringMap(cur.Objects)
	p, _, err := planObjects(before, after, mapping{OriginPath: cur.OriginPath.ValueString(), IndexDocument: cur.IndexDocument.ValueString()})
	if err != nil {
		diags.AddAttributeError(path.Root("objects"), "Cannot plan the objects' invalidation", err.Error())
		return w
	}
	if p != nil {
		tflog.Debug(ctx, "planned the objects' invalidation", map[string]any{"paths": len(p.Paths()), "must": p.Must, "needless": p.Needless})
		w.paths = append(w.paths, p.Paths()...)
	}
	return w
}

func stringList(l types.List) (out []string, unknown bool) {
	for _, v := range l.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsUnknown() {
			unknown = true
			continue
		}
		out = append(out, s.ValueString())
	}
	return out, unknown
}

// fullyKnown reports whether m and all its values are known.
func fullyKnown(m types.Map) bool {
	if m.IsUnknown() {
		return false
	}
	for _, v := range m.Elements() {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

func stringMap(m types.Map) map[string]string {
	out := make(map[string]string, len(m.Elements()))
	for k, v := range m.Elements() {
		if s, ok := v.(types.String); ok {
			out[k] = s.ValueString()
		}
	}
	return out
}

func (m *invalidationModel) inputs() inputs {
	in := inputs{
		DistributionID: m.DistributionID.ValueString(),
		OriginPath:     m.OriginPath.ValueString(),
		IndexDocument:  m.IndexDocument.ValueString(),
	}
	if !m.Paths.IsNull() {
		in.Paths, _ = stringList(m.Paths)
		if in.Paths == nil {
			in.Paths = []string{}
		}
	}
	if !m.Triggers.IsNull() {
		in.Triggers = stringMap(m.Triggers)
	}
	if !m.Objects.IsNull() {
		in.Objects = stringMap(m.Objects)
	}
	return in
}

func (r *invalidationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m invalidationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := m.Timeouts.Create(ctx, DefaultTimeout)
	resp.Diagnostics.Append(d...)
	w := work(ctx, nil, &m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	in := m.inputs()
	m.ID = types.StringValue(resourceID(in))
	run := deployID(nil, in)
	if pred, ok := r.data.replacing(in); ok {
		// A replacement (terraform apply -replace, a tainted object): a
		// new object, with an ID and references of its own. From the
		// inputs alone they would be those of the object replaced, and
		// CloudFront would answer with its invalidation.
		m.ID = types.StringValue(replacementID(pred))
		run = replacementDeployID(m.ID.ValueString(), in)
	}
	// A create that fails sets no state: applied again, it is a first
	// create from the same inputs, so it sends the same references and
	// pays for nothing twice. (A replacement that fails has lost the
	// object it replaces from the state too: applied again, it is a first
	// create, which finds the invalidation of the first create from those
	// inputs and buys nothing.)
	if !r.run(ctx, &m, w.paths, run, timeout, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *invalidationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var prior, m invalidationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := m.Timeouts.Update(ctx, DefaultTimeout)
	resp.Diagnostics.Append(d...)
	w := work(ctx, &prior, &m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = prior.ID
	if len(w.paths) == 0 {
		// Nothing to invalidate: the results are the last run's.
		m.InvalidationIDs, m.CallerReferences, m.BilledPaths = prior.InvalidationIDs, prior.CallerReferences, prior.BilledPaths
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		return
	}
	prev := prior.previous()
	if !r.run(ctx, &m, w.paths, deployID(&prev, m.inputs()), timeout, &resp.Diagnostics) {
		// Keep the prior state: applied again, the update derives the
		// same references from it and pays for nothing twice.
		resp.State.Raw = req.State.Raw.Copy()
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// run invalidates paths on m's distribution as run deployID and records
// the results in m. It reports whether it succeeded; on failure diags say
// why, naming the attribute at fault.
func (r *invalidationResource) run(ctx context.Context, m *invalidationModel, paths []string, deployID string, timeout time.Duration, diags *diag.Diagnostics) bool {
	if len(paths) == 0 {
		m.InvalidationIDs = types.ListValueMust(types.StringType, []attr.Value{})
		m.CallerReferences = types.ListValueMust(types.StringType, []attr.Value{})
		m.BilledPaths = types.Int64Value(0)
		return true
	}
	if r.data == nil || r.data.client == nil {
		diags.AddError("Provider not configured", "the cfinv provider's configuration was not known when the resource was applied")
		return false
	}
	dist := m.DistributionID.ValueString()
	res, err := r.data.client.Invalidate(ctx, cfinv.Request{
		DistributionID: dist,
		Paths:          paths,
		DeployID:       deployID,
		Wait:           m.WaitForCompletion.ValueBool(),
		Timeout:        timeout,
		Progress: func(ev cfinv.Event) {
			tflog.Info(ctx, ev.String())
		},
	})
	if err != nil {
		addError(diags, err, dist, res)
		return false
	}
	var ids, refs []attr.Value
	for _, b := range res.Batches {
		ids = append(ids, types.StringValue(b.ID))
		refs = append(refs, types.StringValue(b.CallerReference))
	}
	m.InvalidationIDs = types.ListValueMust(types.StringType, ids)
	m.CallerReferences = types.ListValueMust(types.StringType, refs)
	m.BilledPaths = types.Int64Value(int64(res.BilledPaths))
	return true
}

// Read keeps the state as it is: an invalidation never changes once made
// (but for its status), and reading nothing keeps plans free of API calls.
func (r *invalidationResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Delete only removes the resource from the state: an invalidation
// cannot be undone. It tells a create of the same inputs later in this
// apply that it replaces the object deleted.
//
// Terraform replaces an object (terraform apply -replace, a tainted
// object) by deleting it and then creating the new one, in the same
// provider process. It plans that create again at apply, with a null
// prior state and no private data, and holds it to the plan: nothing
// planned can name the object replaced, only the delete just before can.
func (r *invalidationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m invalidationModel
	if d := req.State.Get(ctx, &m); d.HasError() {
		return // forgotten all the same; the next create is a first one
	}
	r.data.deleted(m.previous())
}
