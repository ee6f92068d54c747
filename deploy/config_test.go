package deploy

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

func cfgPtr[T any](v T) *T { return &v }

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Config
	}{
		{name: "empty file", in: "", want: &Config{}},
		{name: "only a comment", in: "# nothing yet\n", want: &Config{}},
		{name: "null document", in: "~\n", want: &Config{}},
		{name: "no routes", in: "routes:\n", want: &Config{}},
		{name: "empty routes", in: "routes: []\n", want: &Config{Routes: []Route{}}},
		{
			name: "issue example",
			in: `routes:                       # first match wins
  - match: "**/*.html"
    headers: { Cache-Control: "public, max-age=0, must-revalidate" }
    entry: true
  - match: "assets/**"
    headers: { Cache-Control: "public, max-age=31536000, immutable" }
    gzip: true
`,
			want: &Config{Routes: []Route{
				{Match: "**/*.html", Headers: map[string]string{"Cache-Control": "public, max-age=0, must-revalidate"}, Entry: cfgPtr(true), Line: 2},
				{Match: "assets/**", Headers: map[string]string{"Cache-Control": "public, max-age=31536000, immutable"}, Gzip: true, Line: 5},
			}},
		},
		{
			name: "every key, header names canonicalised",
			in: `routes:
  - match: "downloads/*.pdf"
    headers:
      cache-control: "no-cache"
      CONTENT-TYPE: "application/pdf"
      content-disposition: "attachment; filename=report.pdf"
      Content-Language: "en-GB, fr"
      content-encoding: "identity"
      expires: "Thu, 01 Jan 2032 00:00:00 GMT"
      x-amz-meta-author: "  Ada  "
      x-amz-website-redirect-location: "/new/"
    entry: false
    gzip: false
    storage_class: STANDARD_IA
    acl: public-read
`,
			want: &Config{Routes: []Route{{
				Match: "downloads/*.pdf",
				Headers: map[string]string{
					"Cache-Control":                   "no-cache",
					"Content-Type":                    "application/pdf",
					"Content-Disposition":             "attachment; filename=report.pdf",
					"Content-Language":                "en-GB, fr",
					"Content-Encoding":                "identity",
					"Expires":                         "Thu, 01 Jan 2032 00:00:00 GMT",
					"X-Amz-Meta-Author":               "Ada",
					"X-Amz-Website-Redirect-Location": "/new/",
				},
				Entry:        cfgPtr(false),
				StorageClass: "STANDARD_IA",
				ACL:          "public-read",
				Line:         2,
			}}},
		},
		{
			name: "merge keys",
			in: `routes:
  - &html
    match: "**/*.html"
    headers: &nocache { Cache-Control: "no-cache", x-amz-meta-site: blog }
  - <<: *html
    match: "**/*.htm"
  - match: "feed.xml"
    headers:
      <<: *nocache
      cache-control: "max-age=60"
`,
			want: &Config{Routes: []Route{
				{Match: "**/*.html", Headers: map[string]string{"Cache-Control": "no-cache", "X-Amz-Meta-Site": "blog"}, Line: 2},
				{Match: "**/*.htm", Headers: map[string]string{"Cache-Control": "no-cache", "X-Amz-Meta-Site": "blog"}, Line: 5},
				{Match: "feed.xml", Headers: map[string]string{"Cache-Control": "max-age=60", "X-Amz-Meta-Site": "blog"}, Line: 7},
			}},
		},
		{
			name: "gzip with Content-Encoding gzip",
			in:   "routes:\n  - match: '*.js'\n    gzip: true\n    headers: {Content-Encoding: gzip}\n",
			want: &Config{Routes: []Route{{Match: "*.js", Gzip: true, Headers: map[string]string{"Content-Encoding": "gzip"}, Line: 2}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig([]byte(tt.in), ".cfinv.yml")
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseConfig (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the whole error text
	}{
		{
			name: "unknown top-level key",
			in:   "route:\n  - match: '*'\n",
			want: `.cfinv.yml:1: unknown key "route" (accepted: routes)`,
		},
		{
			name: "unknown route key",
			in:   "routes:\n  - match: '*'\n    gzipp: true\n",
			want: `.cfinv.yml:3: unknown key "gzipp" in route 1 (accepted: match, headers, entry, gzip, storage_class, acl)`,
		},
		{
			name: "top level a list",
			in:   "- match: '*'\n",
			want: `.cfinv.yml:1: want a mapping with a routes key at the top, got a list`,
		},
		{
			name: "routes a mapping",
			in:   "routes:\n  match: '*'\n",
			want: `.cfinv.yml:2: routes: want a list of routes ("- match: GLOB"), got a mapping`,
		},
		{
			name: "route a string",
			in:   "routes:\n  - '*.html'\n",
			want: `.cfinv.yml:2: route 1: want a mapping with a match key, got the string "*.html"`,
		},
		{
			name: "no match",
			in:   "routes:\n  - match: '*'\n  - gzip: true\n",
			want: `.cfinv.yml:3: route 2 has no match key (want e.g. match: "**/*.html")`,
		},
		{
			name: "match a number",
			in:   "routes:\n  - match: 404\n",
			want: `.cfinv.yml:2: match in route 1: want a string, got the number 404 (quote the value)`,
		},
		{
			name: "bad glob",
			in:   "routes:\n  - match: '*'\n  - match: 'assets/[a-'\n",
			want: `.cfinv.yml:3: bad match pattern "assets/[a-" (unclosed [ or {, or a trailing \; want a glob such as "**/*.html" or "assets/**") in route 2`,
		},
		{
			name: "unclosed brace",
			in:   "routes:\n  - match: '*.{js,css'\n",
			want: `.cfinv.yml:2: bad match pattern "*.{js,css" (unclosed [ or {, or a trailing \; want a glob such as "**/*.html" or "assets/**") in route 1`,
		},
		{
			name: "absolute glob",
			in:   "routes:\n  - match: '/assets/**'\n",
			want: `.cfinv.yml:2: match pattern "/assets/**" starts with "/": patterns match keys relative to DIR, such as "assets/**" in route 1`,
		},
		{
			name: "dot-slash glob",
			in:   "routes:\n  - match: './assets/**'\n",
			want: `.cfinv.yml:2: match pattern "./assets/**" starts with "./": patterns match keys relative to DIR, such as "assets/**" in route 1`,
		},
		{
			name: "empty glob",
			in:   "routes:\n  - match: ''\n",
			want: `.cfinv.yml:2: empty match pattern (want a glob such as "**/*.html" or "assets/**") in route 1`,
		},
		{
			name: "duplicate key",
			in:   "routes:\n  - match: '*'\n    match: '**'\n",
			want: `.cfinv.yml:3: key "match" given twice in route 1`,
		},
		{
			name: "entry a string",
			in:   "routes:\n  - match: '*'\n    entry: \"yes\"\n",
			want: `.cfinv.yml:3: entry in route 1: want true or false, got the string "yes"`,
		},
		{
			name: "gzip a number",
			in:   "routes:\n  - match: '*'\n    gzip: 1\n",
			want: `.cfinv.yml:3: gzip in route 1: want true or false, got the number 1`,
		},
		{
			name: "bad storage class",
			in:   "routes:\n  - match: '*'\n    storage_class: standard\n",
			want: `.cfinv.yml:3: storage_class in route 1: unknown value "standard" (accepted: STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, GLACIER_IR, OUTPOSTS, SNOW, EXPRESS_ONEZONE)`,
		},
		{
			name: "bad acl",
			in:   "routes:\n  - match: '*'\n    acl: public\n",
			want: `.cfinv.yml:3: acl in route 1: unknown value "public" (accepted: private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control)`,
		},
		{
			name: "headers a list",
			in:   "routes:\n  - match: '*'\n    headers:\n      - Cache-Control: x\n",
			want: `.cfinv.yml:4: headers in route 1: want a mapping of header names to values, got a list`,
		},
		{
			name: "header S3 does not store",
			in:   "routes:\n  - match: '*'\n    headers:\n      Cache-Control: no-cache\n      Access-Control-Allow-Origin: '*'\n",
			want: `.cfinv.yml:5: headers in route 1: header "Access-Control-Allow-Origin" is not one S3 stores with an object (accepted: Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Content-Type, Expires, x-amz-website-redirect-location, x-amz-meta-NAME)`,
		},
		{
			name: "bad header name",
			in:   "routes:\n  - match: '*'\n    headers:\n      'Cache Control': no-cache\n",
			want: `.cfinv.yml:4: headers in route 1: bad header name "Cache Control" (accepted: Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Content-Type, Expires, x-amz-website-redirect-location, x-amz-meta-NAME)`,
		},
		{
			name: "header twice in two cases",
			in:   "routes:\n  - match: '*'\n    headers:\n      Cache-Control: no-cache\n      cache-control: no-store\n",
			want: `.cfinv.yml:5: headers in route 1: header Cache-Control given twice`,
		},
		{
			name: "header value with a newline",
			in:   "routes:\n  - match: '*'\n    headers:\n      Cache-Control: \"no-cache\\r\\nX-Evil: 1\"\n",
			want: `.cfinv.yml:4: headers in route 1: Cache-Control: value "no-cache\r\nX-Evil: 1" has the control character '\r' at byte 8 (want printable ASCII)`,
		},
		{
			name: "header value not ASCII",
			in:   "routes:\n  - match: '*'\n    headers:\n      x-amz-meta-author: \"Zoë\"\n",
			want: `.cfinv.yml:4: headers in route 1: X-Amz-Meta-Author: value "Zoë" is not ASCII (S3 does not store non-ASCII header values as given; percent-encode it, e.g. filename*=UTF-8''...)`,
		},
		{
			name: "header value a number",
			in:   "routes:\n  - match: '*'\n    headers:\n      x-amz-meta-version: 3\n",
			want: `.cfinv.yml:4: headers in route 1: X-Amz-Meta-Version: want a string value, got the number 3 (quote the value)`,
		},
		{
			name: "empty header value",
			in:   "routes:\n  - match: '*'\n    headers:\n      Cache-Control: ''\n",
			want: `.cfinv.yml:4: headers in route 1: Cache-Control: empty value (remove the header to get the default)`,
		},
		{
			name: "bad Content-Type",
			in:   "routes:\n  - match: '*'\n    headers:\n      Content-Type: 'text html'\n",
			want: `.cfinv.yml:4: headers in route 1: Content-Type: bad value "text html": mime: expected slash after first token (want e.g. "text/plain; charset=utf-8")`,
		},
		{
			name: "aws-chunked Content-Encoding",
			in:   "routes:\n  - match: '*'\n    headers:\n      Content-Encoding: 'gzip, AWS-Chunked'\n",
			want: `.cfinv.yml:4: headers in route 1: Content-Encoding: "gzip, AWS-Chunked" is the framing of an S3 upload, not a coding S3 stores (want e.g. "gzip" or "br")`,
		},
		{
			name: "bad Content-Encoding",
			in:   "routes:\n  - match: '*'\n    headers:\n      Content-Encoding: 'gzip; q=1'\n",
			want: `.cfinv.yml:4: headers in route 1: Content-Encoding: bad value "gzip; q=1": want a list of codings such as "gzip" or "br"`,
		},
		{
			name: "bad Expires",
			in:   "routes:\n  - match: '*'\n    headers:\n      Expires: '2032-01-01'\n",
			want: `.cfinv.yml:4: headers in route 1: Expires: bad value "2032-01-01": want an HTTP date such as "Thu, 01 Jan 2032 00:00:00 GMT"`,
		},
		{
			name: "Expires not IMF-fixdate",
			in:   "routes:\n  - match: '*'\n    headers:\n      Expires: 'Thursday, 01-Jan-32 00:00:00 GMT'\n",
			want: `.cfinv.yml:4: headers in route 1: Expires: bad value "Thursday, 01-Jan-32 00:00:00 GMT": want an HTTP date such as "Thu, 01 Jan 2032 00:00:00 GMT"`,
		},
		{
			name: "bad redirect location",
			in:   "routes:\n  - match: 'old/*'\n    headers:\n      x-amz-website-redirect-location: 'new/page.html'\n",
			want: `.cfinv.yml:4: headers in route 1: X-Amz-Website-Redirect-Location: bad value "new/page.html": want a path starting with / or an http:// or https:// URL`,
		},
		{
			name: "metadata without a name",
			in:   "routes:\n  - match: '*'\n    headers:\n      x-amz-meta-: x\n",
			want: `.cfinv.yml:4: headers in route 1: header "x-amz-meta-" has no metadata name after x-amz-meta- (want e.g. x-amz-meta-author)`,
		},
		{
			name: "reserved metadata",
			in:   "routes:\n  - match: '*'\n    headers:\n      x-amz-meta-cfinv-sha256: x\n",
			want: `.cfinv.yml:4: headers in route 1: header "x-amz-meta-cfinv-sha256": x-amz-meta-cfinv-* is the metadata cfinv writes itself (content hash, deploy ID); pick another name`,
		},
		{
			name: "gzip and another Content-Encoding",
			in:   "routes:\n  - match: '*'\n    gzip: true\n    headers: {Content-Encoding: br}\n",
			want: `.cfinv.yml:2: route 1 has gzip: true and Content-Encoding: "br"; gzip sets Content-Encoding: gzip, so drop one of them`,
		},
		{
			name: "YAML syntax error",
			in:   "routes:\n  - match: '*'\n   headers: x\n",
			want: `.cfinv.yml:3: bad YAML: did not find expected '-' indicator (in the block from line 1)`,
		},
		{
			name: "bad indent deep in the file",
			in:   "routes:\n  - match: a\n    gzip: true\n  - match: b\n    gzip: true\n  - match: c\n   gzip: true\n  - match: d\n",
			want: `.cfinv.yml:7: bad YAML: did not find expected '-' indicator (in the block from line 1)`,
		},
		{
			name: "bad indent, CR line ends",
			in:   "routes:\r  - match: a\r   gzip: true\r",
			want: `.cfinv.yml:3: bad YAML: did not find expected '-' indicator (in the block from line 1)`,
		},
		{
			name: "bad indent, CRLF line ends",
			in:   "routes:\r\n  - match: a\r\n   gzip: true\r\n",
			want: `.cfinv.yml:3: bad YAML: did not find expected '-' indicator (in the block from line 1)`,
		},
		{
			name: "bad indent, LS line ends",
			in:   "routes:\u2028  - match: a\u2028   gzip: true\u2028",
			want: `.cfinv.yml:3: bad YAML: did not find expected '-' indicator (in the block from line 1)`,
		},
		{
			name: "unclosed flow list",
			in:   "routes:\n  - match: [a\n  - match: b\n",
			want: `.cfinv.yml:2: bad YAML: did not find expected ',' or ']' (in the block from line 1)`,
		},
		{
			name: "unclosed quote",
			in:   "routes:\n  - match: '*\n    gzip: true\n",
			want: `.cfinv.yml:2: bad YAML: found unexpected end of stream`,
		},
		{
			name: "invalid UTF-8",
			in:   "routes:\n  - match: a\n    headers: {x-amz-meta-a: \"\xff\"}\n",
			want: `.cfinv.yml:3: bad YAML: invalid leading UTF-8 octet`,
		},
		{
			name: "unknown alias",
			in:   "routes:\n  - match: *nope\n",
			want: `.cfinv.yml:2: bad YAML: unknown anchor 'nope' referenced`,
		},
		{
			name: "merge key not a mapping",
			in:   "routes:\n  - match: a\n    <<: 1\n",
			want: `.cfinv.yml:3: merge key (<<): want a mapping or a list of mappings, got the number 1`,
		},
		{
			name: "merged unknown key",
			in:   "base: &b {gzip: true, cache: 1}\nroutes:\n  - match: a\n",
			want: `.cfinv.yml:1: unknown key "base" (accepted: routes)`,
		},
		{
			name: "merged unknown route key",
			in:   "routes:\n  - &b {match: x, gzip: true}\n  - <<: [*b, {cache: 1}]\n    match: a\n",
			want: `.cfinv.yml:3: unknown key "cache" in route 2 (accepted: match, headers, entry, gzip, storage_class, acl)`,
		},
		{
			name: "merge bomb",
			in: "routes:\n  - &a {match: x}\n  - &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], match: y}\n  - &c {<<: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], match: y}\n" +
				"  - &d {<<: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c], match: y}\n  - &e {<<: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d], match: y}\n",
			want: `.cfinv.yml:5: merge keys (<<) expand to more than 1000 keys and mappings`,
		},
		{
			name: "merge bomb without keys",
			in: "routes:\n  - &a {match: x}\n  - &b {<<: [{}, {}, {}, {}, {}, {}, {}, {}, {}, {}], match: y}\n  - &c {<<: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], match: y}\n" +
				"  - &d {<<: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c], match: y}\n  - &e {<<: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d], match: y}\n",
			want: `.cfinv.yml:5: merge keys (<<) expand to more than 1000 keys and mappings`,
		},
		{
			name: "tab indentation",
			in:   "routes:\n\t- match: '*'\n",
			want: `.cfinv.yml:2: bad YAML: found character that cannot start any token`,
		},
		{
			name: "two documents",
			in:   "routes:\n---\nroutes:\n",
			want: `.cfinv.yml:2: more than one YAML document: a deploy config is one mapping with a routes key`,
		},
		{
			name: "too large",
			in:   "#" + strings.Repeat("x", MaxConfigSize),
			want: `.cfinv.yml: file is larger than the 1048576-byte (1 MiB) limit of a deploy config`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig([]byte(tt.in), ".cfinv.yml")
			if err == nil {
				t.Fatalf("ParseConfig = %+v, want error %q", got, tt.want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("errors.Is(%v, ErrConfig) = false, want true", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// utf16LE encodes s as Windows PowerShell 5's > does: UTF-16LE with a BOM.
func utf16LE(s string) string {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return string(b)
}

func TestParseConfigUTF16(t *testing.T) {
	got, err := ParseConfig([]byte(utf16LE("routes:\r\n  - match: \"é/**\"\r\n    gzip: true\r\n")), ".cfinv.yml")
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if want := (&Config{Routes: []Route{{Match: "é/**", Gzip: true, Line: 2}}}); !cmp.Equal(got, want) {
		t.Errorf("ParseConfig = %+v, want %+v", got, want)
	}
	_, err = ParseConfig([]byte(utf16LE("routes:\r\n  - match: a\r\n   gzip: true\r\n")), ".cfinv.yml")
	if want := `.cfinv.yml:3: bad YAML: did not find expected '-' indicator (in the block from line 1)`; err == nil || err.Error() != want {
		t.Errorf("ParseConfig(bad indent on line 3) = %v, want %s", err, want)
	}
	_, err = ParseConfig([]byte("\xff\xfer\x00o"), ".cfinv.yml")
	if want := `.cfinv.yml: file starts with a UTF-16 byte order mark but has an odd number of bytes (save it as UTF-8)`; err == nil || err.Error() != want {
		t.Errorf("ParseConfig(odd UTF-16) = %v, want %s", err, want)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	if err := os.WriteFile(good, []byte("routes:\n  - match: '**'\n    gzip: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(good)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if want := (&Config{Routes: []Route{{Match: "**", Gzip: true, Line: 2}}}); !cmp.Equal(cfg, want) {
		t.Errorf("LoadConfig = %+v, want %+v", cfg, want)
	}

	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("routes:\n  - match: '*'\n    cache: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig(bad)
	var cerr *ConfigError
	if !errors.As(err, &cerr) || cerr.File != bad || cerr.Line != 3 {
		t.Errorf("LoadConfig(bad) = %v, want a *ConfigError for %s line 3", err, bad)
	}

	_, err = LoadConfig(filepath.Join(dir, "missing.yml"))
	if !errors.Is(err, ErrConfig) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadConfig(missing) = %v, want an error wrapping ErrConfig and fs.ErrNotExist", err)
	}

	_, err = LoadConfig(dir)
	if !errors.Is(err, ErrConfig) || strings.Count(err.Error(), dir) != 1 {
		t.Errorf("LoadConfig(a directory) = %v, want an ErrConfig naming the directory once", err)
	}

	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, make([]byte, MaxConfigSize+10), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig(big)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("LoadConfig(big) = %v, want an ErrConfig naming the 1 MiB limit", err)
	}
}

func TestSettings(t *testing.T) {
	cfg, err := ParseConfig([]byte(`routes:
  - match: "sw.js"
    headers: { Cache-Control: "no-cache" }
    entry: true
  - match: "**/*.html"
    headers: { Cache-Control: "public, max-age=0, must-revalidate" }
  - match: "assets/**"
    headers:
      Cache-Control: "public, max-age=31536000, immutable"
    gzip: true
    storage_class: INTELLIGENT_TIERING
  - match: "**/*.js"
    headers: { Cache-Control: "max-age=60" }
  - match: "downloads/*"
    headers: { Content-Type: "application/x-custom", Content-Disposition: attachment }
    acl: public-read
  - match: "legacy/**"
    entry: false
`), ".cfinv.yml")
	if err != nil {
		t.Fatal(err)
	}
	const html = "text/html; charset=utf-8"
	tests := []struct {
		key  string
		want Settings
	}{
		{"index.html", Settings{Headers: map[string]string{"Content-Type": html, "Cache-Control": "public, max-age=0, must-revalidate"}, Entry: true}},
		{"docs/a/b/page.html", Settings{Headers: map[string]string{"Content-Type": html, "Cache-Control": "public, max-age=0, must-revalidate"}, Entry: true}},
		{"sw.js", Settings{Headers: map[string]string{"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"}, Entry: true}},
		{"assets/app.js", Settings{ // assets/** comes before **/*.js: first match wins
			Headers: map[string]string{"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable", "Content-Encoding": "gzip"},
			Gzip:    true, StorageClass: "INTELLIGENT_TIERING",
		}},
		{"assets/deep/dir/x.html", Settings{ // **/*.html comes before assets/**
			Headers: map[string]string{"Content-Type": html, "Cache-Control": "public, max-age=0, must-revalidate"}, Entry: true,
		}},
		{"lib/x.js", Settings{Headers: map[string]string{"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "max-age=60"}}},
		{"downloads/file.bin", Settings{Headers: map[string]string{"Content-Type": "application/x-custom", "Content-Disposition": "attachment"}, ACL: "public-read"}},
		{"downloads/sub/file.bin", Settings{Headers: map[string]string{"Content-Type": "application/octet-stream"}}}, // * stays in one segment
		{"legacy/old.htm", Settings{Headers: map[string]string{"Content-Type": html}}},                               // entry: false overrides the *.htm default
		{"img/a photo é.JPG", Settings{Headers: map[string]string{"Content-Type": "image/jpeg"}}},
		{"assets/日本語 file.css", Settings{
			Headers: map[string]string{"Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable", "Content-Encoding": "gzip"},
			Gzip:    true, StorageClass: "INTELLIGENT_TIERING",
		}},
		{"INDEX.HTML", Settings{Headers: map[string]string{"Content-Type": html}, Entry: true}}, // globs are case-sensitive; the default entry rule is not
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got := cfg.Settings(tt.key)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Settings(%q) (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}

func TestSettingsDefaults(t *testing.T) {
	for _, cfg := range []*Config{nil, {}} {
		for key, want := range map[string]Settings{
			"index.html":       {Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"}, Entry: true},
			"a/b.htm":          {Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"}, Entry: true},
			"a/b.css":          {Headers: map[string]string{"Content-Type": "text/css; charset=utf-8"}},
			"CNAME":            {Headers: map[string]string{"Content-Type": "application/octet-stream"}},
			"sitemap.xml":      {Headers: map[string]string{"Content-Type": "application/xml; charset=utf-8"}},
			"img/x.webp":       {Headers: map[string]string{"Content-Type": "image/webp"}},
			"fonts/a.woff2":    {Headers: map[string]string{"Content-Type": "font/woff2"}},
			"site.webmanifest": {Headers: map[string]string{"Content-Type": "application/manifest+json; charset=utf-8"}},
		} {
			if diff := cmp.Diff(want, cfg.Settings(key)); diff != "" {
				t.Errorf("(%v).Settings(%q) (-want +got):\n%s", cfg, key, diff)
			}
		}
	}
}

func TestSettingsHeadersAreFresh(t *testing.T) {
	cfg := &Config{Routes: []Route{{Match: "**", Headers: map[string]string{"cache-control": "no-cache"}}}}
	s := cfg.Settings("a.txt")
	s.Headers["Cache-Control"] = "changed"
	if got := cfg.Settings("a.txt").Headers["Cache-Control"]; got != "no-cache" {
		t.Errorf("after changing a returned map, Settings gives Cache-Control %q, want %q", got, "no-cache")
	}
	if got := cfg.Routes[0].Headers["cache-control"]; got != "no-cache" {
		t.Errorf("route header changed to %q", got)
	}
}

func TestSettingsConcurrent(t *testing.T) {
	cfg, err := ParseConfig([]byte("routes:\n  - match: 'assets/**'\n    gzip: true\n    headers: {Cache-Control: immutable}\n"), ".cfinv.yml")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan Settings)
	for range 8 {
		go func() {
			var s Settings
			for range 100 {
				s = cfg.Settings("assets/app.js")
				s.Headers["X-Changed"] = "by this goroutine"
			}
			done <- s
		}()
	}
	for range 8 {
		s := <-done
		if s.Headers["Cache-Control"] != "immutable" || !s.Gzip {
			t.Errorf("Settings = %+v, want the assets route", s)
		}
	}
}

func TestSettingsInvalidGoRoute(t *testing.T) {
	cfg := &Config{Routes: []Route{{Match: "[", Gzip: true}, {Match: "**", ACL: "private"}}}
	if got := cfg.Settings("a.txt"); got.Gzip || got.ACL != "private" {
		t.Errorf("Settings = %+v, want the invalid route skipped and the ** route used", got)
	}
}

func BenchmarkSettings(b *testing.B) {
	cfg, err := ParseConfig([]byte(`routes:
  - match: "sw.js"
    entry: true
  - match: "**/*.html"
    headers: { Cache-Control: "public, max-age=0, must-revalidate" }
  - match: "assets/**"
    headers: { Cache-Control: "public, max-age=31536000, immutable" }
    gzip: true
  - match: "**/*.{js,css}"
    headers: { Cache-Control: "max-age=3600" }
  - match: "img/**/*.{png,jpg,webp}"
    headers: { Cache-Control: "max-age=86400" }
`), ".cfinv.yml")
	if err != nil {
		b.Fatal(err)
	}
	keys := []string{"index.html", "blog/2024/05/a-long-post-title/index.html", "assets/js/app.3f2a9c.js", "img/2024/05/photo.webp", "fonts/inter.woff2", "sw.js"}
	for b.Loop() {
		for _, k := range keys {
			cfg.Settings(k)
		}
	}
}

// A syntax error in a file larger than maxBisectSize keeps yaml.v3's line:
// bisecting a 1 MiB file took 7 s on a loaded 2-core machine.
func TestParseConfigLargeSyntaxError(t *testing.T) {
	var b strings.Builder
	b.WriteString("routes:\n")
	for b.Len() <= maxBisectSize {
		b.WriteString("  - match: \"a/**\"\n    gzip: true\n")
	}
	b.WriteString("   gzip: true\n")
	_, err := ParseConfig([]byte(b.String()), ".cfinv.yml")
	if want := `.cfinv.yml:1: bad YAML: did not find expected '-' indicator`; err == nil || err.Error() != want {
		t.Errorf("ParseConfig = %v, want %s", err, want)
	}
}
