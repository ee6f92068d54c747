package cli

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
)

// TestMain lets testscript run "cfinv" as a subprocess of this test binary
// that calls Main, exactly as cmd/cfinv does.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cfinv": func() { os.Exit(Main(context.Background(), os.Args[1:], SystemIO(), os.Getenv)) },
	})
}

// TestScripts runs testdata/script/*.txtar end to end: each script gets its
// own emulator on loopback (completion after 300ms), reached through
// CFINV_ENDPOINT_URL, dummy credentials and a state directory in $WORK.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			srv := httptest.NewServer(emulator.New(emulator.Options{Store: store.NewMem(), CompletionDelay: 300 * time.Millisecond}).Handler())
			env.Defer(srv.Close)
			for k, v := range map[string]string{
				"CFINV_ENDPOINT_URL": srv.URL, "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret",
				"AWS_CONFIG_FILE": env.WorkDir + "/none", "AWS_SHARED_CREDENTIALS_FILE": env.WorkDir + "/none",
				"AWS_EC2_METADATA_DISABLED": "true", "XDG_STATE_HOME": env.WorkDir + "/state",
			} {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// mkdist ALIAS creates a distribution with that alias and sets $DIST.
			"mkdist": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: mkdist ALIAS")
				}
				api := cloudfront.New(cloudfront.Options{
					BaseEndpoint: aws.String(ts.Getenv("CFINV_ENDPOINT_URL")), Region: "us-east-1",
					Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
				})
				out, err := api.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
					CallerReference: aws.String(args[0]), Comment: aws.String(""), Enabled: aws.Bool(true),
					Aliases: &types.Aliases{Quantity: aws.Int32(1), Items: []string{args[0]}},
					Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
						Id: aws.String("o1"), DomainName: aws.String("bucket.s3.amazonaws.com"),
						S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
					}}},
					DefaultCacheBehavior: &types.DefaultCacheBehavior{
						TargetOriginId: aws.String("o1"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
						CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
					},
				}})
				ts.Check(err)
				ts.Setenv("DIST", *out.Distribution.Id)
			},
		},
	})
}
