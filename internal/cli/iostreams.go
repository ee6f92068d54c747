package cli

import (
	"bytes"
	"io"
	"os"
)

// IO holds the streams a command reads and writes. Commands never touch
// os.Stdout or os.Stderr directly, so tests can capture everything.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// IsStdoutTTY reports whether Out is a terminal: human tables when true,
	// machine-readable data (JSON, bare IDs) when false.
	IsStdoutTTY bool
	// IsStderrTTY reports whether ErrOut is a terminal: live progress lines
	// are redrawn in place only when true.
	IsStderrTTY bool
}

// SystemIO returns the process's standard streams.
func SystemIO() *IO {
	return &IO{
		In:          os.Stdin,
		Out:         os.Stdout,
		ErrOut:      os.Stderr,
		IsStdoutTTY: isTerminal(os.Stdout),
		IsStderrTTY: isTerminal(os.Stderr),
	}
}

// TestIO returns an IO backed by buffers, with no terminal attached.
func TestIO() (ios *IO, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IO{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice != 0
}
