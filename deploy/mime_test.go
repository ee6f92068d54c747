package deploy

import (
	"maps"
	"mime"
	"slices"
	"strings"
	"testing"
)

func TestContentType(t *testing.T) {
	tests := []struct {
		key, want string
	}{
		{"index.html", "text/html; charset=utf-8"},
		{"a/b/page.htm", "text/html; charset=utf-8"},
		{"INDEX.HTML", "text/html; charset=utf-8"},
		{"style.css", "text/css; charset=utf-8"},
		{"app.js", "text/javascript; charset=utf-8"},
		{"mod.mjs", "text/javascript; charset=utf-8"},
		{"data.json", "application/json; charset=utf-8"},
		{"app.js.map", "application/json; charset=utf-8"},
		{"sitemap.xml", "application/xml; charset=utf-8"},
		{"robots.txt", "text/plain; charset=utf-8"},
		{"README.md", "text/markdown; charset=utf-8"},
		{"t.csv", "text/csv; charset=utf-8"},
		{"logo.svg", "image/svg+xml; charset=utf-8"},
		{"a.png", "image/png"},
		{"a.PNG", "image/png"},
		{"a.jpg", "image/jpeg"},
		{"a.jpeg", "image/jpeg"},
		{"a.gif", "image/gif"},
		{"a.webp", "image/webp"},
		{"a.avif", "image/avif"},
		{"favicon.ico", "image/vnd.microsoft.icon"},
		{"a.bmp", "image/bmp"},
		{"a.tif", "image/tiff"},
		{"a.tiff", "image/tiff"},
		{"f.woff", "font/woff"},
		{"f.woff2", "font/woff2"},
		{"f.ttf", "font/ttf"},
		{"f.otf", "font/otf"},
		{"f.eot", "application/vnd.ms-fontobject"},
		{"doc.pdf", "application/pdf"},
		{"a.zip", "application/zip"},
		{"a.tar.gz", "application/gzip"},
		{"a.br", "application/x-brotli"},
		{"m.wasm", "application/wasm"},
		{"v.mp4", "video/mp4"},
		{"v.webm", "video/webm"},
		{"s.mp3", "audio/mpeg"},
		{"s.ogg", "audio/ogg"},
		{"s.wav", "audio/wav"},
		{"s.m4a", "audio/mp4"},
		{"v.mov", "video/quicktime"},
		{"site.webmanifest", "application/manifest+json; charset=utf-8"},
		{"feed.rss", "application/rss+xml; charset=utf-8"},
		{"feed.atom", "application/atom+xml; charset=utf-8"},
		{"c.yaml", "application/yaml; charset=utf-8"},
		{"c.yml", "application/yaml; charset=utf-8"},
		{"c.toml", "application/toml; charset=utf-8"},
		{"cal.ics", "text/calendar; charset=utf-8"},
		{"book.epub", "application/epub+zip"},
		{"CNAME", "application/octet-stream"},
		{"noext.", "application/octet-stream"},
		{".htaccess", "application/octet-stream"},
		{"a.unknownext", "application/octet-stream"},
		{"dir.html/file", "application/octet-stream"}, // the extension of the last segment only
		{"", "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := ContentType(tt.key); got != tt.want {
				t.Errorf("ContentType(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestContentTypeTable(t *testing.T) {
	for ext, typ := range contentTypes {
		if ext != strings.ToLower(ext) || !strings.HasPrefix(ext, ".") || strings.Count(ext, ".") != 1 {
			t.Errorf("extension %q: want a lower-case extension with one leading dot", ext)
		}
		mt, params, err := mime.ParseMediaType(typ)
		if err != nil || mt != typ || len(params) != 0 {
			t.Errorf("%s: %q is not a bare media type (%v)", ext, typ, err)
		}
	}
	for typ := range utf8Types {
		if !slices.Contains(slices.Collect(maps.Values(contentTypes)), typ) {
			t.Errorf("utf8Types has %q, which no extension gives", typ)
		}
	}
}
