package printable

import "testing"

func TestString(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "IABC123", "IABC123"},
		{"tab stays", "a\tb", "a\tb"},
		{"line breaks", "a\nb\r\nc", `a\nb\r\nc`},
		{"workflow command", "x\n::warning::y", `x\n::warning::y`},
		{"escape and CSI", "\x1b[2J\u009b31m", `\x1b[2J\u009b31m`},
		{"line separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"non-ASCII stays", "é ü 日本", "é ü 日本"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLines(t *testing.T) {
	if got, want := Lines("first\nsecond\x1b[0m\r"), "first\nsecond\\x1b[0m\\r"; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

func FuzzString(f *testing.F) {
	f.Add("a\nb")
	f.Add("\x1b\u009b\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		for _, r := range out {
			if needsEscape(r) {
				t.Fatalf("String(%q) = %q holds %U", s, out, r)
			}
		}
	})
}
