// Package cli is cfinv's command line: one file per command, each with an
// options struct, a constructor taking a runF hook for tests, and a run
// function that does the work through the injected IO.
package cli

import (
	"context"
	"errors"
	"runtime/debug"
	"strings"
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
		if !cmd.HasParent() && !isTyped(err) {
			// cobra reports an unknown command ("cfinv bogus") with an
			// untyped error from the root: a usage error all the same.
			err = &FlagError{Err: err}
		}
	}
	detectGitHubCI(getenv, ios.ErrOut).fail(err) // an ::error:: annotation in GitHub Actions (ci.go)
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
	root.SetHelpCommand(newHelpCmd())
	typeArgs(root)
	return root
}

// newHelpCmd replaces cobra's help command, which prints "Unknown help
// topic" for a name it does not know and then succeeds: here that is a
// usage error (exit 2) naming the topic.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help about any command or topic, such as \"cfinv help environment\".",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, _, err := c.Root().Find(args)
			if err != nil || cmd == nil || (len(args) > 0 && cmd == c.Root()) {
				return flagErrorf("unknown help topic %q: run 'cfinv help' for the list of commands", strings.Join(args, " "))
			}
			return cmd.Help()
		},
	}
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

// isTyped reports whether err already says how to exit.
func isTyped(err error) bool {
	return exitCode(err) != ExitFailure
}
