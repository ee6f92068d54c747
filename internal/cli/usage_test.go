package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUsageErrorsExit2 covers issue 10, items 3 and 4: every usage error
// exits 2 and names the bad value, and one read from a CFINV_ variable
// names the variable.
func TestUsageErrorsExit2(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nonexistent")
	many := filepath.Join(t.TempDir(), "paths.txt")
	var list strings.Builder
	for i := range 3001 {
		fmt.Fprintf(&list, "/p%d\n", i)
	}
	if err := os.WriteFile(many, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ref127, ref129 := strings.Repeat("r", 127), strings.Repeat("r", 129)
	badBatch := filepath.Join(t.TempDir(), "batch.json")
	if err := os.WriteFile(badBatch, []byte("{\n \"Paths\": {\"Quantity\":1,\n \"Items\":[\"/b\"]\n \"CallerReference\":\"q\"}"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in stderr
	}{
		{"get with two IDs", []string{"get", "--distribution-id", "E1", "A", "B"}, nil, `unexpected argument "B": cfinv get takes at most 1 argument`},
		{"distributions with an argument", []string{"distributions", "extra"}, nil, `unexpected argument "extra": cfinv distributions takes no arguments`},
		{"list with an argument", []string{"list", "--distribution-id", "E1", "x"}, nil, `unexpected argument "x"`},
		{"unknown command", []string{"bogus"}, nil, `unknown command "bogus" for "cfinv"`},
		{"unknown help topic", []string{"help", "bogus"}, nil, `unknown help topic "bogus"`},
		{"missing credentials file", []string{"serve", "--data-dir", t.TempDir(), "--credentials-file", missing}, nil, "--credentials-file " + missing},
		{"output from the environment", []string{"get", "--distribution-id", "E1", "I1"}, map[string]string{"CFINV_OUTPUT": "yaml"}, `invalid value "yaml" in CFINV_OUTPUT for --output: want json, text or table`},
		{"bad --output", []string{"list", "--distribution-id", "E1", "--output", "yaml"}, nil, `invalid argument "yaml" for "--output" flag: want json, text or table`},
		{"bad --status", []string{"list", "--distribution-id", "E1", "--status", "Done"}, nil, `invalid argument "Done" for "--status" flag: want InProgress or Completed`},
		{"negative timeout", []string{"invalidate", "--distribution-id", "E1", "--wait", "--timeout", "-5s", "/a"}, nil, `invalid argument "-5s" for "--timeout" flag: out of range: want a duration from 1s to 24h`},
		{"zero timeout", []string{"invalidate", "--distribution-id", "E1", "--timeout", "0", "/a"}, nil, `invalid argument "0" for "--timeout" flag: out of range`},
		{"1ns timeout", []string{"invalidate", "--distribution-id", "E1", "--timeout", "1ns", "/a"}, nil, `invalid argument "1ns" for "--timeout" flag: out of range`},
		{"huge timeout", []string{"invalidate", "--distribution-id", "E1", "--timeout", "999999h", "/a"}, nil, `invalid argument "999999h" for "--timeout" flag: out of range`},
		{"wait timeout", []string{"wait", "--distribution-id", "E1", "--timeout", "-5s", "I1"}, nil, `invalid argument "-5s" for "--timeout" flag: out of range: want a duration from 1s to 24h`},
		{"timeout from the environment", []string{"wait", "--distribution-id", "E1", "I1"}, map[string]string{"CFINV_TIMEOUT": "0"}, `invalid value "0" in CFINV_TIMEOUT for --timeout: out of range`},
		{"not a duration", []string{"wait", "--distribution-id", "E1", "--timeout", "soon", "I1"}, nil, `invalid argument "soon" for "--timeout" flag: not a duration`},
		{"negative completion delay", []string{"serve", "--data-dir", t.TempDir(), "--completion-delay", "-1s"}, nil, `invalid argument "-1s" for "--completion-delay" flag: out of range: want a duration from 0s to 24h`},
		{"demo completion delay", []string{"demo", "--completion-delay", "1h"}, nil, `invalid argument "1h" for "--completion-delay" flag: out of range: want a duration from 0s to 10m`},
		{"zero fault slow delay", []string{"serve", "--data-dir", t.TempDir(), "--fault-slow-delay", "0"}, nil, `invalid argument "0" for "--fault-slow-delay" flag: out of range: want a duration from 1ms to 1h`},
		{"bad path with a bad profile", []string{"invalidate", "--distribution-id", "E1", "--profile", "no-such-profile", "/" + strings.Repeat("a", 5000)}, nil, `it is 5001 characters long`},
		// Issue errors 8: malformed JSON names the file, the line and the column, as the AWS CLI does.
		{"bad JSON in a batch file", []string{"invalidate", "--distribution-id", "E1", "--invalidation-batch", "file://" + badBatch}, nil, "--invalidation-batch: invalid JSON in " + badBatch + ": line 4 column 2: invalid character"},
		{"bad JSON in a cli-input-json file", []string{"invalidate", "--cli-input-json", "file://" + badBatch}, nil, "--cli-input-json: invalid JSON in " + badBatch + ": line 4 column 2: invalid character"},
		{"bad inline JSON", []string{"invalidate", "--distribution-id", "E1", "--invalidation-batch", `{"Paths":{"Quantity":1,"Items":["/b"]},"CallerReference":"q",}`}, nil, "--invalidation-batch: invalid JSON: line 1 column 62: invalid character '}'"},
		{"truncated JSON", []string{"invalidate", "--distribution-id", "E1", "--invalidation-batch", `{"Paths":{"Quantity":1,`}, nil, "--invalidation-batch: invalid JSON: line 1 column 24: the JSON ends too early"},
		{"caller reference too long", []string{"invalidate", "--distribution-id", "E1", "--caller-reference", ref129, "/a"}, nil, "is 129 characters; at most 128 are accepted\nRun 'cfinv invalidate --help' for usage."},
		{"caller reference too long with a batch suffix", []string{"invalidate", "--distribution-id", "E1", "--caller-reference", ref127, "--paths-from", many}, nil, `is 129 characters with the suffix of batch 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stdout, stderr := TestIO()
			code := Main(t.Context(), tt.args, ios, func(k string) string { return tt.env[k] })
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitUsage, stdout, stderr)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr:\n%s\nwant it to contain %q", stderr, tt.want)
			}
		})
	}
}

// TestCommandNames: the names Main looks a command up by are the ones the
// built command answers to, and a root built for one command prints the
// same help for it, and parses the same, as the whole tree.
func TestCommandNames(t *testing.T) {
	ios, _, _, _ := TestIO()
	d := &Deps{IO: ios, Getenv: func(string) string { return "" }}
	for i, c := range commands {
		built := c.build(d)
		want := append([]string{built.Name()}, built.Aliases...)
		if !slices.Equal(c.names, want) {
			t.Errorf("commands[%d].names = %q, the command answers to %q", i, c.names, want)
		}
		for _, name := range c.names {
			if got := commandNamed([]string{name, "--x"}); got != i {
				t.Errorf("commandNamed(%q) = %d, want %d", name, got, i)
			}
			for _, args := range [][]string{{name, "--help"}, {name, "--no-such-flag"}} {
				var outs [2]string
				for k, only := range []int{-1, i} {
					ios, _, out, errOut := TestIO()
					r := newRootCmd(&Deps{IO: ios, Getenv: func(string) string { return "" }}, only)
					r.SetArgs(args)
					_, err := r.ExecuteC()
					outs[k] = fmt.Sprintf("%s|%s|%v", out, errOut, err)
				}
				if outs[0] != outs[1] {
					t.Errorf("cfinv %q: the whole tree and a root of one command differ:\n%s\n---\n%s", args, outs[0], outs[1])
				}
			}
		}
	}
	for _, args := range [][]string{nil, {"--version"}, {"help", "invalidate"}, {"environment"}, {"__complete", "inv"}, {"bogus"}} {
		if got := commandNamed(args); got != -1 {
			t.Errorf("commandNamed(%q) = %d, want -1 (the whole tree)", args, got)
		}
	}
}
