// Package cli is cfinv's command line: one file per command, each with an
// options struct, a constructor taking a runF hook for tests, and a run
// function that does the work through the injected IO.
package cli

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
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
	root := newRootCmd(d, commandNamed(args))
	root.SetArgs(joinSkeletonValue(args))
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

// joinSkeletonValue makes "--generate-cli-skeleton output" read as the
// AWS CLI reads it (an optional value, argparse's nargs='?'): the flag
// takes the next argument unless that is a flag, so "output" and a bad
// value alike reach the flag rather than become a path or an extra
// argument. pflag on its own takes a value only after '='.
func joinSkeletonValue(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "--generate-cli-skeleton" && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			a += "=" + args[i+1]
			i++
		}
		out = append(out, a)
	}
	return out
}

// commands are the root's commands, in the order of the help text, with
// the names and aliases they answer to (TestCommandNames checks them
// against the built commands).
var commands = []struct {
	names []string
	group string // groupCfinv or groupAWS
	build func(*Deps) *cobra.Command
}{
	{[]string{"invalidate", "create-invalidation"}, groupCfinv, func(d *Deps) *cobra.Command { return newInvalidateCmd(d, nil) }},
	{[]string{"wait", "invalidation-completed"}, groupCfinv, func(d *Deps) *cobra.Command { return newWaitCmd(d, nil) }},
	{[]string{"get", "get-invalidation"}, groupCfinv, func(d *Deps) *cobra.Command { return newGetCmd(d, nil) }},
	{[]string{"list", "list-invalidations"}, groupCfinv, func(d *Deps) *cobra.Command { return newListCmd(d, nil) }},
	{[]string{"distributions"}, groupCfinv, func(d *Deps) *cobra.Command { return newDistributionsCmd(d, nil) }},
	{[]string{"create-invalidation-for-distribution-tenant"}, groupAWS, func(d *Deps) *cobra.Command { return newCreateTenantInvalidationCmd(d, nil) }},
	{[]string{"get-invalidation-for-distribution-tenant"}, groupAWS, func(d *Deps) *cobra.Command { return newGetTenantInvalidationCmd(d, nil) }},
	{[]string{"list-invalidations-for-distribution-tenant"}, groupAWS, func(d *Deps) *cobra.Command { return newListTenantInvalidationsCmd(d, nil) }},
	{[]string{"iam-policy"}, groupCfinv, func(d *Deps) *cobra.Command { return newIAMPolicyCmd(d, nil) }},
	{[]string{"deploy"}, groupCfinv, func(d *Deps) *cobra.Command { return newDeployCmd(d, nil) }},
	{[]string{"plan"}, groupCfinv, func(d *Deps) *cobra.Command { return newPlanCmd(d, nil) }},
	{[]string{"serve"}, groupCfinv, func(d *Deps) *cobra.Command { return newServeCmd(d, nil) }},
	{[]string{"demo"}, groupCfinv, func(d *Deps) *cobra.Command { return newDemoCmd(d, nil) }},
}

// The groups of the root's help: cfinv's own commands, and the AWS CLI's
// command names (an "aws cloudfront …" command line works with "cfinv …").
const (
	groupCfinv = "cfinv"
	groupAWS   = "aws"
)

// awsNames are the AWS CLI's command names that are aliases of cfinv
// commands, listed in the help's AWS group before the commands that only
// have an AWS name (TestRootHelpListsAWSNames checks that each runs cmd).
var awsNames = []struct{ name, cmd, short string }{
	{"create-invalidation", "invalidate", "Create an invalidation, as the AWS CLI does (cfinv invalidate)"},
	{"get-invalidation", "get", "Show one invalidation, as the AWS CLI does (cfinv get)"},
	{"list-invalidations", "list", "List a distribution's invalidations, as the AWS CLI does (cfinv list)"},
	{"wait invalidation-completed", "wait", "Wait until an invalidation is Completed, as the AWS CLI does (cfinv wait)"},
}

// awsGroupTitle is the title of the help's AWS group followed by the rows
// of awsNames, padded as cobra pads the rows of the commands that follow:
// cobra lists only commands in a group, not aliases.
func awsGroupTitle() string {
	width := 0
	for _, c := range commands {
		width = max(width, len(c.names[0]))
	}
	var b strings.Builder
	b.WriteString(`AWS CLI commands ("aws cloudfront" replaced by "cfinv"):`)
	for _, a := range awsNames {
		fmt.Fprintf(&b, "\n  %-*s %s", width, a.name, a.short)
	}
	return b.String()
}

// commandNamed is the index in commands of the command args run, or -1
// when args run something else (help, completion, a topic, a flag of the
// root, a name cobra would have to guess at).
func commandNamed(args []string) int {
	if len(args) == 0 {
		return -1
	}
	for i, c := range commands {
		if slices.Contains(c.names, args[0]) {
			return i
		}
	}
	return -1
}

// NewRootCmd builds the command tree.
func NewRootCmd(d *Deps) *cobra.Command { return newRootCmd(d, -1) }

// newRootCmd builds the root with every command, or, for only the
// command at index only, with that one: a run of one command does not pay
// for building the flags of the others (issue 16).
func newRootCmd(d *Deps, only int) *cobra.Command {
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
	// "cfinv completion bash|zsh|fish|powershell" is listed in the help
	// and the README (issue 11 item 9).
	root.AddGroup(&cobra.Group{ID: groupCfinv, Title: "Commands:"}, &cobra.Group{ID: groupAWS, Title: awsGroupTitle()})
	for i, c := range commands {
		if only < 0 || i == only {
			cmd := c.build(d)
			cmd.GroupID = c.group
			root.AddCommand(cmd)
		}
	}
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
	bi, _ := debug.ReadBuildInfo()
	return versionOf(Version, bi)
}

// versionOf is what --version prints: the release version (ldflags), else
// the module version of the build info (a go install'ed or go built
// binary has one), and the VCS revision it was built from, marked
// "modified" for a dirty tree; "dev" only when nothing is known.
func versionOf(release string, bi *debug.BuildInfo) string {
	v := release
	var rev, modified string
	if bi != nil {
		if v == "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
	}
	switch {
	case v == "" && rev == "":
		return "dev"
	case rev == "":
		return v
	case v == "":
		v = "(devel)"
	}
	v += ", revision " + rev
	if modified == "true" {
		v += " (modified)"
	}
	return v
}

// isTyped reports whether err already says how to exit.
func isTyped(err error) bool {
	return exitCode(err) != ExitFailure
}
