// Package cli is cfinv's command line: one file per command, each with an
// options struct, a constructor taking a runF hook for tests, and a run
// function that does the work through the injected IO.
package cli

import (
	"context"
	"errors"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
)

// Version is the release version, set with -ldflags "-X …cli.Version=v1.2.3".
var Version = ""

// Deps are the process-level dependencies every command receives.
type Deps struct {
	IO     *IO
	Getenv func(string) string
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Main runs cfinv with args (without the program name) and returns the
// process exit code. It is what cmd/cfinv calls and what end-to-end tests
// call in-process.
func Main(ctx context.Context, args []string, ios *IO, getenv func(string) string) int {
	d := &Deps{IO: ios, Getenv: getenv, Now: time.Now}
	root := NewRootCmd(d)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil && !errors.Is(err, context.Canceled) && errors.Is(ctx.Err(), context.Canceled) {
		err = &ExitError{Code: ExitInterrupted, Err: err}
	}
	path := ""
	if cmd != nil {
		path = cmd.CommandPath()
	}
	printError(ios.ErrOut, err, path)
	return exitCode(err)
}

// NewRootCmd builds the command tree.
func NewRootCmd(d *Deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "cfinv",
		Short: "Invalidate CloudFront caches, plan what to invalidate, and run a local CloudFront",
		Long: `cfinv creates, waits for, lists and inspects Amazon CloudFront invalidations with
AWS-CLI-compatible inputs and outputs, plans the cheapest correct set of paths from
what a deploy changed, and serves a local CloudFront-compatible API with a caching
edge so the whole pipeline can be tried without an AWS account.

Every flag --some-flag can also be set with the environment variable
CFINV_SOME_FLAG; a flag on the command line wins. See "cfinv help environment".`,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd, d.Getenv)
		},
	}
	root.SetIn(d.IO.In)
	root.SetOut(d.IO.Out)
	root.SetErr(d.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &FlagError{Err: err}
	})
	root.CompletionOptions.HiddenDefaultCmd = true

	root.AddCommand(
		// Commands are listed here, one line each, in the order of the help text.
		newInvalidateCmd(d, nil),
		newWaitCmd(d, nil),
		newGetCmd(d, nil),
		newListCmd(d, nil),
		newDistributionsCmd(d, nil),
		newIAMPolicyCmd(d, nil),
		newPlanCmd(d, nil),
		newServeCmd(d, nil),
		newDemoCmd(d, nil),
	)
	root.AddCommand(newEnvironmentTopic(root))
	return root
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
