package fsync

import (
	"os"
	"syscall"
)

// Data flushes f's data and the metadata needed to read it back
// (fdatasync), as bbolt does for its own file on Linux.
func Data(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }

// Dir makes the entries of directory dir durable, so a file just created
// or renamed in it is still there after a power cut.
func Dir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
