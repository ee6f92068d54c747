package cli

// What cfinv does differently when it runs as a step of GitHub Actions
// (GITHUB_ACTIONS=true): it appends a Markdown job summary of the batches
// to $GITHUB_STEP_SUMMARY, sets the step outputs invalidation-ids and
// billed-paths in $GITHUB_OUTPUT, turns warnings and the final error into
// ::warning:: and ::error:: annotations, and folds the polls of a wait
// into a ::group::. A plain `run: cfinv invalidate …` step gets all of
// it, and so does the composite action in action.yml, which runs cfinv.
//
// Workflow commands go to stderr: stdout stays the command's data (JSON,
// IDs), and the runner reads workflow commands from both streams.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/printable"
	"github.com/cfinv/cfinv/internal/redact"
	"github.com/cfinv/cfinv/plan"
)

// ciEnvironment lists the runner's variables cfinv reads, for "cfinv help
// environment".
var ciEnvironment = []struct{ name, use string }{
	{"GITHUB_ACTIONS", `"true": annotations, a job summary, step outputs and a folded wait`},
	{"GITHUB_STEP_SUMMARY", "file the job summary of invalidate and deploy is appended to"},
	{"GITHUB_OUTPUT", "file the step outputs are appended to (invalidate: invalidation-ids, billed-paths; deploy: deploy-id, uploaded, deleted, invalidation-ids)"},
}

// githubCI is the GitHub Actions step cfinv runs in; nil outside one, and
// every method of a nil *githubCI does nothing.
type githubCI struct {
	w           io.Writer // where workflow commands go (stderr)
	summaryPath string    // $GITHUB_STEP_SUMMARY; "" when the runner gave none
	outputPath  string    // $GITHUB_OUTPUT; "" when the runner gave none
	grouped     bool      // a ::group:: is open
}

// detectGitHubCI returns the GitHub Actions step described by getenv, or
// nil when GITHUB_ACTIONS is not "true" (the value the runner sets).
func detectGitHubCI(getenv func(string) string, w io.Writer) *githubCI {
	if getenv == nil || getenv("GITHUB_ACTIONS") != "true" {
		return nil
	}
	return &githubCI{w: w, summaryPath: getenv("GITHUB_STEP_SUMMARY"), outputPath: getenv("GITHUB_OUTPUT")}
}

// escapeData escapes a workflow command's message as the runner expects:
// '%', '\r' and '\n' become %25, %0D and %0A, so a value cannot end the
// command early or inject another one on a new line.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: as
// escapeData, and ':' and ',' too, which end a property.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// annotate writes the workflow command ::level title=T::msg (level is
// error, warning or notice).
func (c *githubCI) annotate(level, title, msg string) {
	if c == nil {
		return
	}
	fmt.Fprintf(c.w, "::%s title=%s::%s\n", level, escapeProperty(title), escapeData(redact.String(msg)))
}

// warn annotates a warning event of invalidate.
func (c *githubCI) warn(e cfinv.Event) {
	if c == nil {
		return
	}
	title := "cfinv"
	if e.DistributionID != "" {
		title = "cfinv " + e.DistributionID
	}
	c.annotate("warning", title, e.String())
}

// fail annotates the error any command ends with (Main calls it, next to
// printError), naming the offending path for a refused path, and with the
// hint cfinv prints after "Try:".
func (c *githubCI) fail(err error) {
	if c == nil || err == nil || errors.Is(err, ErrSilent) {
		return
	}
	if bad := pathErrors(err); len(bad) > 0 {
		for _, pe := range bad { // one annotation per refused path
			c.annotate("error", "cfinv: invalid path "+pe.Item, pe.Error()+"\nTry: "+pe.Accepted)
		}
		return
	}
	title := "cfinv failed"
	msg := err.Error()
	var ee *ExitError
	if errors.As(err, &ee) && ee.Hint != "" {
		msg += "\nTry: " + ee.Hint
	} else if h := hint(err); h != "" {
		msg += "\nTry: " + h
	}
	c.annotate("error", title, msg)
}

// pathErrors lists the refused paths in err's tree (a request refuses
// every bad path at once, joined).
func pathErrors(err error) []*cfpath.Error {
	var out []*cfpath.Error
	var walk func(error)
	walk = func(e error) {
		if pe, ok := e.(*cfpath.Error); ok {
			out = append(out, pe)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

// waitProgress opens a group for the polls of a wait at the first one, so
// a long wait is one folded line in the log.
func (c *githubCI) waitProgress(e cfinv.Event) {
	if c == nil || c.grouped || e.Kind != cfinv.EventWaitProgress {
		return
	}
	c.grouped = true
	fmt.Fprintf(c.w, "::group::%s\n", escapeData(fmt.Sprintf("cfinv: waiting for %s", plural(e.Total, "invalidation"))))
}

// endGroup closes the group waitProgress opened.
func (c *githubCI) endGroup() {
	if c == nil || !c.grouped {
		return
	}
	c.grouped = false
	fmt.Fprintln(c.w, "::endgroup::")
}

// summarize appends the job summary of an invalidate run to
// $GITHUB_STEP_SUMMARY and its outputs to $GITHUB_OUTPUT. A file that
// cannot be written is a warning, never a failure of the invalidation.
func (c *githubCI) summarize(res *cfinv.Result, runErr error) {
	if c == nil || res == nil {
		return
	}
	if err := appendFile(c.summaryPath, summaryMarkdown(res, runErr)); err != nil {
		c.annotate("warning", "cfinv", fmt.Sprintf("write the job summary: %v", err))
	}
	if err := appendFile(c.outputPath, stepOutputs(res)); err != nil {
		c.annotate("warning", "cfinv", fmt.Sprintf("write the step outputs: %v", err))
	}
}

// appendFile appends s to the file name, created if need be; an empty
// name (the runner gave no such file) is not an error.
func appendFile(name, s string) error {
	if name == "" {
		return nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// stepOutputs are the step outputs of res in $GITHUB_OUTPUT:
// invalidation-ids, the space-separated IDs of every batch created by
// this run or an earlier run of the same deploy, and billed-paths, as
// Result.BilledPaths counts them. Each is written in the runner's
// multi-line form (name<<DELIMITER, the value, DELIMITER) with a random
// delimiter the value does not hold, so no value, whatever a server put
// in it, can end its output early and set another (issue safety 12).
func stepOutputs(res *cfinv.Result) string {
	var ids []string
	for _, b := range res.Batches {
		if b.ID != "" {
			ids = append(ids, b.ID)
		}
	}
	var b strings.Builder
	writeOutput(&b, "invalidation-ids", strings.Join(ids, " "))
	writeOutput(&b, "billed-paths", strconv.Itoa(res.BilledPaths))
	return b.String()
}

// writeOutput writes one step output in the multi-line form, as GitHub's
// own toolkit does (@actions/core prepareKeyValueMessage).
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings
func writeOutput(b *strings.Builder, name, value string) {
	delim := outputDelimiter(value)
	fmt.Fprintf(b, "%s<<%s\n%s\n%s\n", name, delim, value, delim)
}

// outputDelimiter is "ghadelimiter_" and 128 random bits, not found in
// value.
func outputDelimiter(value string) string {
	for {
		var r [16]byte
		_, _ = rand.Read(r[:])
		d := "ghadelimiter_" + hex.EncodeToString(r[:])
		if !strings.Contains(value, d) {
			return d
		}
	}
}

// summaryPathsShown is how many paths of a batch the summary lists.
const summaryPathsShown = 5

// summaryMarkdown is the job summary of res: a table of its batches
// (distribution, invalidation, paths, status, billed paths) and the paths
// billed with their price past the free allowance.
func summaryMarkdown(res *cfinv.Result, runErr error) string {
	var b strings.Builder
	b.WriteString("### CloudFront invalidation (cfinv)\n\n")
	b.WriteString("| Distribution | Invalidation | Paths | Status | Billed paths |\n")
	b.WriteString("| --- | --- | --- | --- | ---: |\n")
	for _, bt := range res.Batches {
		id, status, billed := bt.ID, bt.Status, len(bt.Paths)
		switch {
		case bt.ID == "":
			id, status, billed = "—", "not created", 0
		case bt.Resumed:
			status += " (earlier run, not billed again)"
			billed = 0
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d |\n", mdCell(targetOf(bt)), mdCell(id), mdPaths(bt.Paths), mdCell(status), billed)
	}
	fmt.Fprintf(&b, "\n**%s billed** (at most $%.3f past CloudFront's %d free paths a month; a wildcard is one path).\n",
		plural(res.BilledPaths, "path"), float64(res.BilledPaths)*plan.PricePerPath, plan.FreePathsPerMonth)
	if runErr != nil {
		fmt.Fprintf(&b, "\n**Failed:** %s\n", mdCell(redact.String(runErr.Error())))
	}
	b.WriteString("\n")
	return b.String()
}

// mdPaths lists the first paths of a batch as code spans.
func mdPaths(paths []string) string {
	shown := paths
	if len(shown) > summaryPathsShown {
		shown = shown[:summaryPathsShown]
	}
	parts := make([]string, len(shown))
	for i, p := range shown {
		parts[i] = "`" + strings.ReplaceAll(mdCell(p), "`", "'") + "`"
	}
	s := fmt.Sprintf("%d: %s", len(paths), strings.Join(parts, " "))
	if len(paths) > len(shown) {
		s += fmt.Sprintf(" … (%d more)", len(paths)-len(shown))
	}
	return s
}

// mdCell makes s safe in a Markdown table cell: '|' escaped, and no line
// break or other control character (printable.String writes them as
// escapes).
func mdCell(s string) string {
	return strings.ReplaceAll(printable.String(s), "|", `\|`)
}

// plural is "1 path", "2 paths".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
