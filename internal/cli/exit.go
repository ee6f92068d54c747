package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

// Exit codes. They are documented in README.md ("Exit codes"); keep the two
// in step. Every error maps to exactly one code in exitCode.
const (
	ExitOK          = 0   // success
	ExitFailure     = 1   // any failure not listed below
	ExitUsage       = 2   // bad flags, arguments or input (a path, a batch file, a plan)
	ExitAuth        = 3   // credentials missing or refused, or an IAM permission denied
	ExitNotFound    = 4   // the distribution or invalidation does not exist
	ExitTimeout     = 5   // --timeout passed while waiting for completion
	ExitLimit       = 6   // in-progress limits or throttling still refused us at the deadline
	ExitPartial     = 7   // some batches or distributions succeeded and some did not
	ExitUnreachable = 8   // the endpoint refused the connection or its host does not resolve
	ExitInterrupted = 130 // SIGINT/SIGTERM
)

// FlagError is a usage error: the message is printed with the command's usage.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// flagErrorf builds a FlagError.
func flagErrorf(format string, a ...any) error {
	return &FlagError{Err: fmt.Errorf(format, a...)}
}

// ExitError carries an explicit exit code and an optional hint for an error
// whose code cannot be derived from its kind.
type ExitError struct {
	Code int
	Err  error
	Hint string
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ErrSilent ends a command, with exit code 1 or that of an ExitError
// wrapping it, and prints nothing more: the
// command has already explained itself on stderr.
var ErrSilent = errors.New("silent error")

// hinter is implemented by domain errors that know how the user can fix them.
type hinter interface{ Hint() string }

// isBadInput reports whether err is input the domain packages refused: an
// invalid path or tag, an unreadable change list, a bad plan file, budgets
// a plan cannot meet.
func isBadInput(err error) bool {
	var (
		pe *cfpath.Error
		ce *changes.ParseError
		fe *plan.FileError
		be *plan.BudgetError
	)
	return errors.As(err, &pe) || errors.As(err, &ce) || errors.As(err, &fe) || errors.As(err, &be)
}

// hint is the "Try:" line for err: what the user can do about it, in the
// terms of cfinv's flags and commands, which the domain packages do not
// know.
func hint(err error) string {
	var (
		pe *cfpath.Error
		fe *plan.FileError
		be *plan.BudgetError
		h  hinter
	)
	switch {
	case errors.As(err, &pe):
		return pe.Accepted
	case errors.As(err, &fe):
		return fmt.Sprintf("write a plan with 'cfinv plan … --out FILE'; a plan file is JSON with \"version\": %d and \"batches\": [[\"/path\", …], …]", plan.FileVersion)
	case errors.As(err, &be):
		return "raise --max-paths, allow wildcards with --max-wildcards 1 or more, or use --strategy exact"
	case errors.As(err, &h):
		return h.Hint()
	}
	return ""
}

// exitCoder is implemented by domain errors that know their exit class.
// Domain packages return one of the Class* values below rather than an
// exit code, so they need not import cli.
type exitCoder interface{ ExitClass() string }

// Exit classes that domain errors may report through ExitClass.
const (
	ClassUsage    = "usage"
	ClassAuth     = "auth"
	ClassNotFound = "not-found"
	ClassTimeout  = "timeout"
	ClassLimit    = "limit"
	ClassPartial  = "partial"
	// ClassUnreachable: the endpoint could not be connected to at all.
	ClassUnreachable = "unreachable"
)

var classCodes = map[string]int{
	ClassUsage:       ExitUsage,
	ClassAuth:        ExitAuth,
	ClassNotFound:    ExitNotFound,
	ClassTimeout:     ExitTimeout,
	ClassLimit:       ExitLimit,
	ClassPartial:     ExitPartial,
	ClassUnreachable: ExitUnreachable,
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		return ExitUsage
	}
	if isBadInput(err) {
		return ExitUsage
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		if code, ok := classCodes[ec.ExitClass()]; ok {
			return code
		}
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	return ExitFailure
}

// printError writes "Error: …" and, when known, "Try: …" to w; a usage
// error also points to the help of cmdPath. It is the only place errors
// are printed.
func printError(w io.Writer, err error, cmdPath string) {
	if errors.Is(err, ErrSilent) {
		return
	}
	// Redacted here too, whatever the error's type: no secret, token or
	// signature a server echoed may reach the terminal (issue 10).
	fmt.Fprintf(w, "Error: %s\n", cfinv.Redact(err.Error()))
	var ee *ExitError
	if errors.As(err, &ee) && ee.Hint != "" {
		fmt.Fprintf(w, "Try: %s\n", cfinv.Redact(ee.Hint))
	} else if h := hint(err); h != "" {
		fmt.Fprintf(w, "Try: %s\n", cfinv.Redact(h))
	}
	var fe *FlagError
	if errors.As(err, &fe) && cmdPath != "" {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmdPath)
	}
}
