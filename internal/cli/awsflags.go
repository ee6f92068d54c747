package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
)

// awsFlags are the flags every command that talks to CloudFront shares,
// named as in the AWS CLI.
type awsFlags struct {
	EndpointURL string
	Profile     string
	Region      string
	Debug       bool
	Output      string
	Query       string
}

func (f *awsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.EndpointURL, "endpoint-url", "", "CloudFront API `URL`, e.g. a local cfinv serve: http://127.0.0.1:8655")
	fl.StringVar(&f.Profile, "profile", "", "AWS shared config profile (credentials come from the SDK's default chain)")
	fl.StringVar(&f.Region, "region", "", "signing region (default: the SDK's, else us-east-1)")
	fl.BoolVar(&f.Debug, "debug", false, "log every request and response on stderr, credentials redacted")
	enumVar(fl, &f.Output, "output", "", []string{"", formatJSON, formatText, formatTable}, "output format: json, text or table (default: table on a terminal, json otherwise)")
	fl.StringVar(&f.Query, "query", "", "JMESPath expression applied to the JSON output, as in the AWS CLI")
}

// clientFunc builds a cfinv client with the command's options; tests
// replace it to add their own (a clock, say), which come last and win.
type clientFunc func(ctx context.Context, opts ...cfinv.Option) (*cfinv.Client, error)

// newClient builds the cfinv client these flags describe: credentials and
// region from the SDK's default chain (with --profile and --region), the
// endpoint from --endpoint-url, the debug log on stderr with --debug.
// Commands call it through their options' Client field, which tests
// replace.
func (f *awsFlags) newClient(ios *IO) clientFunc {
	return func(ctx context.Context, opts ...cfinv.Option) (*cfinv.Client, error) {
		var lo []func(*config.LoadOptions) error
		if f.Profile != "" {
			lo = append(lo, config.WithSharedConfigProfile(f.Profile))
		}
		if f.Region != "" {
			lo = append(lo, config.WithRegion(f.Region))
		}
		cfg, err := config.LoadDefaultConfig(ctx, lo...)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		var o []cfinv.Option
		if f.EndpointURL != "" {
			o = append(o, cfinv.WithEndpoint(f.EndpointURL))
		}
		if f.Debug {
			o = append(o, cfinv.WithDebugLog(ios.ErrOut))
		}
		return cfinv.New(cfg, append(o, opts...)...), nil
	}
}

// resumeFlags are the flags a printed resume command must repeat.
func (f *awsFlags) resumeFlags() []string {
	var out []string
	for _, kv := range [][2]string{{"--endpoint-url", f.EndpointURL}, {"--profile", f.Profile}, {"--region", f.Region}} {
		if kv[1] != "" {
			out = append(out, kv[0], kv[1])
		}
	}
	return out
}

// defaultStateDir is $XDG_STATE_HOME/cfinv, else ~/.local/state/cfinv.
func defaultStateDir(getenv func(string) string) string {
	if s := getenv("XDG_STATE_HOME"); s != "" {
		return filepath.Join(s, "cfinv")
	}
	home := getenv("HOME")
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = h
		}
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".local", "state", "cfinv")
}
