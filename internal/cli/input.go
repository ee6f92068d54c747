package cli

// Reading the files and streams commands take as input (--paths-from,
// --invalidation-batch file://, --cli-input-json file://, --plan, and the
// change lists of plan): every read stops when ctx is cancelled (SIGINT,
// SIGTERM), and whole-file inputs are refused past a size cap rather than
// read until memory runs out (issue: safety 11).

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/awscli"
)

// The caps on whole-file inputs. CloudFront takes at most 3,000 paths of
// at most 4,000 characters in one batch (cfpath.MaxBatchPaths,
// cfpath.MaxPathLen), 12 MB; a batch input gets room for that and its
// JSON. --paths-from and --plan may hold many batches: 64 MiB holds a
// million paths of 60 characters, more than CloudFront's in-progress
// limit lets one run submit in a day. README.md ("Input limits") lists
// them; keep the two in step.
const (
	maxBatchInput = 16 << 20 // --invalidation-batch, --cli-input-json
	maxPathsInput = 64 << 20 // --paths-from
	maxPlanInput  = 64 << 20 // --plan
)

// InputTooLargeError is an input past its cap. It is a usage error (exit
// 2) naming the input and the cap.
type InputTooLargeError struct {
	Flag string // the flag that named the input, e.g. "--paths-from"
	Name string // the file, or "stdin"
	Cap  int64  // bytes
}

func (e *InputTooLargeError) Error() string {
	return fmt.Sprintf("%s %s is larger than %s, the most cfinv reads for %s", e.Flag, e.Name, sizeString(e.Cap), e.Flag)
}

// sizeString is n bytes in MiB when it is a whole number of them.
func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ctxReader is r that fails with ctx's error once ctx is done: a reader
// of an endless input (/dev/urandom) stops at its next Read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// readInput reads all of the input name (a file, or "-" for in) for flag,
// at most limit bytes. It returns when ctx is done even if a read blocks
// (a pipe that stays open and silent, a FIFO with no writer), with an
// error matching ctx.Err(): the blocked read is left to the process's
// exit, after the file is closed to unblock it where the system can.
func readInput(ctx context.Context, flag, name string, in io.Reader, limit int64) ([]byte, error) {
	return readWith(ctx, flag, name, in, func(r io.Reader, display string) ([]byte, error) {
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return nil, err
		}
		if int64(len(data)) > limit {
			return nil, &FlagError{Err: &InputTooLargeError{Flag: flag, Name: display, Cap: limit}}
		}
		return data, nil
	})
}

// readWith opens name ("-" is in, unless in is nil) and calls parse with
// it, in a goroutine so that a cancelled ctx ends the wait even when
// opening or reading blocks. The reader parse gets fails once ctx is
// done, so a parse that keeps reading stops too. display is name, or
// "stdin" for "-". An open error is a usage error naming flag; once ctx
// is done, every error is ctx's, wrapped.
func readWith[T any](ctx context.Context, flag, name string, in io.Reader, parse func(r io.Reader, display string) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	opened := make(chan *os.File, 1)
	go func() {
		var r io.Reader = in
		display := "stdin"
		if name != "-" || in == nil {
			f, err := os.Open(name)
			if err != nil {
				done <- result{err: flagErrorf("read %s: %v", flag, err)}
				return
			}
			defer f.Close()
			opened <- f
			r, display = f, name
		}
		v, err := parse(ctxReader{ctx, r}, display)
		done <- result{v, err}
	}()
	select {
	case res := <-done:
		if res.err != nil && ctx.Err() != nil {
			// The parse saw the cancellation (and may have wrapped
			// it as a parse error of the input): it is an interruption.
			return res.v, fmt.Errorf("read %s: %w", flag, ctx.Err())
		}
		return res.v, res.err
	case <-ctx.Done():
		select {
		case f := <-opened:
			// A pipe or FIFO read returns at once; a regular file's
			// next Read sees ctx.
			_ = f.SetReadDeadline(time.Now())
		default:
		}
		var zero T
		return zero, fmt.Errorf("read %s: %w", flag, ctx.Err())
	}
}

// readArg returns the value of an AWS-CLI-style argument: file://F reads
// F, at most maxBatchInput bytes, until ctx is done. source is what a
// JSON error names: the file, else the flag's value.
func readArg(ctx context.Context, flag, v string) (data []byte, source string, err error) {
	if name, ok := strings.CutPrefix(v, "file://"); ok {
		b, err := readInput(ctx, flag, name, nil, maxBatchInput)
		if err != nil {
			return nil, "", err
		}
		return b, name, nil
	}
	return []byte(v), "", nil
}

// parseInvalidationBatch reads --invalidation-batch: JSON, file://F, or
// the AWS CLI shorthand.
func parseInvalidationBatch(ctx context.Context, v string) (*awscli.Batch, error) {
	data, source, err := readArg(ctx, "--invalidation-batch", v)
	if err != nil {
		return nil, err
	}
	return awscli.ParseInvalidationBatch(data, source)
}

// parseCLIInputJSON reads --cli-input-json: JSON or file://F.
func parseCLIInputJSON(ctx context.Context, v string) (*awscli.CLIInput, error) {
	data, source, err := readArg(ctx, "--cli-input-json", v)
	if err != nil {
		return nil, err
	}
	return awscli.ParseCLIInput(data, source)
}
