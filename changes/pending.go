package changes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// PendingSuffix is appended to a manifest's path to name the file that
// holds its next state until Commit puts it in place.
const PendingSuffix = ".pending"

// ErrManifestChanged means the manifest is no longer the one a pending
// update was planned against (another deploy updated it in between), or
// the pending file is no longer the one that was written: Commit leaves
// both as they are.
var ErrManifestChanged = errors.New("manifest changed since the plan")

// Pending is a manifest update that waits for the deploy it describes to
// be invalidated. The new manifest is written next to the manifest, at
// Path + PendingSuffix; Commit renames it into place. Until then the
// manifest still describes the last deploy that was invalidated, so a
// deploy whose invalidation fails is planned again in full by the next
// run instead of being forgotten.
//
// Pending is stored in a plan file as JSON.
type Pending struct {
	// Path is the manifest to update.
	Path string `json:"path"`
	// File holds the new manifest until Commit.
	File string `json:"pending"`
	// SHA256 is the hex SHA-256 of File's content.
	SHA256 string `json:"sha256"`
	// Base is the hex SHA-256 of the manifest the update was planned
	// against, empty when there was none (the first deploy).
	Base string `json:"base,omitempty"`
}

// WritePending writes m to path + PendingSuffix, atomically, and returns
// the update that Commit puts in place. The manifest at path is not
// touched; its current content, if any, becomes the update's Base.
func (m Manifest) WritePending(path string) (Pending, error) {
	base, err := fileSHA256(path)
	if err != nil {
		return Pending{}, fmt.Errorf("write pending manifest: %w", err)
	}
	var b bytes.Buffer
	if err := m.Write(&b); err != nil {
		return Pending{}, fmt.Errorf("write pending manifest: %w", err)
	}
	p := Pending{Path: path, File: path + PendingSuffix, SHA256: sha256Hex(b.Bytes()), Base: base}
	if err := writeAtomic(p.File, b.Bytes()); err != nil {
		return Pending{}, fmt.Errorf("write pending manifest: %w", err)
	}
	return p, nil
}

// Commit puts the pending manifest in place with a rename, so the
// manifest is at every moment either the old one or the new one. It
// refuses, with an error matching ErrManifestChanged, when the manifest
// is no longer Base or the pending file no longer holds SHA256. A commit
// already done (the manifest holds SHA256 and the pending file is gone) is
// not an error: Commit is idempotent.
func (p Pending) Commit() error {
	cur, err := fileSHA256(p.Path)
	if err != nil {
		return fmt.Errorf("commit manifest: %w", err)
	}
	pending, err := fileSHA256(p.File)
	if err != nil {
		return fmt.Errorf("commit manifest: %w", err)
	}
	switch {
	case pending == "" && cur == p.SHA256:
		return nil // committed already
	case pending == "":
		return fmt.Errorf("commit manifest: %s does not exist: %w", p.File, ErrManifestChanged)
	case pending != p.SHA256:
		return fmt.Errorf("commit manifest: %s was rewritten by a later plan: %w", p.File, ErrManifestChanged)
	case cur != p.Base && cur != p.SHA256:
		return fmt.Errorf("commit manifest: %s was updated by another deploy; the new state stays in %s: %w", p.Path, p.File, ErrManifestChanged)
	}
	if err := os.Rename(p.File, p.Path); err != nil {
		return fmt.Errorf("commit manifest: %w", err)
	}
	return nil
}

// fileSHA256 is the hex SHA-256 of the file at path, or "" when there is
// no such file.
func fileSHA256(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return sha256Hex(data), nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// writeAtomic writes data to path through a temporary file in the same
// directory renamed into place, so a crash never leaves half a file.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".manifest-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
