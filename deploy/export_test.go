package deploy

import (
	"os"
	"testing"
)

// SetCopyLimits lowers CopyObject's limit (5 GiB) and the part size of a
// copy in parts for the test t; its caller must not run in parallel.
func SetCopyLimits(t *testing.T, maxCopy, partSize int64) {
	t.Helper()
	oldMax, oldPart := maxCopySize, copyPartSize
	maxCopySize, copyPartSize = maxCopy, partSize
	t.Cleanup(func() { maxCopySize, copyPartSize = oldMax, oldPart })
}

// SetListing lowers the keys of the site per range of a listing in ranges
// and the keys per page of each ListObjectsV2 for the test t; its caller
// must not run in parallel.
func SetListing(t *testing.T, keysPerRange int, keysPerPage int32) {
	t.Helper()
	oldRange, oldPage := rangeSize, listPageKeys
	rangeSize, listPageKeys = keysPerRange, keysPerPage
	t.Cleanup(func() { rangeSize, listPageKeys = oldRange, oldPage })
}

// RewriteKeepingStat writes body (of the same size) into path and sets its
// mtime back, as a tool that keeps mtimes (or touch -d) does: only the
// ctime tells. It returns once the ctime differs from the one before,
// which it does as soon as the kernel's clock has ticked.
func RewriteKeepingStat(t *testing.T, path, body string) {
	t.Helper()
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := statOf(before)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if err := os.Chtimes(path, before.ModTime(), before.ModTime()); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		now, _ := statOf(fi)
		if now.Mtime != old.Mtime || now.Size != old.Size || now.Ino != old.Ino {
			t.Fatalf("stat changed beyond the ctime: %+v, was %+v", now, old)
		}
		if now.Ctime != old.Ctime {
			return
		}
		if i > 10_000_000 {
			t.Fatal("the ctime never changed")
		}
	}
}

// SetSpill makes the deploy's tables go to disk beyond bytes bytes for the
// test t (0: every table is spilled); its caller must not run in
// parallel.
func SetSpill(t *testing.T, bytes int) {
	t.Helper()
	old := spillAt
	spillAt = bytes
	t.Cleanup(func() { spillAt = old })
}
