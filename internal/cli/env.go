package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// This file is the only place cfinv reads its own environment variables.
// Precedence: a flag given on the command line, then CFINV_<FLAG>, then the
// flag's default. AWS_* variables are read by the AWS SDK's default chain,
// never here.

// envName returns the variable that sets flag name: --endpoint-url is
// CFINV_ENDPOINT_URL.
func envName(flag string) string {
	return "CFINV_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// envSkip lists flags that make no sense from the environment.
var envSkip = map[string]bool{"help": true, "version": true, "no-descriptions": true}

func init() {
	// The AWS CLI options cfinv refuses are refused on the command line
	// only: a CFINV_COLOR meant for something else must not fail a run.
	for _, r := range refusedOptions {
		envSkip[r.name] = true
	}
}

// applyEnv sets every flag of cmd that was not given on the command line
// from its CFINV_ variable, when that is set and not empty.
func applyEnv(cmd *cobra.Command, getenv func(string) string) error {
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || envSkip[f.Name] {
			return
		}
		v := getenv(envName(f.Name))
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, flagErrorf("invalid value %q in %s for --%s: %v", v, envName(f.Name), f.Name, err))
			return
		}
		f.Changed = true
	})
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// awsEnvironment lists the AWS SDK variables cfinv honours through the SDK.
var awsEnvironment = []struct{ name, use string }{
	{"AWS_PROFILE", "shared config profile (same as --profile)"},
	{"AWS_REGION / AWS_DEFAULT_REGION", "region for signing (CloudFront is global; us-east-1 is used when unset)"},
	{"AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN", "static credentials; also the keys `cfinv serve` accepts"},
	{"AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE", "locations of the shared credentials and config files"},
	{"AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE", "web identity (OIDC) credentials, as on CI runners"},
	{"AWS_ENDPOINT_URL_CLOUDFRONT / AWS_ENDPOINT_URL", "endpoint override read by the SDK (--endpoint-url wins)"},
}

// newEnvironmentTopic builds "cfinv help environment": every CFINV_ variable,
// derived from the flags themselves so the list cannot go stale.
func newEnvironmentTopic(root *cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "environment",
		Short: "Environment variables that cfinv reads",
		Long:  "Environment variables that cfinv reads, and their precedence.",
		Args:  noArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			cmd.Print(environmentHelp(root))
		},
	}
	// "cfinv help environment" prints the table too, not only Long.
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		c.Print(c.Long + "\n\n" + environmentHelp(root))
	})
	return cmd
}

func environmentHelp(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString("Precedence: command-line flag, then CFINV_<FLAG>, then the default.\n\n")
	rows := map[string][]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if envSkip[f.Name] || f.Hidden {
				return
			}
			rows[envName(f.Name)] = append(rows[envName(f.Name)], c.CommandPath()+" --"+f.Name)
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	b.WriteString("cfinv variables:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-28s %s\n", n, strings.Join(dedupe(rows[n]), ", "))
	}
	b.WriteString("\nAWS SDK variables (read by the SDK's default credential chain):\n")
	for _, v := range awsEnvironment {
		fmt.Fprintf(&b, "  %s\n      %s\n", v.name, v.use)
	}
	b.WriteString("\nGitHub Actions variables (set by the runner):\n")
	for _, v := range ciEnvironment {
		fmt.Fprintf(&b, "  %s\n      %s\n", v.name, v.use)
	}
	return b.String()
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
