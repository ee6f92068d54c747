package changes

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// maxLine bounds one input line; S3 keys are at most 1024 bytes, sync log
// lines hold two of them.
const maxLine = 64 << 10

// ParseKeys reads object keys, one a line. Blank lines are skipped, a
// trailing "\r" and one leading '/' are removed. source names the input in
// errors.
func ParseKeys(r io.Reader, source string) ([]string, error) {
	var keys []string
	err := eachLine(r, source, func(_ int, line string) error {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			return nil
		}
		key := strings.TrimPrefix(line, "/")
		if key == "" {
			return errors.New(`"/" is not an object key`)
		}
		keys = append(keys, key)
		return nil
	})
	return keys, err
}

// eachLine calls fn with every line of r (without "\n"), numbered from 1.
func eachLine(r io.Reader, source string, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Text()); err != nil {
			return &ParseError{Source: source, Line: n, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		return &ParseError{Source: source, Line: n + 1, Err: err}
	}
	return nil
}
