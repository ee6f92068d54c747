package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

// planFile is what "cfinv plan --out" writes and "cfinv invalidate --plan"
// reads: the plan package's file format, plus, after --write-manifest, the
// manifest update that invalidate commits once the invalidation succeeded.
// plan.ReadFile ignores the extra key, so the file stays a plan file.
type planFile struct {
	*plan.File
	// Manifest is the pending manifest update. Its paths are relative to
	// the plan file's directory when they can be, so the plan file and
	// the manifest can move together.
	Manifest *changes.Pending `json:"manifest,omitempty"`
}

// writePlanFile writes f to name, the manifest update's paths made
// relative to name's directory.
func writePlanFile(name string, f planFile) error {
	if f.Manifest != nil {
		m := *f.Manifest
		m.Path, m.File = relTo(name, m.Path), relTo(name, m.File)
		f.Manifest = &m
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// decodePlanFile parses and checks the content of the plan file name, with
// the manifest update's paths resolved against name's directory.
func decodePlanFile(name string, data []byte) (planFile, error) {
	f, err := plan.Decode(name, data)
	if err != nil {
		return planFile{}, err
	}
	var extra struct {
		Manifest *changes.Pending `json:"manifest"`
	}
	if err := json.Unmarshal(data, &extra); err != nil {
		return planFile{}, &plan.FileError{Name: name, Err: err}
	}
	if m := extra.Manifest; m != nil {
		if m.Path == "" || m.File == "" || m.SHA256 == "" {
			return planFile{}, &plan.FileError{Name: name, Err: fmt.Errorf("manifest: want path, pending and sha256, got %+v", *m)}
		}
		m.Path, m.File = resolveFrom(name, m.Path), resolveFrom(name, m.File)
	}
	return planFile{File: f, Manifest: extra.Manifest}, nil
}

// relTo is path relative to the directory of file, or path made absolute
// when it has no relative form.
func relTo(file, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return abs
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		return abs
	}
	return filepath.ToSlash(rel)
}

// resolveFrom is path, relative to the directory of file, made usable from
// the current directory.
func resolveFrom(file, path string) string {
	path = filepath.FromSlash(path)
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(file), path)
}
