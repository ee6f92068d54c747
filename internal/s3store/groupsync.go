package s3store

import (
	"sync"

	"github.com/cfinv/cfinv/internal/fsync"
)

// dirSync shares directory fsyncs between concurrent writers (group
// commit): a writer that has renamed its file into the directory waits
// for an fsync that started after its rename, and one fsync serves every
// writer waiting at the time it starts. With 16 concurrent PUTs a
// directory is fsynced a few times per batch instead of once per PUT.
type dirSync struct {
	dir    string
	syncFn func(string) error // fsync.Dir; tests count calls

	mu      sync.Mutex
	cond    *sync.Cond
	started uint64 // generation of the last fsync started
	done    uint64 // generation of the last fsync finished
	running bool
	err     error // of the last fsync finished
}

func newDirSync(dir string) *dirSync {
	d := &dirSync{dir: dir, syncFn: fsync.Dir}
	d.cond = sync.NewCond(&d.mu)
	return d
}

// sync returns once an fsync of the directory that started after the call
// has finished, with its error.
func (d *dirSync) sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	want := d.started + 1 // the running fsync, if any, may predate our rename
	for d.done < want {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		gen := d.started
		d.mu.Unlock()
		err := d.syncFn(d.dir)
		d.mu.Lock()
		d.running, d.done, d.err = false, gen, err
		d.cond.Broadcast()
	}
	return d.err
}
