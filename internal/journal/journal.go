// Package journal is cfinv's local record of submitted invalidation
// batches, so that a re-run of the same deploy resumes where the last one
// stopped instead of buying the same invalidation again.
//
// The journal is a directory, journal/, in the state directory, with one
// file of JSON lines per distribution and caller reference:
// journal/<h[:2]>/<h>.jsonl, h being the hex SHA-256 of the distribution
// ID, a NUL and the reference. The file system is the index: a run reads
// only the files of the batches it sends, so its cost does not grow with
// the journal's history (a single file holding every deploy's paths, read
// whole by every run, took a one-path run from 0.04 s and 15 MB to 0.99 s
// and 190 MB after 2,000 deploys).
//
// Every Append is one write(2) to its file, opened in append mode, so the
// entry survives the process being killed at any point after it; it is not
// fsync'd. The journal only saves requests: what keeps a re-run from paying
// twice is the caller reference itself (derived from the batch and the
// deploy ID, or given), which CloudFront answers with the invalidation it
// already made. An entry lost with the machine's page cache therefore costs
// one request on the next run, never a second invalidation; a random
// reference is never looked up again. A torn line (a process killed
// mid-write: the start of an entry, cut short) is skipped when read, and
// the next Append starts on a line of its own. Any other line that is not
// an entry is damage: it is never skipped silently (Lookup reports it).
//
// Nothing expires. CloudFront documents no end to its record of
// invalidations ("You can't remove invalidations from the list", in the
// developer guide's "Invalidate files"; the 2013 API reference said
// "Invalidation history is available for the current and previous billing
// cycles"), and a re-run that finds its entry resumes without a call
// whatever the entry's age; a lookup costs the same for an old journal as
// for a new one. Deleting the directory, or part of it, is safe: it costs
// requests, not invalidations.
//
// Older versions kept every entry in one file, journal.jsonl (FileName).
// Open imports it into the directory and renames it
// journal.jsonl.imported-<time>, never deleting it; lines of it that are
// neither entries nor torn are not imported, and Damage reports them.
//
// Nothing secret is stored: distribution IDs, caller references, deploy
// IDs, invalidation IDs, item counts and, in "created" entries, the batch's
// paths, so that a reference reused with other paths is told apart from a
// re-run of the same batch. Entries written before paths were recorded
// have none: see Entry.Paths.
package journal

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DirName is the journal's directory inside the state directory.
const DirName = "journal"

// FileName is the single-file journal of older versions, imported by Open.
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

// DamageError is a journal file holding lines that are neither entries
// nor torn ones. The lines are left where they are.
type DamageError struct {
	File  string
	Lines []int // 1-based
	// Kept, when not "", is where the file now is (an imported journal
	// of an older version, renamed).
	Kept string
}

func (e *DamageError) Error() string {
	lines := make([]string, 0, min(len(e.Lines), 3))
	for _, n := range e.Lines[:min(len(e.Lines), 3)] {
		lines = append(lines, fmt.Sprint(n))
	}
	s := fmt.Sprintf("journal %s is damaged: line %s is not an entry", e.File, lines[0])
	if len(e.Lines) > 1 {
		s = fmt.Sprintf("journal %s is damaged: lines %s", e.File, strings.Join(lines, ", "))
		if len(e.Lines) > 3 {
			s += fmt.Sprintf(" and %d more", len(e.Lines)-3)
		}
		s += " are not entries"
	}
	if e.Kept != "" {
		s += fmt.Sprintf(" (not imported; the file is kept as %s)", e.Kept)
	}
	return s
}

// Journal is an open journal. It is safe for concurrent use, also by
// several processes.
type Journal struct {
	dir    string // the journal's directory
	damage error  // what Open found while importing FileName
}

// Open opens (creating it and dir when needed) the journal in dir,
// importing the single-file journal of an older version if dir holds one.
func Open(dir string) (*Journal, error) {
	if dir == "" {
		return nil, errors.New("open journal: no state directory")
	}
	j := &Journal{dir: filepath.Join(dir, DirName)}
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	damage, err := j.importFile(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("import journal %s: %w", filepath.Join(dir, FileName), err)
	}
	if damage != nil {
		j.damage = damage
	}
	return j, nil
}

// Damage returns a *DamageError when the journal Open imported had damaged
// lines, and nil otherwise.
func (j *Journal) Damage() error { return j.damage }

// importFile copies the entries of the single-file journal at path into
// j's files, then renames it. A crash half-way leaves it in place, to be
// imported again: an entry imported twice is harmless (Lookup takes the
// last created entry, and both are the same).
func (j *Journal) importFile(path string) (*DamageError, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var damaged []int
	r := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			e, kind := parse(line, false)
			switch kind {
			case lineEntry:
				if werr := j.write(e.DistributionID, e.CallerReference, bytes.TrimRight(line, "\r\n")); werr != nil {
					return nil, werr
				}
			case lineDamaged:
				damaged = append(damaged, n)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	kept, err := keep(path)
	if err != nil {
		return nil, err
	}
	if len(damaged) > 0 {
		return &DamageError{File: path, Lines: damaged, Kept: kept}, nil
	}
	return nil, nil
}

// keep renames the imported file at path to a name no file has yet. A
// file already gone was imported and renamed by another process.
func keep(path string) (string, error) {
	base := path + ".imported-" + time.Now().UTC().Format("20060102T150405")
	for i := 1; ; i++ {
		to := base
		if i > 1 {
			to = fmt.Sprintf("%s.%d", base, i)
		}
		if _, err := os.Lstat(to); err == nil {
			continue
		}
		err := os.Rename(path, to)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return to, err
	}
}

type lineKind int

const (
	lineBlank lineKind = iota
	lineEntry
	lineTorn
	lineDamaged
)

// head is the part of an entry that says which file it belongs in.
type head struct {
	DistributionID  string `json:"distribution"`
	CallerReference string `json:"reference"`
	State           string `json:"state"`
}

// parse reads one line: an entry (a JSON object with a known state and a
// distribution and reference), a blank line, a torn one (the start of a
// JSON object, cut short) or damage. Unless full, only the entry's head
// is decoded (no strings for its paths), which is all an import needs.
func parse(line []byte, full bool) (Entry, lineKind) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return Entry{}, lineBlank
	}
	var e Entry
	var h head
	dec := json.NewDecoder(bytes.NewReader(line))
	var err error
	if full {
		err = dec.Decode(&e)
		h = head{e.DistributionID, e.CallerReference, e.State}
	} else {
		err = dec.Decode(&h)
		e.DistributionID, e.CallerReference, e.State = h.DistributionID, h.CallerReference, h.State
	}
	switch {
	case err == nil && dec.InputOffset() == int64(len(line)) && (h.State == StateSubmitting || h.State == StateCreated) && h.DistributionID != "" && h.CallerReference != "":
		return e, lineEntry
	case errors.Is(err, io.ErrUnexpectedEOF) && line[0] == '{':
		return Entry{}, lineTorn
	}
	return Entry{}, lineDamaged
}

// file is the path of the file of dist's reference ref.
func (j *Journal) file(dist, ref string) string {
	h := sha256.Sum256([]byte(dist + "\x00" + ref))
	name := hex.EncodeToString(h[:])
	return filepath.Join(j.dir, name[:2], name+".jsonl")
}

// write appends line (without its newline) to the file of dist's
// reference ref, in one write. A file left ending mid-line (a process
// killed mid-write) first gets the newline it lacks.
func (j *Journal) write(dist, ref string, line []byte) error {
	path := j.file(dist, ref)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
			f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
		}
	}
	if err != nil {
		return err
	}
	buf := make([]byte, 0, len(line)+2)
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
			buf = append(buf, '\n')
		}
	}
	buf = append(append(buf, line...), '\n')
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Lookup returns the created entry for the batch with caller reference ref
// on distribution dist, if the journal has one (the last, if several). It
// reads that batch's file only. A file with damaged lines gives a
// *DamageError, with the entry found among the other lines if any.
func (j *Journal) Lookup(dist, ref string) (Entry, bool, error) {
	path := j.file(dist, ref)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("read journal: %w", err)
	}
	var found Entry
	ok := false
	var damaged []int
	for n, line := range bytes.Split(data, []byte("\n")) {
		e, kind := parse(line, true)
		switch {
		case kind == lineDamaged:
			damaged = append(damaged, n+1)
		case kind == lineEntry && created(e) && e.DistributionID == dist && e.CallerReference == ref:
			found, ok = e, true
		}
	}
	if len(damaged) > 0 {
		return found, ok, &DamageError{File: path, Lines: damaged}
	}
	return found, ok, nil
}

// created reports whether e records a batch CloudFront accepted.
func created(e Entry) bool { return e.State == StateCreated && e.InvalidationID != "" }

// Append writes e as one line of its batch's file (one write, no fsync:
// see the package comment).
func (j *Journal) Append(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("append journal: %w", err)
	}
	if err := j.write(e.DistributionID, e.CallerReference, b); err != nil {
		return fmt.Errorf("append journal: %w", err)
	}
	return nil
}

// Close releases j. Every entry is already written.
func (j *Journal) Close() error { return nil }
