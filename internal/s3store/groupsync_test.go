package s3store

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestDirSyncCoversEveryCaller: each sync returns only after an fsync that
// started after it was called, and concurrent callers share fsyncs.
func TestDirSyncCoversEveryCaller(t *testing.T) {
	var started, finished atomic.Int64
	d := newDirSync(t.TempDir())
	d.syncFn = func(string) error {
		n := started.Add(1)
		runtime.Gosched()
		for {
			f := finished.Load()
			if f >= n || finished.CompareAndSwap(f, n) {
				return nil
			}
		}
	}
	const callers = 64
	var wg sync.WaitGroup
	bad := atomic.Int64{}
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			before := started.Load()
			if err := d.sync(); err != nil {
				t.Error(err)
			}
			if finished.Load() <= before {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d callers returned without an fsync that started after their call", bad.Load())
	}
	if n := started.Load(); n > callers {
		t.Errorf("%d fsyncs for %d callers", n, callers)
	}
}
