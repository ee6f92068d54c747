package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cfinv/cfinv/cfpath"
)

// FileVersion is the version of the plan file format this package writes
// and the only one it reads.
const FileVersion = 1

// File is a plan file: a Plan with a version and a creation time. See the
// package documentation for the format.
type File struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	*Plan
}

// NewFile wraps p for writing, stamped with now.
func NewFile(p *Plan, now time.Time) *File {
	return &File{Version: FileVersion, Created: now.UTC().Truncate(time.Second), Plan: p}
}

// Batches returns the CreateInvalidation batches to submit, unchanged and
// in order.
func (f *File) Batches() [][]string { return f.Plan.Batches }

// Encode writes f as indented JSON.
func (f *File) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(f)
}

// WriteFile writes f to path.
func (f *File) WriteFile(path string) error {
	var b bytes.Buffer
	if err := f.Encode(&b); err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// FileError is a plan file that cannot be used as is.
type FileError struct {
	Name string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("read plan %s: %v", e.Name, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// ReadFile reads and checks the plan file at path.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return Decode(path, data)
}

// Decode parses and checks a plan file's contents; name is used in errors.
// Every batch must be non-empty and fit CloudFront's limits, and every
// path must be valid as sent.
func Decode(name string, data []byte) (*File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, &FileError{Name: name, Err: err}
	}
	if dec.More() {
		return nil, &FileError{Name: name, Err: errors.New("trailing data after the JSON object")}
	}
	if f.Version != FileVersion {
		return nil, &FileError{Name: name, Err: fmt.Errorf("version %d is not supported, want %d", f.Version, FileVersion)}
	}
	if f.Plan == nil || len(f.Plan.Batches) == 0 && len(f.Plan.Items) > 0 {
		return nil, &FileError{Name: name, Err: errors.New("no batches")}
	}
	for i, b := range f.Plan.Batches {
		if len(b) == 0 || len(b) > cfpath.MaxBatchPaths {
			return nil, &FileError{Name: name, Err: fmt.Errorf("batch %d has %d paths, want 1 to %d", i+1, len(b), cfpath.MaxBatchPaths)}
		}
		wild := 0
		for _, p := range b {
			if err := cfpath.Validate(p); err != nil {
				return nil, &FileError{Name: name, Err: fmt.Errorf("batch %d: %w", i+1, err)}
			}
			if cfpath.KindOf(p) == cfpath.KindWildcard {
				wild++
			}
		}
		if wild > cfpath.MaxInProgressWildcards {
			return nil, &FileError{Name: name, Err: fmt.Errorf("batch %d has %d wildcards, over CloudFront's limit of %d in progress", i+1, wild, cfpath.MaxInProgressWildcards)}
		}
	}
	return &f, nil
}
