package changes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// GitDiff runs "git diff --name-status -z A B" in dir for rangeSpec
// ("A..B") and returns the changes under prefix ("public/"), with prefix
// removed from the keys.
func GitDiff(ctx context.Context, dir, rangeSpec, prefix string) (Set, error) {
	from, to, ok := strings.Cut(rangeSpec, "..")
	if !ok || from == "" || to == "" || strings.HasPrefix(to, ".") || strings.HasPrefix(from, "-") || strings.HasPrefix(to, "-") {
		return Set{}, &ParseError{Source: "--git-range", Err: fmt.Errorf("%q is not a range A..B of two commits", rangeSpec)}
	}
	args := []string{"-c", "core.quotepath=false", "diff", "--name-status", "-z", "--no-color", "--no-ext-diff", "-M", from, to, "--"}
	if p := strings.Trim(prefix, "/"); p != "" {
		args = append(args, p)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return Set{}, fmt.Errorf("run git diff %s: %s", rangeSpec, strings.TrimSpace(stderr.String()))
		}
		return Set{}, fmt.Errorf("run git diff %s: %w", rangeSpec, err)
	}
	return ParseNameStatus(out, prefix)
}

// ParseNameStatus parses the output of "git diff --name-status -z": a
// status (M, T, A, D, U, Rnnn, Cnnn) then one path, or two for renames and
// copies, each ended by NUL. Only paths under prefix count, with prefix
// removed. A rename deletes the old key and adds the new one; a copy adds
// the new one; M, T and U modify.
func ParseNameStatus(out []byte, prefix string) (Set, error) {
	if p := strings.Trim(prefix, "/"); p != "" {
		prefix = p + "/"
	} else {
		prefix = ""
	}
	fields := strings.Split(string(out), "\x00")
	if n := len(fields); n > 0 && fields[n-1] == "" {
		fields = fields[:n-1]
	}
	var s Set
	key := func(p string) (string, bool) {
		k, ok := strings.CutPrefix(p, prefix)
		return k, ok && k != ""
	}
	for i := 0; i < len(fields); {
		status := fields[i]
		if status == "" {
			return Set{}, &ParseError{Source: "git diff", Err: fmt.Errorf("empty status at field %d", i+1)}
		}
		paths := 1
		if status[0] == 'R' || status[0] == 'C' {
			paths = 2
		}
		if i+paths >= len(fields) {
			return Set{}, &ParseError{Source: "git diff", Err: fmt.Errorf("status %q at field %d lacks its path", status, i+1)}
		}
		p1 := fields[i+1]
		switch status[0] {
		case 'M', 'T', 'U':
			if k, ok := key(p1); ok {
				s.Modified = append(s.Modified, k)
			}
		case 'A':
			if k, ok := key(p1); ok {
				s.Added = append(s.Added, k)
			}
		case 'D':
			if k, ok := key(p1); ok {
				s.Deleted = append(s.Deleted, k)
			}
		case 'R', 'C':
			if k, ok := key(p1); ok && status[0] == 'R' {
				s.Deleted = append(s.Deleted, k)
			}
			if k, ok := key(fields[i+2]); ok {
				s.Added = append(s.Added, k)
			}
		default:
			return Set{}, &ParseError{Source: "git diff", Err: fmt.Errorf("unknown status %q at field %d, want M, T, U, A, D, R or C", status, i+1)}
		}
		i += 1 + paths
	}
	s.normalize()
	return s, nil
}
