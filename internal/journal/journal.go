// Package journal is cfinv's local record of submitted invalidation
// batches, so that a re-run of the same deploy resumes where the last one
// stopped instead of buying the same invalidation again.
//
// The journal is one append-only file of JSON lines, journal.jsonl, in the
// state directory. Every Append is written with a single write and fsync'd
// before it returns. A torn last line (a process killed mid-write) is
// ignored when the file is read. Nothing secret is stored: distribution
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
	"io"
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
type Journal struct {
	mu      sync.Mutex
	f       *os.File
	created map[key]Entry
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
	j := &Journal{f: f, created: map[key]Entry{}}
	if err := j.load(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	return j, nil
}

func (j *Journal) load(f *os.File) error {
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		var e Entry
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &e) != nil {
			continue // blank, or a torn line from a killed process: skip it
		}
		j.index(e)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		// End the torn line so the next entry starts on a line of its own.
		if _, err := f.Write([]byte("\n")); err != nil {
			return err
		}
	}
	return nil
}

func (j *Journal) index(e Entry) {
	if e.State == StateCreated && e.InvalidationID != "" {
		j.created[key{e.DistributionID, e.CallerReference}] = e
	}
}

// Lookup returns the created entry for the batch with caller reference ref
// on distribution dist, if the journal has one.
func (j *Journal) Lookup(dist, ref string) (Entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.created[key{dist, ref}]
	return e, ok
}

// Append writes e as one line and fsyncs the file before returning.
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
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("append journal: %w", err)
	}
	j.index(e)
	return nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }
