package emulator_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/test/harness"
)

var canonicalUserPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func oaiConfig(ref, comment string) *types.CloudFrontOriginAccessIdentityConfig {
	return &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String(ref), Comment: aws.String(comment)}
}

func (f *fixture) createOAI(ref, comment string) *cloudfront.CreateCloudFrontOriginAccessIdentityOutput {
	f.t.Helper()
	out, err := f.cf.CreateCloudFrontOriginAccessIdentity(f.t.Context(), &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: oaiConfig(ref, comment)})
	if err != nil {
		f.t.Fatalf("CreateCloudFrontOriginAccessIdentity(%s): %v", ref, err)
	}
	return out
}

// withOAI is sdkConfig with the origin naming oai in S3OriginConfig.
func withOAI(ref, oai string) *types.DistributionConfig {
	c := sdkConfig(ref)
	c.Origins.Items[0].S3OriginConfig.OriginAccessIdentity = aws.String(oai)
	return c
}

// TestOriginAccessIdentities drives the six operations through the real
// SDK, on both stores: shapes, headers, the CallerReference rule, ETags.
func TestOriginAccessIdentities(t *testing.T) {
	for _, st := range []string{"mem", "bolt"} {
		t.Run(st, func(t *testing.T) {
			var edit []func(*emulator.Options)
			if st == "bolt" {
				edit = append(edit, withBolt(t))
			}
			f := newFixture(t, edit...)
			ctx := t.Context()
			created := f.createOAI("ref-1", "site bucket")
			oai := created.CloudFrontOriginAccessIdentity
			id := aws.ToString(oai.Id)
			if !distIDPattern.MatchString(id) || !etagPattern.MatchString(aws.ToString(created.ETag)) ||
				aws.ToString(created.Location) != f.srv.URL+"/2020-05-31/origin-access-identity/cloudfront/"+id {
				t.Errorf("Id %q, ETag %q, Location %q", id, aws.ToString(created.ETag), aws.ToString(created.Location))
			}
			if !canonicalUserPattern.MatchString(aws.ToString(oai.S3CanonicalUserId)) {
				t.Errorf("S3CanonicalUserId = %q, want 64 hex digits", aws.ToString(oai.S3CanonicalUserId))
			}

			// The same CallerReference and config: the same identity.
			again := f.createOAI("ref-1", "site bucket")
			if aws.ToString(again.CloudFrontOriginAccessIdentity.Id) != id || aws.ToString(again.ETag) != aws.ToString(created.ETag) {
				t.Errorf("replayed create = %s %s, want %s %s", aws.ToString(again.CloudFrontOriginAccessIdentity.Id), aws.ToString(again.ETag), id, aws.ToString(created.ETag))
			}

			got, err := f.cf.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: &id})
			if err != nil || aws.ToString(got.ETag) != aws.ToString(created.ETag) ||
				aws.ToString(got.CloudFrontOriginAccessIdentity.S3CanonicalUserId) != aws.ToString(oai.S3CanonicalUserId) ||
				aws.ToString(got.CloudFrontOriginAccessIdentity.CloudFrontOriginAccessIdentityConfig.Comment) != "site bucket" {
				t.Fatalf("GetCloudFrontOriginAccessIdentity = %+v, %v", got, err)
			}
			cfg, err := f.cf.GetCloudFrontOriginAccessIdentityConfig(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityConfigInput{Id: &id})
			if err != nil || aws.ToString(cfg.CloudFrontOriginAccessIdentityConfig.CallerReference) != "ref-1" || aws.ToString(cfg.ETag) != aws.ToString(created.ETag) {
				t.Fatalf("GetCloudFrontOriginAccessIdentityConfig = %+v, %v", cfg, err)
			}

			tests := []struct {
				name, ifMatch, code string
				status              int
			}{
				{"no If-Match", "", "InvalidIfMatchVersion", 400},
				{"stale If-Match", "ESTALE", "PreconditionFailed", 412},
			}
			for _, tt := range tests {
				t.Run("update "+tt.name, func(t *testing.T) {
					in := &cloudfront.UpdateCloudFrontOriginAccessIdentityInput{Id: &id, CloudFrontOriginAccessIdentityConfig: oaiConfig("ref-1", "new")}
					if tt.ifMatch != "" {
						in.IfMatch = aws.String(tt.ifMatch)
					}
					_, err := f.cf.UpdateCloudFrontOriginAccessIdentity(ctx, in)
					wantAPIErr(t, err, tt.code, tt.status)
				})
				t.Run("delete "+tt.name, func(t *testing.T) {
					in := &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: &id}
					if tt.ifMatch != "" {
						in.IfMatch = aws.String(tt.ifMatch)
					}
					_, err := f.cf.DeleteCloudFrontOriginAccessIdentity(ctx, in)
					wantAPIErr(t, err, tt.code, tt.status)
				})
			}
			_, err = f.cf.UpdateCloudFrontOriginAccessIdentity(ctx, &cloudfront.UpdateCloudFrontOriginAccessIdentityInput{
				Id: &id, IfMatch: created.ETag, CloudFrontOriginAccessIdentityConfig: oaiConfig("ref-other", "new")})
			wantAPIErr(t, err, "IllegalUpdate", 400)
			up, err := f.cf.UpdateCloudFrontOriginAccessIdentity(ctx, &cloudfront.UpdateCloudFrontOriginAccessIdentityInput{
				Id: &id, IfMatch: created.ETag, CloudFrontOriginAccessIdentityConfig: oaiConfig("ref-1", "new")})
			if err != nil || aws.ToString(up.ETag) == aws.ToString(created.ETag) ||
				aws.ToString(up.CloudFrontOriginAccessIdentity.CloudFrontOriginAccessIdentityConfig.Comment) != "new" ||
				aws.ToString(up.CloudFrontOriginAccessIdentity.S3CanonicalUserId) != aws.ToString(oai.S3CanonicalUserId) {
				t.Fatalf("UpdateCloudFrontOriginAccessIdentity = %+v, %v", up, err)
			}
			// The config changed: the old request is no longer a replay.
			_, err = f.cf.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
				CloudFrontOriginAccessIdentityConfig: oaiConfig("ref-1", "site bucket")})
			wantAPIErr(t, err, "CloudFrontOriginAccessIdentityAlreadyExists", 409)

			list, err := f.cf.ListCloudFrontOriginAccessIdentities(ctx, &cloudfront.ListCloudFrontOriginAccessIdentitiesInput{})
			if err != nil {
				t.Fatal(err)
			}
			if l := list.CloudFrontOriginAccessIdentityList; aws.ToInt32(l.Quantity) != 1 || aws.ToBool(l.IsTruncated) ||
				aws.ToString(l.Items[0].Id) != id || aws.ToString(l.Items[0].Comment) != "new" ||
				aws.ToString(l.Items[0].S3CanonicalUserId) != aws.ToString(oai.S3CanonicalUserId) {
				t.Fatalf("ListCloudFrontOriginAccessIdentities = %+v", l)
			}

			if _, err := f.cf.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: &id, IfMatch: up.ETag}); err != nil {
				t.Fatalf("DeleteCloudFrontOriginAccessIdentity: %v", err)
			}
			_, err = f.cf.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: &id})
			wantAPIErr(t, err, "NoSuchCloudFrontOriginAccessIdentity", 404)
			_, err = f.cf.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: &id, IfMatch: up.ETag})
			wantAPIErr(t, err, "NoSuchCloudFrontOriginAccessIdentity", 404)
		})
	}
}

// TestOriginAccessIdentityErrors checks each documented error of the
// create, get and update operations that a body or an ID can cause.
func TestOriginAccessIdentityErrors(t *testing.T) {
	f := newFixture(t)
	const root = "/2020-05-31/origin-access-identity/cloudfront"
	ok := `<CloudFrontOriginAccessIdentityConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>r</CallerReference><Comment>c</Comment></CloudFrontOriginAccessIdentityConfig>`
	tests := []struct {
		name, method, path, body, code string
		status                         int
	}{
		{"ok", "POST", root, ok, "", 201},
		{"no body", "POST", root, "", "MissingBody", 400},
		{"no CallerReference", "POST", root, `<CloudFrontOriginAccessIdentityConfig><Comment>c</Comment></CloudFrontOriginAccessIdentityConfig>`, "InvalidArgument", 400},
		{"no Comment", "POST", root, `<CloudFrontOriginAccessIdentityConfig><CallerReference>r2</CallerReference></CloudFrontOriginAccessIdentityConfig>`, "InvalidArgument", 400},
		{"empty CallerReference", "POST", root, `<CloudFrontOriginAccessIdentityConfig><CallerReference></CallerReference><Comment/></CloudFrontOriginAccessIdentityConfig>`, "InvalidArgument", 400},
		{"long Comment", "POST", root, `<CloudFrontOriginAccessIdentityConfig><CallerReference>r3</CallerReference><Comment>` + strings.Repeat("c", 129) + `</Comment></CloudFrontOriginAccessIdentityConfig>`, "InvalidArgument", 400},
		{"unknown element", "POST", root, `<CloudFrontOriginAccessIdentityConfig><CallerReference>r4</CallerReference><Comment/><Name>n</Name></CloudFrontOriginAccessIdentityConfig>`, "MalformedXML", 400},
		{"wrong root", "POST", root, `<OriginAccessControlConfig/>`, "MalformedXML", 400},
		{"reused CallerReference", "POST", root, `<CloudFrontOriginAccessIdentityConfig><CallerReference>r</CallerReference><Comment>other</Comment></CloudFrontOriginAccessIdentityConfig>`, "CloudFrontOriginAccessIdentityAlreadyExists", 409},
		{"get unknown", "GET", root + "/ENOPE", "", "NoSuchCloudFrontOriginAccessIdentity", 404},
		{"get config unknown", "GET", root + "/ENOPE/config", "", "NoSuchCloudFrontOriginAccessIdentity", 404},
		{"list bad marker", "GET", root + "?Marker=ENOPE", "", "InvalidArgument", 400},
		{"list bad MaxItems", "GET", root + "?MaxItems=x", "", "InvalidArgument", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.code == "" {
				if resp.StatusCode != tt.status {
					t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, tt.status, body)
				}
				return
			}
			wantRawErr(t, resp, body, tt.code, tt.status, "")
		})
	}
}

// TestOriginAccessIdentityPaging walks the list with MaxItems 2 and
// checks every identity comes once, in creation order.
func TestOriginAccessIdentityPaging(t *testing.T) {
	f := newFixture(t)
	var want []string
	for i := range 5 {
		want = append(want, aws.ToString(f.createOAI(fmt.Sprintf("page-%d", i), "").CloudFrontOriginAccessIdentity.Id))
	}
	var got []string
	var marker *string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatalf("more pages than identities; got %v so far", got)
		}
		out, err := f.cf.ListCloudFrontOriginAccessIdentities(t.Context(), &cloudfront.ListCloudFrontOriginAccessIdentitiesInput{Marker: marker, MaxItems: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		l := out.CloudFrontOriginAccessIdentityList
		for _, it := range l.Items {
			got = append(got, aws.ToString(it.Id))
		}
		if !aws.ToBool(l.IsTruncated) {
			break
		}
		marker = l.NextMarker
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("paged list = %v, want %v", got, want)
	}
}

// TestOriginAccessIdentityQuota fills the account's quota of identities,
// concurrently, and checks exactly that many were created.
func TestOriginAccessIdentityQuota(t *testing.T) {
	f := newFixture(t)
	const quota, extra = 100, 10
	var wg sync.WaitGroup
	errs := make([]error, quota+extra)
	outs := make([]*cloudfront.CreateCloudFrontOriginAccessIdentityOutput, quota+extra)
	for i := range quota + extra {
		wg.Go(func() {
			outs[i], errs[i] = f.cf.CreateCloudFrontOriginAccessIdentity(t.Context(), &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
				CloudFrontOriginAccessIdentityConfig: oaiConfig(fmt.Sprintf("q-%d", i), "")})
		})
	}
	wg.Wait()
	created, last := 0, -1
	for i, err := range errs {
		if err == nil {
			created, last = created+1, i
			continue
		}
		wantAPIErr(t, err, "TooManyCloudFrontOriginAccessIdentities", 400)
	}
	if created != quota {
		t.Fatalf("created %d identities, want the quota of %d", created, quota)
	}
	// A replay of an existing identity is not a new one: it is answered
	// at the quota too.
	again, err := f.cf.CreateCloudFrontOriginAccessIdentity(t.Context(), &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: oaiConfig(fmt.Sprintf("q-%d", last), "")})
	if err != nil || aws.ToString(again.CloudFrontOriginAccessIdentity.Id) != aws.ToString(outs[last].CloudFrontOriginAccessIdentity.Id) {
		t.Errorf("replay at the quota = %+v, %v; want identity %s", again, err, aws.ToString(outs[last].CloudFrontOriginAccessIdentity.Id))
	}
}

// TestOriginAccessIdentityReferences checks a distribution's
// S3OriginConfig.OriginAccessIdentity against the stored identities, and
// the in-use check on delete.
func TestOriginAccessIdentityReferences(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	oai := f.createOAI("ref", "")
	id := aws.ToString(oai.CloudFrontOriginAccessIdentity.Id)
	tests := []struct {
		name, oai string
	}{
		{"unknown ID", "origin-access-identity/cloudfront/ENOPE"},
		{"bare ID", id},
		{"no ID", "origin-access-identity/cloudfront/"},
		{"other path", "origin-access-identity/s3/" + id},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: withOAI("bad-"+tt.name, tt.oai)})
			wantAPIErr(t, err, "InvalidOriginAccessIdentity", 400)
		})
	}
	dist, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: withOAI("uses", "origin-access-identity/cloudfront/"+id)})
	if err != nil {
		t.Fatalf("CreateDistribution with the identity: %v", err)
	}
	_, err = f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: dist.Distribution.Id, IfMatch: dist.ETag,
		DistributionConfig: withOAI("uses", "origin-access-identity/cloudfront/ENOPE")})
	wantAPIErr(t, err, "InvalidOriginAccessIdentity", 400)
	_, err = f.cf.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: &id, IfMatch: oai.ETag})
	wantAPIErr(t, err, "CloudFrontOriginAccessIdentityInUse", 409)

	// Once no distribution names it, it can go.
	if _, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: dist.Distribution.Id, IfMatch: dist.ETag,
		DistributionConfig: withOAI("uses", "")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cf.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: &id, IfMatch: oai.ETag}); err != nil {
		t.Fatalf("DeleteCloudFrontOriginAccessIdentity after the distribution let go: %v", err)
	}
}

// TestOriginAccessIdentityRestart checks an identity survives a restart
// on a bbolt file with its ID, ETag and S3CanonicalUserId.
func TestOriginAccessIdentityRestart(t *testing.T) {
	start := restartable(t, t.TempDir()+"/state.db", harness.NewClock(t0))
	cf, stop := start()
	created, err := cf.CreateCloudFrontOriginAccessIdentity(t.Context(), &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: oaiConfig("persist", "kept")})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	cf, stop = start()
	defer stop()
	got, err := cf.GetCloudFrontOriginAccessIdentity(t.Context(), &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: created.CloudFrontOriginAccessIdentity.Id})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.ETag) != aws.ToString(created.ETag) ||
		aws.ToString(got.CloudFrontOriginAccessIdentity.S3CanonicalUserId) != aws.ToString(created.CloudFrontOriginAccessIdentity.S3CanonicalUserId) ||
		aws.ToString(got.CloudFrontOriginAccessIdentity.CloudFrontOriginAccessIdentityConfig.Comment) != "kept" {
		t.Errorf("after a restart: %+v, ETag %s; created %+v, ETag %s", got.CloudFrontOriginAccessIdentity, aws.ToString(got.ETag),
			created.CloudFrontOriginAccessIdentity, aws.ToString(created.ETag))
	}
}
