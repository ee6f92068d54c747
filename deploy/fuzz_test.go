package deploy

import (
	"errors"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseConfig checks that ParseConfig never panics, that every error is
// a *ConfigError wrapping ErrConfig, and that what it accepts holds only
// valid globs, accepted canonical header names and printable ASCII values.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"",
		"routes:\n",
		"routes:\n  - match: \"**/*.html\"\n    headers: { Cache-Control: \"public, max-age=0, must-revalidate\" }\n    entry: true\n  - match: \"assets/**\"\n    headers: { Cache-Control: \"public, max-age=31536000, immutable\" }\n    gzip: true\n",
		"routes:\n  - match: '*'\n    storage_class: STANDARD_IA\n    acl: private\n    headers:\n      x-amz-meta-a: b\n      content-type: text/plain\n      expires: 'Thu, 01 Jan 2032 00:00:00 GMT'\n",
		"h: &h {Cache-Control: x}\nroutes:\n  - match: a\n    headers: *h\n",
		"routes:\n  - &r {match: a}\n  - *r\n",
		"routes:\n  - <<: {match: a}\n",
		"routes: [{match: '{a,b}/[!c]?', gzip: true, headers: {Content-Encoding: gzip}}]\n",
		"routes:\n---\n",
		"routes:\n\t- x\n",
		"routes: !!binary aGVsbG8=\n",
		"routes:\n  - match: !!str 1\n",
		"? [a]\n: b\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "f.yml")
		if err != nil {
			var cerr *ConfigError
			if !errors.As(err, &cerr) || !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v (%T) is not a *ConfigError wrapping ErrConfig", err, err)
			}
			utf8Data, _ := fromUTF16(data)
			if lines := len(yamlLineEnds(utf8Data)) + 1; cerr.File != "f.yml" || cerr.Line < 0 || cerr.Line > lines {
				t.Fatalf("error %v names file %q line %d of a %d-line file", err, cerr.File, cerr.Line, lines)
			}
			return
		}
		for _, r := range cfg.Routes {
			if err := validateGlob(r.Match); err != nil {
				t.Fatalf("accepted route with bad match %q: %v", r.Match, err)
			}
			if r.StorageClass != "" && !slices.Contains(storageClasses, r.StorageClass) {
				t.Fatalf("accepted storage class %q", r.StorageClass)
			}
			if r.ACL != "" && !slices.Contains(cannedACLs, r.ACL) {
				t.Fatalf("accepted ACL %q", r.ACL)
			}
			for name, value := range r.Headers {
				if textproto.CanonicalMIMEHeaderKey(name) != name {
					t.Fatalf("header name %q is not canonical", name)
				}
				if !slices.Contains(configHeaderNames, name) && !strings.HasPrefix(name, userMetaPrefix) {
					t.Fatalf("accepted header %q", name)
				}
				if value == "" || strings.TrimSpace(value) != value {
					t.Fatalf("header %s: accepted value %q", name, value)
				}
				for i := 0; i < len(value); i++ {
					if c := value[i]; (c < 0x20 && c != '\t') || c >= 0x7f {
						t.Fatalf("header %s: accepted byte %#x in %q", name, c, value)
					}
				}
			}
			s := cfg.Settings(r.Match)
			if s.Headers["Content-Type"] == "" {
				t.Fatalf("Settings(%q) has no Content-Type", r.Match)
			}
		}
	})
}

// refMatch is a second, independent implementation of the glob rules the
// config documents, for patterns made only of literal characters, /, * and ?:
// * and ? match within one segment, a whole segment ** matches zero or more
// segments ("a/**" also matches "a" itself, as the directory). FuzzMatchGlob
// compares doublestar with it.
func refMatch(pattern, key string) bool {
	ps, ks := strings.Split(pattern, "/"), strings.Split(key, "/")
	memo := map[[2]int]bool{}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		if v, ok := memo[[2]int{i, j}]; ok {
			return v
		}
		var ok bool
		switch {
		case i == len(ps):
			ok = j == len(ks)
		case ps[i] == "**":
			for k := j; k <= len(ks) && !ok; k++ {
				ok = match(i+1, k) || i+1 == len(ps)
			}
		case j == len(ks):
			ok = false
		default:
			ok = segmentRegexp(ps[i]).MatchString(ks[j]) && match(i+1, j+1)
		}
		memo[[2]int{i, j}] = ok
		return ok
	}
	return match(0, 0)
}

// segmentRegexp translates one segment of a glob (no /) into an anchored
// regular expression.
func segmentRegexp(seg string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range seg {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// FuzzMatchGlob compares matchGlob with globRegexp on patterns made of
// literals, /, * and ? (refMatch), and checks that matchGlob never panics on any
// pattern validateGlob accepts.
func FuzzMatchGlob(f *testing.F) {
	for _, seed := range [][2]string{
		{"**/*.html", "index.html"},
		{"**/*.html", "a/b/index.html"},
		{"assets/**", "assets/app.js"},
		{"assets/**", "assets"},
		{"a/**/b", "a/b"},
		{"a/**/b", "a/x/y/b"},
		{"*.{js,css}", "app.css"},
		{"[a-c]?/x", "b1/x"},
		{"?", "é"},
		{"**", ""},
		{"a/*", "a/"},
		{"a**b", "axxb"},
		{`\*`, "*"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, key string) {
		if validateGlob(pattern) != nil {
			// Settings may be given a Config built in Go, with a pattern
			// never validated: it must still not panic.
			(&Config{Routes: []Route{{Match: pattern}}}).Settings(key)
			return
		}
		got := matchGlob(pattern, key)
		if strings.ContainsAny(pattern, `[]{}\!,`) || strings.Contains(pattern, "//") ||
			strings.HasSuffix(pattern, "/") || strings.Contains(key, "//") ||
			key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || !utf8.ValidString(key) {
			return // outside the subset refMatch models (or not a key)
		}
		for _, seg := range strings.Split(pattern, "/") {
			if seg != "**" && strings.Contains(seg, "**") {
				return // a ** inside a segment acts as *: outside the documented rules
			}
		}
		if want := refMatch(pattern, key); got != want {
			t.Fatalf("matchGlob(%q, %q) = %v, reference says %v", pattern, key, got, want)
		}
	})
}
