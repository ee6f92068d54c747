package cli

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// TestMain lets testscript run "cfinv" as a subprocess of this test binary
// that calls Main, exactly as cmd/cfinv does.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cfinv": func() { os.Exit(Main(context.Background(), os.Args[1:], SystemIO(), os.Getenv)) },
	})
}

// clockKey holds a script's *scriptClock in testscript's Env.Values.
type clockKey struct{}

// scriptClock is the emulator's clock in a script: real time plus an
// offset that the advance command moves forward.
type scriptClock struct{ offset atomic.Int64 }

func (c *scriptClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// TestScripts runs testdata/script/*.txtar end to end: each script gets its
// own emulator on loopback, reached through CFINV_ENDPOINT_URL, dummy
// credentials and a state directory in $WORK. Invalidations complete after
// 300ms, or after the duration in the script's completion-delay file; the
// command "advance DURATION" moves the emulator's clock forward, so that a
// script can see InProgress and then Completed without racing the clock.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			delay := 300 * time.Millisecond
			if b, err := os.ReadFile(filepath.Join(env.WorkDir, "completion-delay")); err == nil {
				if delay, err = time.ParseDuration(strings.TrimSpace(string(b))); err != nil {
					return fmt.Errorf("completion-delay: %w", err)
				}
			}
			clock := &scriptClock{}
			env.Values[clockKey{}] = clock
			srv := httptest.NewServer(emulator.New(emulator.Options{Store: store.NewMem(), CompletionDelay: delay, Now: clock.Now}).Handler())
			env.Defer(srv.Close)
			for k, v := range map[string]string{
				"CFINV_ENDPOINT_URL": srv.URL, "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret",
				"AWS_CONFIG_FILE": env.WorkDir + "/none", "AWS_SHARED_CREDENTIALS_FILE": env.WorkDir + "/none",
				"AWS_EC2_METADATA_DISABLED": "true", "XDG_STATE_HOME": env.WorkDir + "/state",
			} {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// advance DURATION moves the emulator's clock forward.
			"advance": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: advance DURATION")
				}
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				ts.Value(clockKey{}).(*scriptClock).offset.Add(int64(d))
			},
			// setfrom NAME FILE sets $NAME to FILE's content, trimmed.
			"setfrom": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: setfrom NAME FILE")
				}
				ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
			},
			// mkdist ALIAS [VAR] creates a distribution with that alias and
			// sets $DIST, and $VAR when given, to its ID.
			"mkdist": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 1 || len(args) > 2 {
					ts.Fatalf("usage: mkdist ALIAS [VAR]")
				}
				id, err := harness.CreateDistribution(context.Background(), harness.SDK(ts.Getenv("CFINV_ENDPOINT_URL")), args[0], harness.Aliases(args[0]))
				ts.Check(err)
				ts.Setenv("DIST", id)
				if len(args) == 2 {
					ts.Setenv(args[1], id)
				}
			},
		},
	})
}
