package deploy_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cfinv/cfinv/test/harness"
)

// moto is one moto_server for the package's tests, started on first use
// (a few seconds) on a port of its own choosing, and killed by TestMain
// (or by the harness's watchdog when the test binary dies).
var moto struct {
	once sync.Once
	url  string
	err  error
	cmd  *exec.Cmd
}

// motoRunning matches moto_server's (werkzeug's) line naming its address.
var motoRunning = regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)

// motoURL returns the URL of the package's moto_server, failing the test
// when moto_server is not installed.
func motoURL(t *testing.T) string {
	t.Helper()
	bin, err := harness.LookPath("moto_server")
	if err != nil {
		t.Fatalf("moto_server is not on PATH (%v): install it (pip install 'moto[server]'); the deploy suite runs against it and never skips", err)
	}
	moto.once.Do(func() {
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", "0")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			moto.err = err
			return
		}
		cmd.Stdout = nil
		if err := harness.StartProcess(cmd); err != nil {
			moto.err = fmt.Errorf("start moto_server: %w", err)
			return
		}
		moto.cmd = cmd
		found := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			sent := false
			for sc.Scan() { // read to the end, so moto never blocks on a full pipe
				if m := motoRunning.FindStringSubmatch(sc.Text()); m != nil && !sent {
					found <- m[1]
					sent = true
				}
			}
		}()
		select {
		case moto.url = <-found:
		case <-time.After(60 * time.Second):
			moto.err = fmt.Errorf("moto_server printed no address in 60s")
		}
	})
	if moto.err != nil {
		t.Fatal(moto.err)
	}
	return moto.url
}

// motoConfig is an SDK configuration for moto: any static keys do.
func motoConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDMOTO", "moto-secret", ""),
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if moto.cmd != nil {
		moto.cmd.Process.Kill()
		moto.cmd.Wait()
		harness.Reap(moto.cmd)
	}
	os.Exit(code)
}
