package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flag values that check themselves when they are set, so that a bad value
// fails while the command line (or a CFINV_ variable, see applyEnv) is
// read: before anything is sent, with an error that names the flag or the
// variable, the value and what is accepted (issue 10).

// durationValue is a time.Duration flag limited to [min, max].
type durationValue struct {
	p        *time.Duration
	min, max time.Duration
}

// durationVar registers a duration flag that accepts only values from min
// to max.
func durationVar(fs *pflag.FlagSet, p *time.Duration, name string, value, min, max time.Duration, usage string) {
	*p = value
	fs.Var(&durationValue{p: p, min: min, max: max}, name, fmt.Sprintf("%s (%s)", usage, durationRange(min, max)))
}

func (v *durationValue) String() string {
	if v.p == nil {
		return ""
	}
	return shortDuration(*v.p)
}

func (v *durationValue) Type() string { return "duration" }

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a duration: want a number with a unit, such as 90s, 15m or 1h; %s", durationRange(v.min, v.max))
	}
	if d < v.min || d > v.max {
		return fmt.Errorf("out of range: want a duration %s", durationRange(v.min, v.max))
	}
	*v.p = d
	return nil
}

// durationRange says what a durationValue accepts.
func durationRange(min, max time.Duration) string {
	return fmt.Sprintf("from %s to %s", shortDuration(min), shortDuration(max))
}

// shortDuration prints d without zero minutes and seconds: 24h, not
// 24h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// enumValue is a string flag that accepts only the listed values.
type enumValue struct {
	p       *string
	allowed []string
}

// enumVar registers a string flag that accepts only the allowed values
// ("" included when listed).
func enumVar(fs *pflag.FlagSet, p *string, name, value string, allowed []string, usage string) {
	*p = value
	fs.Var(&enumValue{p: p, allowed: allowed}, name, usage)
}

func (v *enumValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v *enumValue) Type() string { return "string" }

func (v *enumValue) Set(s string) error {
	for _, a := range v.allowed {
		if s == a {
			*v.p = s
			return nil
		}
	}
	return fmt.Errorf("want %s", orList(v.allowed))
}

// orList joins the non-empty values as "a, b or c".
func orList(vals []string) string {
	var vs []string
	for _, v := range vals {
		if v != "" {
			vs = append(vs, v)
		}
	}
	if len(vs) <= 1 {
		return strings.Join(vs, "")
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

// usageArgs makes cobra's argument checks (NoArgs, MaximumNArgs, …) usage
// errors: cobra returns them untyped, which would exit 1 instead of 2.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &FlagError{Err: err}
		}
		return nil
	}
}

// typeArgs applies usageArgs to every command of the tree under c.
func typeArgs(c *cobra.Command) {
	if c.Args != nil {
		c.Args = usageArgs(c.Args)
	}
	for _, sub := range c.Commands() {
		typeArgs(sub)
	}
}

// noArgs is cobra.NoArgs with a usage error naming the arguments.
func noArgs(cmd *cobra.Command, args []string) error { return maxArgs(0)(cmd, args) }

// maxArgs is cobra.MaximumNArgs with a usage error naming the extra
// arguments.
func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		extra := make([]string, 0, len(args)-n)
		for _, a := range args[n:] {
			extra = append(extra, fmt.Sprintf("%q", a))
		}
		what := "no arguments"
		if n > 0 {
			what = fmt.Sprintf("at most %d argument", n)
			if n > 1 {
				what += "s"
			}
		}
		return flagErrorf("unexpected argument %s: %s takes %s", strings.Join(extra, " "), cmd.CommandPath(), what)
	}
}

// Ranges of the duration flags.
//
// --timeout (invalidate, wait) runs from 1s to 24h. Below a second no
// CloudFront invalidation can complete (they take from a few seconds to
// minutes), so a smaller value can only be a typo (1ns, 0, -5s); 24h is far
// beyond any CloudFront invalidation and beyond the longest CI job limits
// (GitHub Actions: 6h for a job), so a larger value (999999h) means
// "forever", which a deadline must not.
//
// serve --completion-delay runs from 0 (complete at once, for tests) to
// 24h; demo --completion-delay from 0 to 10m, as the demo waits for it.
const (
	minTimeout         = time.Second
	maxTimeout         = 24 * time.Hour
	maxCompletionDelay = 24 * time.Hour
	maxDemoDelay       = 10 * time.Minute
)
