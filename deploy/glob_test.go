package deploy

import "testing"

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, key string
		want         bool
	}{
		{"**/*.html", "index.html", true}, // ** matches zero directories
		{"**/*.html", "a/index.html", true},
		{"**/*.html", "a/b/c/index.html", true},
		{"**/*.html", "index.htm", false},
		{"**/*.html", "a/index.html.bak", false},
		{"*.html", "index.html", true},
		{"*.html", "a/index.html", false}, // * stays within a segment
		{"assets/**", "assets/app.js", true},
		{"assets/**", "assets/js/deep/app.js", true},
		{"assets/**", "other/assets/app.js", false},
		{"assets/**", "assetsX/app.js", false},
		{"assets/*", "assets/js/app.js", false},
		{"**", "anything/at/all.txt", true},
		{"**", "top.txt", true},
		{"a/**/b.txt", "a/b.txt", true},
		{"a/**/b.txt", "a/x/y/b.txt", true},
		{"?.txt", "a.txt", true},
		{"?.txt", "ab.txt", false},
		{"?.txt", "/.txt", false},
		{"*.{js,css}", "app.css", true},
		{"*.{js,css}", "app.map", false},
		{"img/[a-c]*.png", "img/b1.png", true},
		{"img/[!a-c]*.png", "img/b1.png", false},
		{"img/[!a-c]*.png", "img/z1.png", true},
		{"with space/*.txt", "with space/a b.txt", true},
		{"é/**", "é/日本語.txt", true},
		{"日本語/*.txt", "日本語/ファイル.txt", true},
		{"?/x", "é/x", true}, // ? is one character, not one byte
		{`\*.txt`, "*.txt", true},
		{`\*.txt`, "a.txt", false},
		{"*.HTML", "index.html", false}, // case-sensitive, as S3 keys are
		{".well-known/**", ".well-known/security.txt", true},
		{"*", ".hidden", true}, // dot files are not special
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.key, func(t *testing.T) {
			if err := validateGlob(tt.pattern); err != nil {
				t.Fatalf("validateGlob(%q): %v", tt.pattern, err)
			}
			if got := matchGlob(tt.pattern, tt.key); got != tt.want {
				t.Errorf("matchGlob(%q, %q) = %v, want %v", tt.pattern, tt.key, got, tt.want)
			}
		})
	}
}

func TestValidateGlob(t *testing.T) {
	for _, bad := range []string{"", "/a", "./a", "[a", "{a,b", `a\`, "\x80*"} {
		if err := validateGlob(bad); err == nil {
			t.Errorf("validateGlob(%q) = nil, want an error", bad)
		}
	}
}
