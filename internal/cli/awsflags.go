package cli

import (
	"context"
	"os"
	"path/filepath"
	"time"

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

// newClient builds the cfinv client these flags describe, on the real
// clock. Commands call it through their options' Client field, which
// tests replace.
func (f *awsFlags) newClient(ios *IO) func(ctx context.Context) (*cfinv.Client, error) {
	return func(ctx context.Context) (*cfinv.Client, error) {
		cfg := cfinv.Config{Profile: f.Profile, Region: f.Region, EndpointURL: f.EndpointURL}
		if f.Debug {
			cfg.Debug = ios.ErrOut
		}
		api, err := cfinv.NewAPI(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return &cfinv.Client{API: api, Endpoint: cfinv.EndpointOf(ctx, api)}, nil
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

// deadline turns --timeout into a deadline on the command's clock; zero
// means none.
func deadline(now func() time.Time, timeout time.Duration) time.Time {
	if timeout <= 0 {
		return time.Time{}
	}
	return now().Add(timeout)
}
