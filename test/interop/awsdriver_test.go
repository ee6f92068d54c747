package interop

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfinv/cfinv/test/harness"
)

// An awsDriver is a Python process running AWS CLI v1 commands one after
// another (testdata/awscli_driver.py): the CLI's own code, as its `aws`
// script runs it, without a process start and the imports of awscli and
// botocore per command (0.65 s of CPU each, most of test/interop's).
type awsDriver struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	reply *os.File
}

// awsDrivers holds idle drivers per interpreter.
var awsDrivers = struct {
	sync.Mutex
	idle map[string][]*awsDriver
}{idle: map[string][]*awsDriver{}}

// maxIdleDrivers bounds the drivers kept between commands, per
// interpreter: about as many as run at once (minParallel).
const maxIdleDrivers = minParallel

// awsPython returns the interpreter of the AWS CLI v1 script bin (its
// shebang line), or "" when bin is not such a script.
func awsPython(bin string) string {
	f, err := os.Open(bin)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	first, _, _ := strings.Cut(string(head[:n]), "\n")
	py, ok := strings.CutPrefix(first, "#!")
	if !ok || !bytes.Contains(head[:n], []byte("awscli.clidriver")) || strings.ContainsAny(strings.TrimSpace(py), " \t") {
		return ""
	}
	return strings.TrimSpace(py)
}

func startAWSDriver(python string) (*awsDriver, error) {
	script, err := filepath.Abs(filepath.Join("testdata", "awscli_driver.py"))
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, script)
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.Stderr = os.Stderr         // the driver's own failures
	in, err := cmd.StdinPipe()
	if err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	if err := harness.StartProcess(cmd); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start the AWS CLI driver: %w", err)
	}
	w.Close()
	return &awsDriver{cmd: cmd, in: in, out: bufio.NewReader(r), reply: r}, nil
}

func (d *awsDriver) kill() {
	d.in.Close()
	harness.Reap(d.cmd)
	d.cmd.Wait()
	d.reply.Close()
}

// runAWS runs the AWS CLI script bin with args as run does, through a
// driver of its interpreter.
func runAWS(t *testing.T, python string, env []string, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	awsDrivers.Lock()
	var d *awsDriver
	if idle := awsDrivers.idle[python]; len(idle) > 0 {
		d = idle[len(idle)-1]
		awsDrivers.idle[python] = idle[:len(idle)-1]
	}
	awsDrivers.Unlock()
	if d == nil {
		var err error
		if d, err = startAWSDriver(python); err != nil {
			t.Fatal(err)
		}
	}
	if env == nil {
		env = os.Environ()
	}
	envMap := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		envMap[k] = v // the last wins, as exec.Cmd has it
	}
	req, err := json.Marshal(map[string]any{"argv": args, "env": envMap, "dir": dir})
	if err != nil {
		t.Fatal(err)
	}
	type reply struct {
		Code           int
		Stdout, Stderr string
	}
	lim, ctx := harness.NewLimit(t.Context(), 60*time.Second)
	defer lim.Stop()
	lim.Watch(d.cmd.Process.Pid)
	done := make(chan error, 1)
	var rep reply
	go func() {
		if _, err := d.in.Write(append(req, '\n')); err != nil {
			done <- err
			return
		}
		line, err := d.out.ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, &rep)
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		d.kill()
		<-done
		if lim.Expired() {
			t.Fatalf("aws %s: %v: %s", strings.Join(args, " "), harness.ErrLimit, lim)
		}
		t.Fatalf("aws %s: %v", strings.Join(args, " "), ctx.Err())
	}
	if err != nil {
		d.kill()
		t.Fatalf("aws %s: the AWS CLI driver: %v", strings.Join(args, " "), errors.Join(err, d.cmd.Wait()))
	}
	awsDrivers.Lock()
	if len(awsDrivers.idle[python]) < maxIdleDrivers {
		awsDrivers.idle[python] = append(awsDrivers.idle[python], d)
		d = nil
	}
	awsDrivers.Unlock()
	if d != nil {
		d.kill()
	}
	out, err1 := base64.StdEncoding.DecodeString(rep.Stdout)
	errOut, err2 := base64.StdEncoding.DecodeString(rep.Stderr)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("aws %s: the driver's reply: %v", strings.Join(args, " "), err)
	}
	return string(out), string(errOut), rep.Code
}

// stopAWSDrivers ends the idle drivers (TestMain, at exit).
func stopAWSDrivers() {
	awsDrivers.Lock()
	defer awsDrivers.Unlock()
	for py, ds := range awsDrivers.idle {
		for _, d := range ds {
			d.kill()
		}
		delete(awsDrivers.idle, py)
	}
}

// awsPythonOf caches awsPython per binary path.
func awsPythonOf(bin string) string {
	awsPythons.Lock()
	defer awsPythons.Unlock()
	py, ok := awsPythons.m[bin]
	if !ok {
		py = ""
		if filepath.Base(bin) == "aws" {
			py = awsPython(bin)
		}
		awsPythons.m[bin] = py
	}
	return py
}

var awsPythons = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}
