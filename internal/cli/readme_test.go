package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

// flagRow matches a row of a README table of flags: "| `--name …".
var flagRow = regexp.MustCompile("(?m)^\\| `--([a-z0-9-]+)")

// readme is the repository's README.md.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeSections splits the README at its command headings ("#### `cfinv
// list …`" or "### `cfinv demo`"), keyed by the command's name.
func readmeSections(text string) map[string]string {
	head := regexp.MustCompile("(?m)^#{3,4} `cfinv ([a-z-]+)[^`]*`.*$")
	out := map[string]string{}
	locs := head.FindAllStringSubmatchIndex(text, -1)
	for i, l := range locs {
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		// A section, its heading included, ends at the next heading of
		// any level.
		body := text[l[1]:end]
		if j := regexp.MustCompile(`(?m)^#{1,4} `).FindStringIndex(body); j != nil {
			body = body[:j[0]]
		}
		body = text[l[0]:l[1]] + body
		out[text[l[2]:l[3]]] += body
	}
	return out
}

// TestREADMEListsEveryFlag: every flag of every command is in the README's
// section of that command, or among the flags common to the commands that
// talk to CloudFront, as "`--flag", so the README's command reference
// cannot fall behind the commands.
func TestREADMEListsEveryFlag(t *testing.T) {
	text := readme(t)
	sections := readmeSections(text)
	_, common, ok := strings.Cut(text, "\n### Talking to CloudFront")
	if !ok {
		t.Fatal("README.md has no section \"Talking to CloudFront\"")
	}
	common, _, _ = strings.Cut(common, "\n#")
	ios, _, _, _ := TestIO()
	root := NewRootCmd(&Deps{IO: ios, Getenv: func(string) string { return "" }})
	for _, cmd := range root.Commands() {
		if cmd.Hidden || cmd.GroupID == "" {
			continue // completion, help and the environment topic
		}
		t.Run(cmd.Name(), func(t *testing.T) {
			sec, ok := sections[cmd.Name()]
			if !ok {
				t.Fatalf("README.md has no section \"cfinv %s\"", cmd.Name())
			}
			var missing []string
			cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if f.Hidden || f.Name == "help" {
					return
				}
				if !strings.Contains(sec, "`--"+f.Name) && !strings.Contains(common, "`--"+f.Name) {
					missing = append(missing, "--"+f.Name)
				}
			})
			if len(missing) > 0 {
				t.Errorf("README.md's section of cfinv %s does not list %s", cmd.Name(), strings.Join(missing, ", "))
			}
			// The other way round: a flag in the section's table is a flag
			// of the command.
			for _, m := range flagRow.FindAllStringSubmatch(sec, -1) {
				if m[1] == "pprof-addr" && pprofHandler == nil {
					continue // only in a build with -tags pprof, as the README says
				}
				if cmd.Flags().Lookup(m[1]) == nil {
					t.Errorf("README.md's section of cfinv %s lists --%s, which it does not have", cmd.Name(), m[1])
				}
			}
		})
	}
}

// demoVolatile are the parts of the demo's output that differ from run to
// run, with what they are replaced by before the README's copy and a run
// are compared.
var demoVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`buckets in \S+\)`), "buckets in DIR)"},
	{regexp.MustCompile(`cfinv deploy \S+ s3://`), "cfinv deploy DIR s3://"},
	{regexp.MustCompile(`\bE[0-9A-Z]{13}\b`), "EDISTRIBUTION"},
	{regexp.MustCompile(`\bI[0-9A-Z]{13}\b`), "IINVALIDATION"},
	{regexp.MustCompile(`\bd[0-9a-z]{13}\.cloudfront\.net\b`), "DOMAIN.cloudfront.net"},
	{regexp.MustCompile(`returned after \S+$`), "returned after DURATION"},
}

// normalizeDemo replaces the volatile parts of demo output and returns
// its lines.
func normalizeDemo(out string) []string {
	var lines []string
	for l := range strings.SplitSeq(strings.TrimRight(out, "\n"), "\n") {
		for _, v := range demoVolatile {
			l = v.re.ReplaceAllString(l, v.with)
		}
		lines = append(lines, l)
	}
	return lines
}

// readmeDemo is the demo's sample output in the README: the fenced block
// that holds "Demo passed".
func readmeDemo(t *testing.T) string {
	t.Helper()
	for block := range strings.SplitSeq(readme(t), "```\n") {
		if strings.Contains(block, "\nDemo passed") {
			return block
		}
	}
	t.Fatal("README.md has no block of the demo's output (with \"Demo passed\")")
	return ""
}

// checkREADMEDemo compares the README's sample of the demo's output with
// the output of a run, volatile parts normalised.
func checkREADMEDemo(t *testing.T, run string) {
	t.Helper()
	if diff := cmp.Diff(normalizeDemo(readmeDemo(t)), normalizeDemo(run)); diff != "" {
		t.Errorf("README.md's demo output differs from a run (-README +run), volatile parts normalised:\n%s", diff)
	}
}

// TestREADMECommandsExist: every command the README gives a section names
// a command of cfinv ("cfinv --version" a flag).
func TestREADMECommandsExist(t *testing.T) {
	ios, _, _, _ := TestIO()
	root := NewRootCmd(&Deps{IO: ios, Getenv: func(string) string { return "" }})
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()
	for name := range readmeSections(readme(t)) {
		if flag, ok := strings.CutPrefix(name, "--"); ok {
			if root.Flags().Lookup(flag) == nil {
				t.Errorf("README.md has a section \"cfinv %s\", which is not a flag of cfinv", name)
			}
			continue
		}
		if cmd, _, err := root.Find([]string{name}); err != nil || cmd == root {
			t.Errorf("README.md has a section \"cfinv %s\", which is not a command", name)
		}
	}
}
