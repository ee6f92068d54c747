package cli

import (
	"regexp"
	"strings"
	"testing"
)

// TestRootHelpListsAWSNames: "cfinv --help" lists the AWS CLI's command
// names together, the aliases (create-invalidation, get-invalidation,
// list-invalidations, wait invalidation-completed) with the commands that
// only have an AWS name, and each name runs the command it says; every
// other command is listed too.
func TestRootHelpListsAWSNames(t *testing.T) {
	ios, _, stdout, stderr := TestIO()
	if code := Main(t.Context(), []string{"--help"}, ios, func(string) string { return "" }); code != ExitOK {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr)
	}
	help := stdout.String()
	_, section, ok := strings.Cut(help, "\nAWS CLI commands")
	if !ok {
		t.Fatalf("no AWS CLI commands section in:\n%s", help)
	}
	section, _, _ = strings.Cut(section, "\n\n")
	ios2, _, _, _ := TestIO()
	root := NewRootCmd(&Deps{IO: ios2, Getenv: func(string) string { return "" }})
	for _, a := range awsNames {
		t.Run(a.name, func(t *testing.T) {
			if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(a.name) + ` +\S`).MatchString(section) {
				t.Errorf("%q is not listed in the AWS CLI commands section:\n%s", a.name, section)
			}
			cmd, _, err := root.Find(strings.Fields(a.name))
			if err != nil || cmd.Name() != a.cmd {
				t.Errorf("cfinv %s runs %v (err %v), want cfinv %s", a.name, cmd.Name(), err, a.cmd)
			}
		})
	}
	for _, c := range commands {
		want := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c.names[0]) + ` +\S`)
		in := help
		if c.group == groupAWS {
			in = section
		}
		if !want.MatchString(in) {
			t.Errorf("command %q is not listed in its section of the help:\n%s", c.names[0], help)
		}
	}
}
