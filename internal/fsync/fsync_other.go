//go:build !linux

package fsync

import "os"

// Data is f.Sync where the system has no fdatasync.
func Data(f *os.File) error { return f.Sync() }

// Dir does nothing here: Windows cannot open a directory to sync it, and
// serve's durability is tested on Linux.
func Dir(string) error { return nil }
