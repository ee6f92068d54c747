// Package journal is cfinv's local record of submitted invalidation
// batches, so that a re-run of the same deploy resumes where the last one
// stopped instead of buying the same invalidation again.
//
// The journal is one append-only file of JSON lines, journal.jsonl, in the
// state directory. Every Append is one write(2), so the entry survives the
// process being killed at any point after it; it is not fsync'd. The
// journal only saves requests: what keeps a re-run from paying twice is
// the caller reference itself (derived from the batch and the deploy ID,
// or given), which CloudFront answers with the invalidation it already
// made. An entry lost with the machine's page cache therefore costs one
// request on the next run, never a second invalidation; a random reference
// is never looked up again. A torn last line (a process killed mid-write)
// is ignored when the file is read. Nothing secret is stored: distribution
// IDs, caller references, deploy IDs, invalidation IDs, item counts and, in
// "created" entries, the batch's paths, so that a reference reused with
// other paths is told apart from a re-run of the same batch. Entries
// written before paths were recorded have none: see Entry.Paths.
package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileName is the journal's file name inside the state directory.
const FileName = "journal.jsonl"

// States of a journal entry.
const (
	// StateSubmitting is written before CreateInvalidation is sent.
	StateSubmitting = "submitting"
	// StateCreated is written once CloudFront answered with an ID.
	StateCreated = "created"
)

// Entry is one line of the journal.
type Entry struct {
	Time            time.Time `json:"time"`
	DistributionID  string    `json:"distribution"`
	CallerReference string    `json:"reference"`
	DeployID        string    `json:"deploy,omitempty"`
	InvalidationID  string    `json:"id,omitempty"`
	Items           int       `json:"items"`
	// Paths are the batch's items as sent, recorded in created entries.
	// Nil in entries of older versions: the caller then compares the
	// batch with CloudFront's own record of the invalidation instead.
	Paths []string `json:"paths,omitempty"`
	State string   `json:"state"`
}

type key struct{ dist, ref string }

// Journal is an open journal file. It is safe for concurrent use.
//
// Open reads the file but parses none of it: a lookup parses only the
// lines that hold its caller reference, so the cost of a run does not grow
// with the journal's history (every deploy adds its lines).
type Journal struct {
	mu       sync.Mutex
	f        *os.File
	data     []byte        // the file as Open read it
	appended map[key]Entry // created entries appended since Open
}

// Open opens (creating it and dir when needed) the journal in dir and reads
// what it records.
func Open(dir string) (*Journal, error) {
	if dir == "" {
		return nil, errors.New("open journal: no state directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j := &Journal{f: f, appended: map[key]Entry{}}
	if err := j.load(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	return j, nil
}

func (j *Journal) load(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// Read into a buffer of the file's size (one allocation, as
	// os.ReadFile does), allowing for lines appended meanwhile.
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+512))
	if _, err := buf.ReadFrom(f); err != nil {
		return err
	}
	data := buf.Bytes()
	j.data = data
	if len(data) > 0 && data[len(data)-1] != '\n' {
		// End the torn line so the next entry starts on a line of its own.
		if _, err := f.Write([]byte("\n")); err != nil {
			return err
		}
	}
	return nil
}

// Lookup returns the created entry for the batch with caller reference ref
// on distribution dist, if the journal has one (the last, if several).
func (j *Journal) Lookup(dist, ref string) (Entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e, ok := j.appended[key{dist, ref}]; ok {
		return e, true
	}
	// Every line is json.Marshal of an Entry, so a line of this reference
	// holds the field exactly as Marshal writes it. Lines that do are
	// parsed; blank lines and torn ones (a process killed mid-write) are
	// skipped, as are entries of other references that merely contain it.
	quoted, err := json.Marshal(ref)
	if err != nil {
		return Entry{}, false
	}
	needle := append([]byte(`"reference":`), quoted...)
	// Search for the field's last bytes, which differ from reference to
	// reference (references share prefixes such as "cfinv-", and every
	// line has a "reference" field), then check the whole field.
	tail := needle[len(needle)-min(len(needle), 8):]
	var found Entry
	ok := false
	for off := 0; ; {
		k := bytes.Index(j.data[off:], tail)
		if k < 0 {
			break
		}
		end := off + k + len(tail) // end of a candidate field
		off += k + 1
		if end < len(needle) || !bytes.Equal(j.data[end-len(needle):end], needle) {
			continue
		}
		start := bytes.LastIndexByte(j.data[:end], '\n') + 1
		stop := bytes.IndexByte(j.data[end:], '\n')
		if stop < 0 {
			stop = len(j.data)
		} else {
			stop += end
		}
		var e Entry
		if json.Unmarshal(j.data[start:stop], &e) == nil && created(e) && e.DistributionID == dist && e.CallerReference == ref {
			found, ok = e, true
		}
		off = stop
	}
	return found, ok
}

// created reports whether e records a batch CloudFront accepted.
func created(e Entry) bool { return e.State == StateCreated && e.InvalidationID != "" }

// Append writes e as one line (one write, no fsync: see the package
// comment).
func (j *Journal) Append(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("append journal: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("append journal: %w", err)
	}
	if created(e) {
		j.appended[key{e.DistributionID, e.CallerReference}] = e
	}
	return nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }
