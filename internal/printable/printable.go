// Package printable makes text that came from elsewhere (a server's
// error message, an ID in a response) safe to print on a terminal or in a
// CI log: it cannot start a new line, where a GitHub Actions runner would
// read a "::workflow-command::", nor move the cursor or recolour the
// terminal.
package printable

import (
	"strconv"
	"strings"
	"unicode"
)

// String returns s with every control character, and the Unicode line
// and paragraph separators, written as a Go escape (\n, \r, \x1b,
// \u2028); a tab stays a tab and every other character is unchanged. The
// result holds no line break. s is returned as is when there is nothing
// to escape.
func String(s string) string {
	if strings.IndexFunc(s, needsEscape) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if needsEscape(r) {
			q := strconv.QuoteRune(r) // '\n', '\x1b', '\u2028'
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Lines is String for text whose own line breaks are meant (an error
// joining several): each line is made printable, and the lines stay
// apart.
func Lines(s string) string {
	if strings.IndexFunc(s, needsEscape) < 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = String(l)
	}
	return strings.Join(lines, "\n")
}

func needsEscape(r rune) bool {
	return r != '\t' && unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}
