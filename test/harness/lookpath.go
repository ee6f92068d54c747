package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// LookPath is exec.LookPath, except that a pyenv shim (a bash script that
// runs `pyenv exec NAME`) is resolved to the executable it runs, with
// `pyenv which NAME`. A shim chooses the interpreter each time it runs,
// through several bash processes: 0.5–0.6 s of CPU per run on the test
// machine, about as much as the AWS CLI's own start, which the tests run
// hundreds of times. The program run is the same. Results are cached
// per name for the life of the test process.
func LookPath(name string) (string, error) {
	lookMu.Lock()
	defer lookMu.Unlock()
	if p, ok := looked[name]; ok {
		return p, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", err
	}
	if real, ok := pyenvTarget(name, p); ok {
		p = real
	}
	looked[name] = p
	return p, nil
}

var (
	lookMu sync.Mutex
	looked = map[string]string{}
)

// pyenvTarget returns what the pyenv shim at p runs for name, and false
// when p is no shim or pyenv does not say.
func pyenvTarget(name, p string) (string, bool) {
	head := make([]byte, 1024)
	f, err := os.Open(p)
	if err != nil {
		return "", false
	}
	n, _ := f.Read(head)
	f.Close()
	if !bytes.HasPrefix(head[:n], []byte("#!")) || !bytes.Contains(head[:n], []byte(`pyenv" exec`)) {
		return "", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pyenv", "which", name)
	if root := shimRoot(p); root != "" {
		cmd = exec.CommandContext(ctx, filepath.Join(root, "bin", "pyenv"), "which", name)
	}
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: pyenv which %s: %v; running the shim %s\n", name, err, p)
		return "", false
	}
	real := strings.TrimSpace(string(out))
	if st, err := os.Stat(real); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", false
	}
	return real, true
}

// shimRoot is PYENV_ROOT for a shim at ROOT/shims/NAME, or "".
func shimRoot(p string) string {
	dir := filepath.Dir(p)
	if filepath.Base(dir) != "shims" {
		return ""
	}
	root := filepath.Dir(dir)
	if _, err := os.Stat(filepath.Join(root, "bin", "pyenv")); err != nil {
		return ""
	}
	return root
}
