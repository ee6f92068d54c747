//go:build !linux

package store

import "os"

// fdatasync is f.Sync where the system has no fdatasync.
func fdatasync(f *os.File) error { return f.Sync() }

// syncDir does nothing here: Windows cannot open a directory to sync it,
// and serve's durability is tested on Linux.
func syncDir(string) error { return nil }
