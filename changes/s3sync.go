package changes

import (
	"fmt"
	"io"
	"strings"
)

// ParseS3SyncLog reads what "aws s3 sync" (or cp/mv --recursive) printed
// and returns the keys it wrote and deleted in the destination bucket:
//
//	upload: ./a.html to s3://bucket/a.html
//	copy: s3://other/a.html to s3://bucket/a.html
//	move: ./a.html to s3://bucket/a.html
//	delete: s3://bucket/old.html
//	(dryrun) upload: ./a.html to s3://bucket/a.html
//
// Uploads, copies and moves are Modified: the log cannot tell a new object
// from a changed one. Progress ("Completed … remaining", overwritten with
// "\r"), warnings, failures and downloads are skipped. The CLI prints
// names raw and pads lines with spaces over the progress text, so trailing
// spaces are removed; a destination wrapped in quotes is unquoted. The
// destination is what follows the last " to s3://" on the line. Every line
// must name the same bucket.
func ParseS3SyncLog(r io.Reader, source string) (Set, error) {
	var s Set
	bucket := ""
	err := eachLine(r, source, func(_ int, line string) error {
		if i := strings.LastIndexByte(line, '\r'); i >= 0 {
			line = line[i+1:]
		}
		line = strings.TrimRight(line, " ")
		line = strings.TrimPrefix(line, "(dryrun) ")
		op, rest, ok := strings.Cut(line, ": ")
		if !ok {
			return nil
		}
		var uri string
		switch op {
		case "upload", "copy", "move":
			i := strings.LastIndex(rest, " to s3://")
			if i < 0 {
				i = strings.LastIndex(rest, ` to "s3://`)
			}
			if i < 0 {
				return fmt.Errorf("%s line without a destination s3:// URI: %q", op, line)
			}
			uri = rest[i+len(" to "):]
		case "delete":
			uri = rest
		default:
			return nil // download, warning, progress, failure
		}
		b, key, err := splitS3URI(uri)
		if err != nil {
			return err
		}
		if bucket == "" {
			bucket = b
		} else if b != bucket {
			return fmt.Errorf("the log names buckets %q and %q; plan one bucket at a time", bucket, b)
		}
		if op == "delete" {
			s.Deleted = append(s.Deleted, key)
		} else {
			s.Modified = append(s.Modified, key)
		}
		return nil
	})
	s.normalize()
	return s, err
}

// splitS3URI splits s3://bucket/key, optionally quoted.
func splitS3URI(uri string) (bucket, key string, err error) {
	if len(uri) >= 2 && (uri[0] == '"' || uri[0] == '\'') && uri[len(uri)-1] == uri[0] {
		uri = uri[1 : len(uri)-1]
	}
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an s3:// URI", uri)
	}
	bucket, key, ok = strings.Cut(rest, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", fmt.Errorf("%q does not name a bucket and a key (s3://bucket/key)", uri)
	}
	return bucket, key, nil
}
