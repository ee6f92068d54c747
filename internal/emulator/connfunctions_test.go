package emulator_test

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/test/harness"
)

// serialCheck allows the device whose leaf certificate has serial 01:02.
const serialCheck = `function connectionHandler(connection) {
    var leaf = connection.clientCertificate.certificates.leaf;
    console.log('serial ' + leaf.serialNumber);
    if (leaf.serialNumber === '01:02') {
        connection.allow();
    } else {
        connection.deny();
    }
}`

func (f *fixture) createConnectionFunction(name, code string) *cloudfront.CreateConnectionFunctionOutput {
	f.t.Helper()
	out, err := f.cf.CreateConnectionFunction(f.t.Context(), &cloudfront.CreateConnectionFunctionInput{
		Name:                     aws.String(name),
		ConnectionFunctionConfig: &types.FunctionConfig{Comment: aws.String("mtls"), Runtime: types.FunctionRuntimeCloudfrontJs20},
		ConnectionFunctionCode:   []byte(code),
		Tags:                     &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}}},
	})
	if err != nil {
		f.t.Fatalf("CreateConnectionFunction %s: %v", name, err)
	}
	return out
}

// TestConnectionFunctionLifecycle covers issue 27's connection functions
// through the SDK: create (201, Location, ETag), describe and get by Id
// and by name, test on the model's event, publish, list by stage, tags,
// update, the in-use refusal and delete.
func TestConnectionFunctionLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created := f.createConnectionFunction("device-check", serialCheck)
	sum := created.ConnectionFunctionSummary
	id := aws.ToString(sum.Id)
	if want := "arn:aws:cloudfront::123456789012:connection-function/" + id; aws.ToString(sum.ConnectionFunctionArn) != want {
		t.Errorf("ConnectionFunctionArn = %q, want %q", aws.ToString(sum.ConnectionFunctionArn), want)
	}
	if sum.Stage != types.FunctionStageDevelopment || aws.ToString(sum.Status) != "UNPUBLISHED" {
		t.Errorf("stage, status = %s, %s; want DEVELOPMENT, UNPUBLISHED", sum.Stage, aws.ToString(sum.Status))
	}
	if loc := aws.ToString(created.Location); loc != f.srv.URL+"/2020-05-31/connection-function/"+id {
		t.Errorf("Location = %q", loc)
	}
	devETag := aws.ToString(created.ETag)

	for _, ident := range []string{id, "device-check", aws.ToString(sum.ConnectionFunctionArn)} {
		d, err := f.cf.DescribeConnectionFunction(ctx, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String(ident)})
		if err != nil {
			t.Fatalf("DescribeConnectionFunction(%s): %v", ident, err)
		}
		if aws.ToString(d.ETag) != devETag || aws.ToString(d.ConnectionFunctionSummary.ConnectionFunctionConfig.Comment) != "mtls" {
			t.Errorf("DescribeConnectionFunction(%s) = ETag %q, %+v", ident, aws.ToString(d.ETag), d.ConnectionFunctionSummary)
		}
	}
	got, err := f.cf.GetConnectionFunction(ctx, &cloudfront.GetConnectionFunctionInput{Identifier: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if string(got.ConnectionFunctionCode) != serialCheck || aws.ToString(got.ETag) != devETag {
		t.Errorf("GetConnectionFunction = %q, ETag %q", got.ConnectionFunctionCode, aws.ToString(got.ETag))
	}
	if ct := aws.ToString(got.ContentType); ct != "application/octet-stream" {
		t.Errorf("GetConnectionFunction ContentType = %q, want application/octet-stream", ct)
	}
	_, err = f.cf.GetConnectionFunction(ctx, &cloudfront.GetConnectionFunctionInput{Identifier: aws.String(id), Stage: types.FunctionStageLive})
	wantAPIErr(t, err, "EntityNotFound", 404)

	for _, tc := range []struct {
		name, serial, want string
	}{{"allowed device", "01:02", `{"action":"allow"}`}, {"other device", "99", `{"action":"deny"}`}} {
		test, err := f.cf.TestConnectionFunction(ctx, &cloudfront.TestConnectionFunctionInput{
			Id: aws.String(id), IfMatch: aws.String(devETag),
			ConnectionObject: []byte(`{"clientIp":"203.0.113.7","clientCertificate":{"certificates":{"leaf":{"serialNumber":"` + tc.serial + `"}}}}`),
		})
		if err != nil {
			t.Fatalf("%s: TestConnectionFunction: %v", tc.name, err)
		}
		res := test.ConnectionFunctionTestResult
		if aws.ToString(res.ConnectionFunctionOutput) != tc.want || len(res.ConnectionFunctionExecutionLogs) != 1 || res.ConnectionFunctionErrorMessage != nil {
			t.Errorf("%s: output %q, logs %q, error %v; want %s", tc.name, aws.ToString(res.ConnectionFunctionOutput), res.ConnectionFunctionExecutionLogs, res.ConnectionFunctionErrorMessage, tc.want)
		}
	}

	pub, err := f.cf.PublishConnectionFunction(ctx, &cloudfront.PublishConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(devETag)})
	if err != nil {
		t.Fatal(err)
	}
	if pub.ConnectionFunctionSummary.Stage != types.FunctionStageLive || aws.ToString(pub.ConnectionFunctionSummary.Status) != "UNASSOCIATED" {
		t.Errorf("PublishConnectionFunction = %s %s, want LIVE UNASSOCIATED", pub.ConnectionFunctionSummary.Stage, aws.ToString(pub.ConnectionFunctionSummary.Status))
	}
	list, err := f.cf.ListConnectionFunctions(ctx, &cloudfront.ListConnectionFunctionsInput{Stage: types.FunctionStageLive})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.ConnectionFunctions) != 1 || aws.ToString(list.ConnectionFunctions[0].Id) != id {
		t.Errorf("ListConnectionFunctions(LIVE) = %+v, want %s", list.ConnectionFunctions, id)
	}
	all, err := f.cf.ListConnectionFunctions(ctx, &cloudfront.ListConnectionFunctionsInput{MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.ConnectionFunctions) != 1 || all.NextMarker == nil {
		t.Errorf("ListConnectionFunctions(MaxItems 1) = %d items, NextMarker %v; want 1 and a marker", len(all.ConnectionFunctions), all.NextMarker)
	}

	tags, err := f.cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: sum.ConnectionFunctionArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags.Items) != 1 || aws.ToString(tags.Tags.Items[0].Key) != "team" {
		t.Errorf("ListTagsForResource = %+v, want team=edge", tags.Tags.Items)
	}
	if _, err := f.cf.TagResource(ctx, &cloudfront.TagResourceInput{Resource: sum.ConnectionFunctionArn,
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = f.cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: sum.ConnectionFunctionArn})
	if len(tags.Tags.Items) != 2 {
		t.Errorf("after TagResource: %d tags, want 2", len(tags.Tags.Items))
	}

	upd, err := f.cf.UpdateConnectionFunction(ctx, &cloudfront.UpdateConnectionFunctionInput{
		Id: aws.String(id), IfMatch: aws.String(devETag),
		ConnectionFunctionConfig: &types.FunctionConfig{Comment: aws.String("v2"), Runtime: types.FunctionRuntimeCloudfrontJs20},
		ConnectionFunctionCode:   []byte(`function connectionHandler(c) { c.deny(); }`),
	})
	if err != nil {
		t.Fatal(err)
	}
	newETag := aws.ToString(upd.ETag)
	if newETag == devETag || aws.ToString(upd.ConnectionFunctionSummary.Status) != "UNPUBLISHED" {
		t.Errorf("UpdateConnectionFunction: ETag %q (was %q), status %s", newETag, devETag, aws.ToString(upd.ConnectionFunctionSummary.Status))
	}

	// A distribution associating it: delete is refused.
	cfg := sdkConfig("with-conn-fn")
	cfg.ConnectionFunctionAssociation = &types.ConnectionFunctionAssociation{Id: aws.String(id)}
	d, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DeleteConnectionFunction(ctx, &cloudfront.DeleteConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(newETag)})
	wantAPIErr(t, err, "CannotDeleteEntityWhileInUse", 409)
	desc, err := f.cf.DescribeConnectionFunction(ctx, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String(id), Stage: types.FunctionStageLive})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.ConnectionFunctionSummary.Status) != "DEPLOYED" {
		t.Errorf("LIVE status with a distribution = %s, want DEPLOYED", aws.ToString(desc.ConnectionFunctionSummary.Status))
	}
	cfg.Enabled = aws.Bool(false)
	cfg.ConnectionFunctionAssociation = nil
	if _, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Distribution.Id, IfMatch: d.ETag, DistributionConfig: cfg}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cf.DeleteConnectionFunction(ctx, &cloudfront.DeleteConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(newETag)}); err != nil {
		t.Fatalf("DeleteConnectionFunction: %v", err)
	}
	_, err = f.cf.DescribeConnectionFunction(ctx, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String(id)})
	wantAPIErr(t, err, "EntityNotFound", 404)
}

// TestConnectionFunctionErrors covers each documented error the emulator
// answers for connection functions.
func TestConnectionFunctionErrors(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created := f.createConnectionFunction("exists", serialCheck)
	id, etag := aws.ToString(created.ConnectionFunctionSummary.Id), aws.ToString(created.ETag)
	cfg := func(runtime types.FunctionRuntime) *types.FunctionConfig {
		return &types.FunctionConfig{Comment: aws.String("c"), Runtime: runtime}
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"name taken", func() error {
			_, err := f.cf.CreateConnectionFunction(ctx, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("exists"),
				ConnectionFunctionConfig: cfg(types.FunctionRuntimeCloudfrontJs20), ConnectionFunctionCode: []byte(serialCheck)})
			return err
		}, "EntityAlreadyExists", 409},
		{"bad name", func() error {
			_, err := f.cf.CreateConnectionFunction(ctx, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("no spaces"),
				ConnectionFunctionConfig: cfg(types.FunctionRuntimeCloudfrontJs20), ConnectionFunctionCode: []byte(serialCheck)})
			return err
		}, "InvalidArgument", 400},
		{"syntax error", func() error {
			_, err := f.cf.CreateConnectionFunction(ctx, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("broken"),
				ConnectionFunctionConfig: cfg(types.FunctionRuntimeCloudfrontJs20), ConnectionFunctionCode: []byte("function connectionHandler( {")})
			return err
		}, "InvalidArgument", 400},
		{"let on 1.0", func() error {
			_, err := f.cf.CreateConnectionFunction(ctx, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("es51"),
				ConnectionFunctionConfig: cfg(types.FunctionRuntimeCloudfrontJs10), ConnectionFunctionCode: []byte("let x = 1; function connectionHandler(c) { c.allow(); }")})
			return err
		}, "InvalidArgument", 400},
		{"bad runtime", func() error {
			_, err := f.cf.CreateConnectionFunction(ctx, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("rt"),
				ConnectionFunctionConfig: cfg("cloudfront-js-9.0"), ConnectionFunctionCode: []byte(serialCheck)})
			return err
		}, "InvalidArgument", 400},
		{"code too large", func() error {
			big := make([]byte, 11*1024)
			for i := range big {
				big[i] = ' '
			}
			_, err := f.cf.CreateConnectionFunction(ctx, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("big"),
				ConnectionFunctionConfig: cfg(types.FunctionRuntimeCloudfrontJs20), ConnectionFunctionCode: big})
			return err
		}, "EntitySizeLimitExceeded", 413},
		{"unknown kvs", func() error {
			c := cfg(types.FunctionRuntimeCloudfrontJs20)
			c.KeyValueStoreAssociations = &types.KeyValueStoreAssociations{Quantity: aws.Int32(1), Items: []types.KeyValueStoreAssociation{
				{KeyValueStoreARN: aws.String("arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-0000-0000-000000000000")}}}
			_, err := f.cf.CreateConnectionFunction(ctx, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("kvs"),
				ConnectionFunctionConfig: c, ConnectionFunctionCode: []byte(serialCheck)})
			return err
		}, "EntityNotFound", 404},
		{"inconsistent quantity", func() error {
			c := cfg(types.FunctionRuntimeCloudfrontJs20)
			c.KeyValueStoreAssociations = &types.KeyValueStoreAssociations{Quantity: aws.Int32(2), Items: []types.KeyValueStoreAssociation{
				{KeyValueStoreARN: aws.String("arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-0000-0000-000000000000")}}}
			_, err := f.cf.CreateConnectionFunction(ctx, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("qty"),
				ConnectionFunctionConfig: c, ConnectionFunctionCode: []byte(serialCheck)})
			return err
		}, "InconsistentQuantities", 400},
		{"list bad stage", func() error {
			_, err := f.cf.ListConnectionFunctions(ctx, &cloudfront.ListConnectionFunctionsInput{Stage: "STAGING"})
			return err
		}, "InvalidArgument", 400},
		{"list bad marker", func() error {
			_, err := f.cf.ListConnectionFunctions(ctx, &cloudfront.ListConnectionFunctionsInput{Marker: aws.String("nope")})
			return err
		}, "InvalidArgument", 400},
		{"describe bad stage", func() error {
			_, err := f.cf.DescribeConnectionFunction(ctx, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String(id), Stage: "STAGING"})
			return err
		}, "InvalidArgument", 400},
		{"describe unknown", func() error {
			_, err := f.cf.DescribeConnectionFunction(ctx, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String("NOPE")})
			return err
		}, "EntityNotFound", 404},
		{"update without If-Match", func() error {
			_, err := f.cf.UpdateConnectionFunction(ctx, &cloudfront.UpdateConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(""),
				ConnectionFunctionConfig: cfg(types.FunctionRuntimeCloudfrontJs20), ConnectionFunctionCode: []byte(serialCheck)})
			return err
		}, "InvalidIfMatchVersion", 400},
		{"update stale ETag", func() error {
			_, err := f.cf.UpdateConnectionFunction(ctx, &cloudfront.UpdateConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String("ESTALE"),
				ConnectionFunctionConfig: cfg(types.FunctionRuntimeCloudfrontJs20), ConnectionFunctionCode: []byte(serialCheck)})
			return err
		}, "PreconditionFailed", 412},
		{"update unknown", func() error {
			_, err := f.cf.UpdateConnectionFunction(ctx, &cloudfront.UpdateConnectionFunctionInput{Id: aws.String("NOPE"), IfMatch: aws.String(etag),
				ConnectionFunctionConfig: cfg(types.FunctionRuntimeCloudfrontJs20), ConnectionFunctionCode: []byte(serialCheck)})
			return err
		}, "EntityNotFound", 404},
		{"publish stale ETag", func() error {
			_, err := f.cf.PublishConnectionFunction(ctx, &cloudfront.PublishConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String("ESTALE")})
			return err
		}, "PreconditionFailed", 412},
		{"test LIVE before publish", func() error {
			_, err := f.cf.TestConnectionFunction(ctx, &cloudfront.TestConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(etag),
				Stage: types.FunctionStageLive, ConnectionObject: []byte(`{}`)})
			return err
		}, "EntityNotFound", 404},
		{"test stale ETag", func() error {
			_, err := f.cf.TestConnectionFunction(ctx, &cloudfront.TestConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String("ESTALE"),
				ConnectionObject: []byte(`{}`)})
			return err
		}, "PreconditionFailed", 412},
		{"test event not JSON", func() error {
			_, err := f.cf.TestConnectionFunction(ctx, &cloudfront.TestConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(etag),
				ConnectionObject: []byte(`not json`)})
			return err
		}, "InvalidArgument", 400},
		{"delete stale ETag", func() error {
			_, err := f.cf.DeleteConnectionFunction(ctx, &cloudfront.DeleteConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String("ESTALE")})
			return err
		}, "PreconditionFailed", 412},
		{"delete unknown", func() error {
			_, err := f.cf.DeleteConnectionFunction(ctx, &cloudfront.DeleteConnectionFunctionInput{Id: aws.String("NOPE"), IfMatch: aws.String(etag)})
			return err
		}, "EntityNotFound", 404},
		{"tags of unknown", func() error {
			_, err := f.cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String("arn:aws:cloudfront::123456789012:connection-function/NOPE")})
			return err
		}, "NoSuchResource", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
	// A handler that fails is a result, not an error.
	test, err := f.cf.TestConnectionFunction(ctx, &cloudfront.TestConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(etag),
		ConnectionObject: []byte(`{"clientIp":"203.0.113.7"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if test.ConnectionFunctionTestResult.ConnectionFunctionErrorMessage == nil || aws.ToString(test.ConnectionFunctionTestResult.ConnectionFunctionOutput) != "" {
		t.Errorf("a handler reading a missing certificate: error %v, output %q; want an error message and no output",
			test.ConnectionFunctionTestResult.ConnectionFunctionErrorMessage, aws.ToString(test.ConnectionFunctionTestResult.ConnectionFunctionOutput))
	}
}

// TestConnectionFunctionRestart checks that a connection function, its
// stages and tags survive a restart on the same bbolt file.
func TestConnectionFunctionRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	start := restartable(t, path, harness.NewClock(t0))
	cf, stop := start()
	f := &fixture{t: t, cf: cf}
	created := f.createConnectionFunction("persisted", serialCheck)
	id := created.ConnectionFunctionSummary.Id
	if _, err := cf.PublishConnectionFunction(t.Context(), &cloudfront.PublishConnectionFunctionInput{Id: id, IfMatch: created.ETag}); err != nil {
		t.Fatal(err)
	}
	stop()
	cf, stop = start()
	defer stop()
	d, err := cf.DescribeConnectionFunction(t.Context(), &cloudfront.DescribeConnectionFunctionInput{Identifier: id, Stage: types.FunctionStageLive})
	if err != nil {
		t.Fatalf("DescribeConnectionFunction after restart: %v", err)
	}
	if aws.ToString(d.ConnectionFunctionSummary.Name) != "persisted" {
		t.Errorf("after restart: %+v", d.ConnectionFunctionSummary)
	}
	got, err := cf.GetConnectionFunction(t.Context(), &cloudfront.GetConnectionFunctionInput{Identifier: id})
	if err != nil || string(got.ConnectionFunctionCode) != serialCheck || aws.ToString(got.ETag) != aws.ToString(created.ETag) {
		t.Errorf("GetConnectionFunction after restart = %q, %v", got.ConnectionFunctionCode, err)
	}
	tags, err := cf.ListTagsForResource(t.Context(), &cloudfront.ListTagsForResourceInput{Resource: created.ConnectionFunctionSummary.ConnectionFunctionArn})
	if err != nil || len(tags.Tags.Items) != 1 {
		t.Errorf("tags after restart: %v, %v", tags, err)
	}
}

// TestDistributionNamesUnknownConnectionFunction: a distribution whose
// ConnectionFunctionAssociation names no connection function is refused
// with EntityNotFound (issue 27).
func TestDistributionNamesUnknownConnectionFunction(t *testing.T) {
	f := newFixture(t)
	cfg := sdkConfig("unknown-conn-fn")
	cfg.ConnectionFunctionAssociation = &types.ConnectionFunctionAssociation{Id: aws.String("NOSUCHFUNCTION")}
	_, err := f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	wantAPIErr(t, err, "EntityNotFound", 404)
}

// TestConnectionFunctionQuota: the 101st connection function of an account
// is refused with EntityLimitExceeded (the quota of 100, CloudFront's for
// functions).
func TestConnectionFunctionQuota(t *testing.T) {
	f := newFixture(t)
	for i := range 100 {
		f.createConnectionFunction("fn-"+itoa(int64(i)), serialCheck)
	}
	_, err := f.cf.CreateConnectionFunction(t.Context(), &cloudfront.CreateConnectionFunctionInput{Name: aws.String("one-too-many"),
		ConnectionFunctionConfig: &types.FunctionConfig{Comment: aws.String("c"), Runtime: types.FunctionRuntimeCloudfrontJs20},
		ConnectionFunctionCode:   []byte(serialCheck)})
	wantAPIErr(t, err, "EntityLimitExceeded", 400)
}
