//go:build linux

package emulator_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// TestDiskFull (cfinv issue 24 item 5): with the state file's disk full,
// CreateInvalidation answered 503 until the server was restarted, even
// once space was freed, and the message named no cause. Now it answers
// 503 naming ENOSPC while the disk is full and creates again as soon as
// there is space, and what it acknowledged is there after a restart.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: this test mounts a small tmpfs to fill the disk and needs root (CI runs it as root)")
	}
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4194304"); err != nil {
		t.Fatalf("mount a tmpfs on %s as root: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	path := filepath.Join(dir, "state.db")
	st, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: harness.NewClock(t0).Now, CompletionDelay: time.Minute}).Handler())
	t.Cleanup(func() { srv.Close(); _ = st.Close() })
	f := &fixture{t: t, cf: newClient(srv)}
	dist := *f.createDist("full").Distribution.Id

	// The create log is empty after opening: the first create grows it.
	filler := filepath.Join(dir, "filler")
	fill, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = fill.Write(make([]byte, 4096))
	}
	fill.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("fill the disk: %v", err)
	}
	for i := range 2 {
		_, err := f.invalidate(dist, fmt.Sprint("full", i), "/a")
		wantAPIErr(t, err, "ServiceUnavailable", 503)
		var ae smithy.APIError
		if !errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), "no space left on device") || strings.Contains(ae.ErrorMessage(), dir) {
			t.Errorf("503 on a full disk says %q, want the cause (no space left on device) without the path", ae.ErrorMessage())
		}
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	inv := f.mustInvalidate(dist, "after", "/a")
	srv.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	cf, stop := restartable(t, path, harness.NewClock(t0))()
	defer stop()
	if _, err := cf.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: &dist, Id: inv.Id}); err != nil {
		t.Errorf("the create acknowledged once space was free, after a restart: %v", err)
	}
	list, err := cf.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: &dist})
	if err != nil || *list.InvalidationList.Quantity != 1 {
		t.Errorf("after a restart: %v invalidations, %v; want only the acknowledged one", list, err)
	}
}
