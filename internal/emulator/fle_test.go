package emulator_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/emulator"
)

// Field-level encryption configurations and profiles (issue 27), through
// the real SDK.

func fleProfileConfig(name, keyID string, patterns ...string) *types.FieldLevelEncryptionProfileConfig {
	return &types.FieldLevelEncryptionProfileConfig{Name: aws.String(name), CallerReference: aws.String(name), Comment: aws.String("c"),
		EncryptionEntities: &types.EncryptionEntities{Quantity: aws.Int32(1), Items: []types.EncryptionEntity{{
			PublicKeyId: aws.String(keyID), ProviderId: aws.String("provider"),
			FieldPatterns: &types.FieldPatterns{Quantity: aws.Int32(int32(len(patterns))), Items: patterns},
		}}}}
}

func fleConfig(ref string, profiles ...string) *types.FieldLevelEncryptionConfig {
	c := &types.FieldLevelEncryptionConfig{CallerReference: aws.String(ref), Comment: aws.String("c")}
	if len(profiles) > 0 {
		qa := make([]types.QueryArgProfile, len(profiles))
		for i, p := range profiles {
			qa[i] = types.QueryArgProfile{QueryArg: aws.String(fmt.Sprintf("arg%d", i)), ProfileId: aws.String(p)}
		}
		c.QueryArgProfileConfig = &types.QueryArgProfileConfig{ForwardWhenQueryArgProfileIsUnknown: aws.Bool(true),
			QueryArgProfiles: &types.QueryArgProfiles{Quantity: aws.Int32(int32(len(qa))), Items: qa}}
		c.ContentTypeProfileConfig = &types.ContentTypeProfileConfig{ForwardWhenContentTypeIsUnknown: aws.Bool(true),
			ContentTypeProfiles: &types.ContentTypeProfiles{Quantity: aws.Int32(1), Items: []types.ContentTypeProfile{{
				Format: types.FormatURLEncoded, ContentType: aws.String("application/x-www-form-urlencoded"), ProfileId: aws.String(profiles[0])}}}}
	}
	return c
}

func (f *fixture) createPublicKey(name string) string {
	f.t.Helper()
	pk, err := f.cf.CreatePublicKey(f.t.Context(), &cloudfront.CreatePublicKeyInput{PublicKeyConfig: &types.PublicKeyConfig{
		CallerReference: aws.String(name), Name: aws.String(name), EncodedKey: aws.String(rsaPEM(f.t))}})
	if err != nil {
		f.t.Fatalf("CreatePublicKey: %v", err)
	}
	return aws.ToString(pk.PublicKey.Id)
}

func TestFieldLevelEncryption(t *testing.T) {
	for _, st := range []string{"mem", "bolt"} {
		t.Run(st, func(t *testing.T) {
			var edit []func(*emulator.Options)
			if st == "bolt" {
				edit = append(edit, withBolt(t))
			}
			f := newFixture(t, edit...)
			ctx := t.Context()
			key := f.createPublicKey("k1")
			prof, err := f.cf.CreateFieldLevelEncryptionProfile(ctx, &cloudfront.CreateFieldLevelEncryptionProfileInput{
				FieldLevelEncryptionProfileConfig: fleProfileConfig("p1", key, "ssn", "card-*")})
			if err != nil {
				t.Fatalf("CreateFieldLevelEncryptionProfile: %v", err)
			}
			pid := aws.ToString(prof.FieldLevelEncryptionProfile.Id)
			if aws.ToString(prof.ETag) == "" || aws.ToString(prof.Location) == "" {
				t.Errorf("profile ETag %q, Location %q; want both", aws.ToString(prof.ETag), aws.ToString(prof.Location))
			}
			cfg, err := f.cf.CreateFieldLevelEncryptionConfig(ctx, &cloudfront.CreateFieldLevelEncryptionConfigInput{
				FieldLevelEncryptionConfig: fleConfig("c1", pid)})
			if err != nil {
				t.Fatalf("CreateFieldLevelEncryptionConfig: %v", err)
			}
			cid := aws.ToString(cfg.FieldLevelEncryption.Id)

			got, err := f.cf.GetFieldLevelEncryption(ctx, &cloudfront.GetFieldLevelEncryptionInput{Id: aws.String(cid)})
			if err != nil {
				t.Fatalf("GetFieldLevelEncryption: %v", err)
			}
			if diff := cmp.Diff(pid, aws.ToString(got.FieldLevelEncryption.FieldLevelEncryptionConfig.QueryArgProfileConfig.QueryArgProfiles.Items[0].ProfileId)); diff != "" {
				t.Errorf("config's profile (-want +got):\n%s", diff)
			}
			gp, err := f.cf.GetFieldLevelEncryptionProfileConfig(ctx, &cloudfront.GetFieldLevelEncryptionProfileConfigInput{Id: aws.String(pid)})
			if err != nil {
				t.Fatalf("GetFieldLevelEncryptionProfileConfig: %v", err)
			}
			if diff := cmp.Diff([]string{"ssn", "card-*"}, gp.FieldLevelEncryptionProfileConfig.EncryptionEntities.Items[0].FieldPatterns.Items); diff != "" {
				t.Errorf("profile's patterns (-want +got):\n%s", diff)
			}
			lc, err := f.cf.ListFieldLevelEncryptionConfigs(ctx, &cloudfront.ListFieldLevelEncryptionConfigsInput{})
			if err != nil || aws.ToInt32(lc.FieldLevelEncryptionList.Quantity) != 1 || aws.ToString(lc.FieldLevelEncryptionList.Items[0].Id) != cid {
				t.Errorf("ListFieldLevelEncryptionConfigs: %+v, %v; want %s", lc, err, cid)
			}
			lp, err := f.cf.ListFieldLevelEncryptionProfiles(ctx, &cloudfront.ListFieldLevelEncryptionProfilesInput{})
			if err != nil || aws.ToInt32(lp.FieldLevelEncryptionProfileList.Quantity) != 1 || aws.ToString(lp.FieldLevelEncryptionProfileList.Items[0].Name) != "p1" {
				t.Errorf("ListFieldLevelEncryptionProfiles: %+v, %v; want p1", lp, err)
			}

			// Update with If-Match; a stale ETag is refused.
			up, err := f.cf.UpdateFieldLevelEncryptionProfile(ctx, &cloudfront.UpdateFieldLevelEncryptionProfileInput{Id: aws.String(pid),
				IfMatch: prof.ETag, FieldLevelEncryptionProfileConfig: fleProfileConfig("p1", key, "ssn")})
			if err != nil {
				t.Fatalf("UpdateFieldLevelEncryptionProfile: %v", err)
			}
			_, err = f.cf.UpdateFieldLevelEncryptionProfile(ctx, &cloudfront.UpdateFieldLevelEncryptionProfileInput{Id: aws.String(pid),
				IfMatch: prof.ETag, FieldLevelEncryptionProfileConfig: fleProfileConfig("p1", key, "ssn")})
			wantAPIErr(t, err, "PreconditionFailed", http.StatusPreconditionFailed)

			// In use: the profile by the config, the config by a
			// distribution.
			_, err = f.cf.DeleteFieldLevelEncryptionProfile(ctx, &cloudfront.DeleteFieldLevelEncryptionProfileInput{Id: aws.String(pid), IfMatch: up.ETag})
			wantAPIErr(t, err, "FieldLevelEncryptionProfileInUse", http.StatusConflict)
			pk, err := f.cf.GetPublicKey(ctx, &cloudfront.GetPublicKeyInput{Id: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.cf.DeletePublicKey(ctx, &cloudfront.DeletePublicKeyInput{Id: aws.String(key), IfMatch: pk.ETag})
			wantAPIErr(t, err, "PublicKeyInUse", http.StatusConflict)
			id := aws.ToString(f.createDist("fle").Distribution.Id)
			cur, err := f.cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
			if err != nil {
				t.Fatal(err)
			}
			dc := cur.DistributionConfig
			dc.DefaultCacheBehavior.FieldLevelEncryptionId = aws.String(cid)
			du, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: cur.ETag, DistributionConfig: dc})
			if err != nil {
				t.Fatalf("UpdateDistribution with FieldLevelEncryptionId: %v", err)
			}
			_, err = f.cf.DeleteFieldLevelEncryptionConfig(ctx, &cloudfront.DeleteFieldLevelEncryptionConfigInput{Id: aws.String(cid), IfMatch: cfg.ETag})
			wantAPIErr(t, err, "FieldLevelEncryptionConfigInUse", http.StatusConflict)
			dc.DefaultCacheBehavior.FieldLevelEncryptionId = aws.String("")
			if _, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: du.ETag, DistributionConfig: dc}); err != nil {
				t.Fatalf("UpdateDistribution without FieldLevelEncryptionId: %v", err)
			}
			if _, err := f.cf.DeleteFieldLevelEncryptionConfig(ctx, &cloudfront.DeleteFieldLevelEncryptionConfigInput{Id: aws.String(cid), IfMatch: cfg.ETag}); err != nil {
				t.Fatalf("DeleteFieldLevelEncryptionConfig: %v", err)
			}
			if _, err := f.cf.DeleteFieldLevelEncryptionProfile(ctx, &cloudfront.DeleteFieldLevelEncryptionProfileInput{Id: aws.String(pid), IfMatch: up.ETag}); err != nil {
				t.Fatalf("DeleteFieldLevelEncryptionProfile: %v", err)
			}
			_, err = f.cf.GetFieldLevelEncryptionProfile(ctx, &cloudfront.GetFieldLevelEncryptionProfileInput{Id: aws.String(pid)})
			wantAPIErr(t, err, "NoSuchFieldLevelEncryptionProfile", http.StatusNotFound)
		})
	}
}

func TestFieldLevelEncryptionErrors(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	key := f.createPublicKey("k1")
	prof, err := f.cf.CreateFieldLevelEncryptionProfile(ctx, &cloudfront.CreateFieldLevelEncryptionProfileInput{
		FieldLevelEncryptionProfileConfig: fleProfileConfig("taken", key, "ssn")})
	if err != nil {
		t.Fatalf("CreateFieldLevelEncryptionProfile: %v", err)
	}
	pid := aws.ToString(prof.FieldLevelEncryptionProfile.Id)
	if _, err := f.cf.CreateFieldLevelEncryptionConfig(ctx, &cloudfront.CreateFieldLevelEncryptionConfigInput{
		FieldLevelEncryptionConfig: fleConfig("taken", pid)}); err != nil {
		t.Fatalf("CreateFieldLevelEncryptionConfig: %v", err)
	}
	createProfile := func(c *types.FieldLevelEncryptionProfileConfig) func() error {
		return func() error {
			_, err := f.cf.CreateFieldLevelEncryptionProfile(ctx, &cloudfront.CreateFieldLevelEncryptionProfileInput{FieldLevelEncryptionProfileConfig: c})
			return err
		}
	}
	createConfig := func(c *types.FieldLevelEncryptionConfig) func() error {
		return func() error {
			_, err := f.cf.CreateFieldLevelEncryptionConfig(ctx, &cloudfront.CreateFieldLevelEncryptionConfigInput{FieldLevelEncryptionConfig: c})
			return err
		}
	}
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = pid
		}
		return out
	}
	badType := fleConfig("ct", pid)
	badType.ContentTypeProfileConfig.ContentTypeProfiles.Items[0].ContentType = aws.String("application/json")
	emptyProfile := fleConfig("empty", pid)
	emptyProfile.QueryArgProfileConfig.QueryArgProfiles.Items[0].ProfileId = aws.String("")
	badQuantity := fleProfileConfig("q", key, "ssn")
	badQuantity.EncryptionEntities.Quantity = aws.Int32(2)
	noProvider := fleProfileConfig("np", key, "ssn")
	noProvider.EncryptionEntities.Items[0].ProviderId = aws.String("")
	for _, tc := range []struct {
		name   string
		do     func() error
		code   string
		status int
	}{
		{"profile name taken", createProfile(fleProfileConfig("taken", key, "ssn")), "FieldLevelEncryptionProfileAlreadyExists", http.StatusConflict},
		{"profile with an unknown public key", createProfile(fleProfileConfig("p2", "KNOPE0000000000", "ssn")), "NoSuchPublicKey", http.StatusNotFound},
		{"profile with 11 field patterns", createProfile(fleProfileConfig("p3", key, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")), "TooManyFieldLevelEncryptionFieldPatterns", http.StatusBadRequest},
		{"profile with no field pattern", createProfile(fleProfileConfig("p4", key)), "InvalidArgument", http.StatusBadRequest},
		{"profile Quantity 2 for 1 entity", createProfile(badQuantity), "InconsistentQuantities", http.StatusBadRequest},
		{"profile without provider", createProfile(noProvider), "InvalidArgument", http.StatusBadRequest},
		{"config caller reference taken", createConfig(fleConfig("taken")), "FieldLevelEncryptionConfigAlreadyExists", http.StatusConflict},
		{"config with an unknown profile", createConfig(fleConfig("c2", "PNOPE0000000000")), "NoSuchFieldLevelEncryptionProfile", http.StatusNotFound},
		{"config with 11 query arg profiles", createConfig(fleConfig("c3", many(11)...)), "TooManyFieldLevelEncryptionQueryArgProfiles", http.StatusBadRequest},
		{"config with an empty query arg profile", createConfig(emptyProfile), "QueryArgProfileEmpty", http.StatusBadRequest},
		{"config with content type application/json", createConfig(badType), "InvalidArgument", http.StatusBadRequest},
		{"get unknown config", func() error {
			_, err := f.cf.GetFieldLevelEncryptionConfig(ctx, &cloudfront.GetFieldLevelEncryptionConfigInput{Id: aws.String("CNOPE")})
			return err
		}, "NoSuchFieldLevelEncryptionConfig", http.StatusNotFound},
		{"update without If-Match", func() error {
			_, err := f.cf.UpdateFieldLevelEncryptionProfile(ctx, &cloudfront.UpdateFieldLevelEncryptionProfileInput{Id: aws.String(pid),
				FieldLevelEncryptionProfileConfig: fleProfileConfig("taken", key, "ssn")})
			return err
		}, "InvalidIfMatchVersion", http.StatusBadRequest},
		{"delete unknown profile", func() error {
			_, err := f.cf.DeleteFieldLevelEncryptionProfile(ctx, &cloudfront.DeleteFieldLevelEncryptionProfileInput{Id: aws.String("PNOPE"), IfMatch: aws.String("E1")})
			return err
		}, "NoSuchFieldLevelEncryptionProfile", http.StatusNotFound},
		{"distribution naming an unknown config", func() error {
			c := sdkConfig("fle-bad")
			c.DefaultCacheBehavior.FieldLevelEncryptionId = aws.String("CNOPE")
			_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
			return err
		}, "NoSuchFieldLevelEncryptionConfig", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIErr(t, tc.do(), tc.code, tc.status)
		})
	}
}

func TestFieldLevelEncryptionQuota(t *testing.T) {
	f := newFixture(t)
	for i := range 10 {
		if _, err := f.cf.CreateFieldLevelEncryptionConfig(t.Context(), &cloudfront.CreateFieldLevelEncryptionConfigInput{
			FieldLevelEncryptionConfig: fleConfig(fmt.Sprintf("c%d", i))}); err != nil {
			t.Fatalf("CreateFieldLevelEncryptionConfig %d: %v", i, err)
		}
	}
	_, err := f.cf.CreateFieldLevelEncryptionConfig(t.Context(), &cloudfront.CreateFieldLevelEncryptionConfigInput{
		FieldLevelEncryptionConfig: fleConfig("one-more")})
	wantAPIErr(t, err, "TooManyFieldLevelEncryptionConfigs", http.StatusBadRequest)
}
