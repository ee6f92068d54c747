//go:build !linux

package s3store

import "os"

// fdatasync flushes f to stable storage.
func fdatasync(f *os.File) error { return f.Sync() }

// syncDir is a no-op where directories cannot be fsynced portably.
func syncDir(string) error { return nil }
