//go:build linux

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory and returns
// it; it is unmounted at cleanup. Mounting needs root: other users skip,
// loudly. CI runs as root, so it runs there.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: this test mounts a small tmpfs to fill the disk and needs root (CI runs it as root)")
	}
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Fatalf("mount a tmpfs on %s as root: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes a file in dir until the file system is full and
// returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			return path
		}
	}
}

// TestLogDiskFull (cfinv issue 24 item 5): on a full disk creates fail
// naming ENOSPC, and once space is freed the next one works, without a
// restart; acknowledged creates survive a kill, failed ones appear
// nowhere.
func TestLogDiskFull(t *testing.T) {
	dir := mountTmpfs(t, 8<<20)
	b, err := openBolt(filepath.Join(dir, "state.db"), checkpoints{every: 1 << 20, idle: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	d := &Distribution{ID: "E0000000000001", CallerReference: "ref", Status: StatusDeployed, Config: &distconfig.Node{Name: "DistributionConfig"}}
	if err := b.CreateDistribution(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	big := func(id string) *Invalidation {
		inv := commitInv(d.ID, id, "ref"+id)
		inv.Paths = nil
		for i := range 50 {
			inv.Paths = append(inv.Paths, fmt.Sprintf("/%s/%d/%s", id, i, strings.Repeat("x", 1000)))
		}
		return inv
	}
	// The log has grown by its first MiB; fill the rest of the disk and
	// create until a create needs the next MiB.
	if _, _, err := b.CreateInvalidation(t.Context(), big("I000"), commitT0, nil); err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, dir)
	acked := []string{"I000"}
	var failed []string
	for i := 1; len(failed) < 2 && i < 100; i++ {
		id := fmt.Sprintf("I%03d", i)
		_, _, err := b.CreateInvalidation(t.Context(), big(id), commitT0, nil)
		switch {
		case err == nil && len(failed) == 0:
			acked = append(acked, id)
		case errors.Is(err, syscall.ENOSPC):
			failed = append(failed, id)
		default:
			t.Fatalf("create %s on a full disk: %v, want success or an error naming ENOSPC", id, err)
		}
	}
	if len(failed) < 2 || len(acked) < 2 {
		t.Fatalf("%d created and %d failed on a full disk; want creates that fit and then failures", len(acked), len(failed))
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"J001", "J002"} {
		if _, created, err := b.CreateInvalidation(t.Context(), big(id), commitT0, nil); err != nil || !created {
			t.Fatalf("create %s once space is free: created %v, %v", id, created, err)
		}
		acked = append(acked, id)
	}
	abandon(t, b)
	again, err := OpenBolt(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for _, id := range acked {
		if _, err := again.GetInvalidation(t.Context(), d.ID, id); err != nil {
			t.Errorf("acknowledged %s after a kill: %v", id, err)
		}
	}
	for _, id := range failed {
		if _, err := again.GetInvalidation(t.Context(), d.ID, id); !errors.Is(err, ErrNoInvalidation) {
			t.Errorf("failed %s after a kill: %v, want ErrNoInvalidation", id, err)
		}
	}
}
