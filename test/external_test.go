// Package test holds the check that test/external, a module of its own
// that uses cfinv as a user would, builds and passes against this tree.
package test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/test/harness"
)

// TestExternalModule runs go vet and go test in a copy of test/external,
// whose module (example.com/cfinvuser) requires github.com/cfinv/cfinv
// replaced by this tree. Being another module, it can import only what
// cfinv exports (cfinvtest, cfpath, plan), so it fails to build when a
// public package leaks an internal type a user would need, or when
// test/external's go.mod or go.sum miss what that needs. It works
// offline from the module cache this module already needs. The copy keeps
// -mod=mod from rewriting the tree's go.mod and go.sum; the test fails
// if it had to change them.
func TestExternalModule(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("find the go command: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "external")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "test", "external"))); err != nil {
		t.Fatalf("copy test/external: %v", err)
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := harness.CombinedOutput(cmd) // go test's test binaries too die with this one
		if err != nil {
			t.Fatalf("go %s in test/external: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	modCache := strings.TrimSpace(run("env", "GOMODCACHE"))
	if modCache == "" {
		t.Fatal("go env GOMODCACHE is empty")
	}
	env = append(env, "GOMODCACHE="+modCache) // this module's cache, whatever the copy's directory
	run("mod", "edit", "-replace=github.com/cfinv/cfinv="+root)

	imports := run("list", "-f", `{{join .Imports "\n"}}{{"\n"}}{{join .TestImports "\n"}}{{"\n"}}{{join .XTestImports "\n"}}`, "./...")
	for _, imp := range strings.Fields(imports) {
		if strings.HasPrefix(imp, "github.com/cfinv/cfinv/") && strings.Contains(imp+"/", "/internal/") {
			t.Errorf("test/external imports %s, which a user cannot", imp)
		}
	}
	imported := map[string]bool{}
	for _, imp := range strings.Fields(imports) {
		imported[imp] = true
	}
	for _, want := range []string{"github.com/cfinv/cfinv", "github.com/cfinv/cfinv/cfinvtest", "github.com/cfinv/cfinv/plan"} {
		if !imported[want] {
			t.Errorf("test/external does not import %s; it is meant to", want)
		}
	}
	run("vet", "./...")
	out := run("test", "-count=1", "-v", "./...")
	if !strings.Contains(out, "--- PASS: TestInvalidate") {
		t.Errorf("go test in test/external: TestInvalidate did not pass:\n%s", out)
	}
	t.Logf("go test in test/external:\n%s", out)

	// -mod=mod may have completed go.mod or go.sum in the copy: the tree's
	// own files must already say everything.
	for _, name := range []string{"go.mod", "go.sum"} {
		orig, err := os.ReadFile(filepath.Join(root, "test", "external", name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := fs.ReadFile(os.DirFS(dir), name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "go.mod" {
			// Only the replace line was meant to change.
			got = bytes.ReplaceAll(got, []byte(root), []byte("../.."))
		}
		if !bytes.Equal(orig, got) {
			t.Errorf("test/external/%s is incomplete: go -mod=mod changed it to\n%s", name, got)
		}
	}
}
