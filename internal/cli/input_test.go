package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// endless is an input that never ends (like /dev/urandom): every Read
// fills p with lines of paths. It calls cancel at its cancelAt-th Read,
// as a SIGTERM arriving mid-read would, and gives up with an error after
// limit bytes, so that a reader that ignores the cancellation fails the
// test instead of running (and growing) for ever.
type endless struct {
	reads    atomic.Int64
	cancelAt int64
	cancel   context.CancelFunc
	sent     int64
	limit    int64
}

var errNotAbandoned = errors.New("the endless input was read on after the cancellation")

func (e *endless) Read(p []byte) (int, error) {
	if n := e.reads.Add(1); n == e.cancelAt {
		e.cancel()
	}
	if e.sent >= e.limit {
		return 0, errNotAbandoned
	}
	const line = "upload: ./a to s3://b/a\n"
	for i := range p {
		p[i] = line[(e.sent+int64(i))%int64(len(line))]
	}
	e.sent += int64(len(p))
	return len(p), nil
}

// TestEndlessInputStopsOnSignal covers issue safety 11: an input that
// never ends (/dev/urandom, a stream that keeps coming) is read until
// SIGINT or SIGTERM cancels the command's context, then the command ends
// with exit code 130 instead of reading on.
func TestEndlessInputStopsOnSignal(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"invalidate --paths-from -", []string{"invalidate", "--distribution-id", "E1", "--dry-run", "--paths-from", "-"}},
		{"plan --s3-sync-log -", []string{"plan", "--s3-sync-log", "-"}},
		{"plan --changed -", []string{"plan", "--changed", "-"}},
		{"plan --all-objects -", []string{"plan", "--changed", "/dev/null", "--all-objects", "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			in := &endless{cancelAt: 10, cancel: cancel, limit: 256 << 20}
			ios, _, stdout, stderr := TestIO()
			ios.In = in
			code := Main(ctx, tt.args, ios, func(string) string { return "" })
			if code != ExitInterrupted {
				t.Errorf("exit code %d, want %d\nstdout:\n%.500s\nstderr:\n%.500s", code, ExitInterrupted, stdout, stderr)
			}
			if !strings.Contains(stderr.String(), "context canceled") || strings.Contains(stderr.String(), errNotAbandoned.Error()) {
				t.Errorf("stderr:\n%.500s\nwant the cancellation, the input abandoned", stderr)
			}
		})
	}
}

// blockingReader is stdin that stays open and silent: Read blocks until
// the test closes it, and says on entered that it did.
type blockingReader struct {
	entered chan struct{}
	r       *io.PipeReader
}

func (b *blockingReader) Read(p []byte) (int, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	return b.r.Read(p)
}

// TestSilentInputStopsOnSignal covers issue safety 11: a read blocked on
// a pipe that stays open and silent ends with exit code 130 when the
// context is cancelled.
func TestSilentInputStopsOnSignal(t *testing.T) {
	for _, args := range [][]string{
		{"invalidate", "--distribution-id", "E1", "--dry-run", "--paths-from", "-"},
		{"plan", "--s3-sync-log", "-"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pw.Close() // frees the read left blocked
			in := &blockingReader{entered: make(chan struct{}, 1), r: pr}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			ios, _, stdout, stderr := TestIO()
			ios.In = in
			done := make(chan int, 1)
			go func() { done <- Main(ctx, args, ios, func(string) string { return "" }) }()
			<-in.entered
			cancel()
			var code int
			select {
			case code = <-done:
			case <-time.After(2 * time.Minute):
				// Not a timing assertion: a watchdog, so that the
				// code before the fix (a read that never returns)
				// fails the test instead of hanging it.
				pw.CloseWithError(errors.New("watchdog"))
				code = <-done
				t.Errorf("Main returned only once the pipe was closed, not when the context was cancelled")
			}
			if code != ExitInterrupted {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitInterrupted, stdout, stderr)
			}
		})
	}
}

// TestFIFOInputStopsOnSignal covers issue safety 11 for the inputs read
// from a file name: a FIFO whose writer never stops (as --plan
// /dev/urandom) is abandoned on cancellation.
func TestFIFOInputStopsOnSignal(t *testing.T) {
	tests := []struct {
		name string
		args func(fifo string) []string
	}{
		{"--paths-from FIFO", func(f string) []string {
			return []string{"invalidate", "--distribution-id", "E1", "--dry-run", "--paths-from", f}
		}},
		{"--plan FIFO", func(f string) []string {
			return []string{"invalidate", "--distribution-id", "E1", "--dry-run", "--plan", f}
		}},
		{"--invalidation-batch file://FIFO", func(f string) []string {
			return []string{"invalidate", "--distribution-id", "E1", "--dry-run", "--invalidation-batch", "file://" + f}
		}},
		{"--cli-input-json file://FIFO", func(f string) []string {
			return []string{"invalidate", "--dry-run", "--cli-input-json", "file://" + f}
		}},
		{"plan --s3-sync-log FIFO", func(f string) []string { return []string{"plan", "--s3-sync-log", f} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			// The writer writes 8 chunks, then cancels as a signal
			// would, then keeps writing, 4 MiB in all: a reader that
			// abandons the FIFO on cancellation makes its write fail
			// with EPIPE; one that reads on lets it finish.
			abandoned := make(chan bool, 1)
			go func() {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // returns once the reader opened it
				if err != nil {
					abandoned <- false
					return
				}
				defer w.Close()
				chunk := bytes.Repeat([]byte("upload: ./a to s3://b/a\n"), 1<<11)
				for i := 0; i < (4<<20)/len(chunk); i++ {
					if i == 8 {
						cancel()
					}
					if _, err := w.Write(chunk); err != nil {
						abandoned <- errors.Is(err, syscall.EPIPE)
						return
					}
				}
				abandoned <- false
			}()
			ios, _, stdout, stderr := TestIO()
			code := Main(ctx, tt.args(fifo), ios, func(string) string { return "" })
			if code != ExitInterrupted {
				t.Errorf("exit code %d, want %d\nstdout:\n%.500s\nstderr:\n%.500s", code, ExitInterrupted, stdout, stderr)
			}
			if !<-abandoned {
				t.Errorf("the FIFO was read to its end after the cancellation, want it abandoned")
			}
		})
	}
}

// zeros is n zero bytes, then EOF.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	m := min(int64(len(p)), z.n)
	clear(p[:m])
	z.n -= m
	return int(m), nil
}

// TestInputOverCap covers issue safety 11: a whole-file input past its
// documented cap is refused with exit code 2 naming the cap, instead of
// being read until the process runs out of memory.
func TestInputOverCap(t *testing.T) {
	dir := t.TempDir()
	sparse := func(name string, size int64) string {
		t.Helper()
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil { // a sparse file: no disk used
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		args  []string
		stdin io.Reader
		want  string
	}{
		{"--paths-from FILE", []string{"invalidate", "--distribution-id", "E1", "--dry-run", "--paths-from", sparse("paths", maxPathsInput+1)}, nil,
			"is larger than 64 MiB, the most cfinv reads for --paths-from"},
		{"--paths-from -", []string{"invalidate", "--distribution-id", "E1", "--dry-run", "--paths-from", "-"}, &zeros{maxPathsInput + 1<<20},
			"--paths-from stdin is larger than 64 MiB"},
		{"--plan", []string{"invalidate", "--distribution-id", "E1", "--dry-run", "--plan", sparse("plan", maxPlanInput+1)}, nil,
			"is larger than 64 MiB, the most cfinv reads for --plan"},
		{"--invalidation-batch file://", []string{"invalidate", "--distribution-id", "E1", "--dry-run", "--invalidation-batch", "file://" + sparse("batch", maxBatchInput+1)}, nil,
			"is larger than 16 MiB, the most cfinv reads for --invalidation-batch"},
		{"--cli-input-json file://", []string{"invalidate", "--dry-run", "--cli-input-json", "file://" + sparse("input", maxBatchInput+1)}, nil,
			"is larger than 16 MiB, the most cfinv reads for --cli-input-json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stdout, stderr := TestIO()
			if tt.stdin != nil {
				ios.In = tt.stdin
			}
			code := Main(t.Context(), tt.args, ios, func(string) string { return "" })
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d\nstdout:\n%.500s\nstderr:\n%.500s", code, ExitUsage, stdout, stderr)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr:\n%.500s\nwant it to contain %q", stderr, tt.want)
			}
		})
	}
}

// TestInputAtCap: an input of exactly the cap is read, not refused.
func TestInputAtCap(t *testing.T) {
	data, err := readInput(t.Context(), "--paths-from", "-", &zeros{maxPathsInput}, maxPathsInput)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != maxPathsInput {
		t.Errorf("read %d bytes, want %d", len(data), maxPathsInput)
	}
}
