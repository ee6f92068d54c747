package deploy

import (
	"path"
	"strings"
)

// defaultContentType is the Content-Type of a key whose extension is not in
// contentTypes.
const defaultContentType = "application/octet-stream"

// contentTypes maps a lower-case extension (with its dot) to its media type.
// It is a fixed table, not mime.TypeByExtension, which also reads the
// machine's mime.types files and so gives different answers on different
// machines. Types in textual lists get "; charset=utf-8" from ContentType.
// Sources: the IANA media types registry and the WHATWG MIME Sniffing
// standard (https://www.iana.org/assignments/media-types/).
var contentTypes = map[string]string{
	// Documents and text.
	".html":        "text/html",
	".htm":         "text/html",
	".xhtml":       "application/xhtml+xml",
	".css":         "text/css",
	".js":          "text/javascript",
	".mjs":         "text/javascript",
	".cjs":         "text/javascript",
	".json":        "application/json",
	".jsonld":      "application/ld+json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".xml":         "application/xml",
	".xsl":         "application/xslt+xml",
	".xslt":        "application/xslt+xml",
	".rss":         "application/rss+xml",
	".atom":        "application/atom+xml",
	".txt":         "text/plain",
	".text":        "text/plain",
	".md":          "text/markdown",
	".markdown":    "text/markdown",
	".csv":         "text/csv",
	".tsv":         "text/tab-separated-values",
	".ics":         "text/calendar",
	".vcf":         "text/vcard",
	".vtt":         "text/vtt",
	".srt":         "application/x-subrip",
	".yaml":        "application/yaml",
	".yml":         "application/yaml",
	".toml":        "application/toml",
	".ini":         "text/plain",
	".rtf":         "application/rtf",
	".sh":          "text/x-shellscript",
	".wasm":        "application/wasm",
	".pdf":         "application/pdf",
	".epub":        "application/epub+zip",
	".gpx":         "application/gpx+xml",
	".kml":         "application/vnd.google-earth.kml+xml",
	".kmz":         "application/vnd.google-earth.kmz",
	".geojson":     "application/geo+json",
	".doc":         "application/msword",
	".docx":        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls":         "application/vnd.ms-excel",
	".xlsx":        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt":         "application/vnd.ms-powerpoint",
	".pptx":        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":         "application/vnd.oasis.opendocument.text",
	".ods":         "application/vnd.oasis.opendocument.spreadsheet",
	".odp":         "application/vnd.oasis.opendocument.presentation",

	// Images.
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".apng":  "image/apng",
	".jpg":   "image/jpeg",
	".jpeg":  "image/jpeg",
	".jpe":   "image/jpeg",
	".jfif":  "image/jpeg",
	".pjpeg": "image/jpeg",
	".gif":   "image/gif",
	".webp":  "image/webp",
	".avif":  "image/avif",
	".heic":  "image/heic",
	".heif":  "image/heif",
	".jxl":   "image/jxl",
	".ico":   "image/vnd.microsoft.icon",
	".cur":   "image/x-icon",
	".bmp":   "image/bmp",
	".tif":   "image/tiff",
	".tiff":  "image/tiff",
	".psd":   "image/vnd.adobe.photoshop",

	// Fonts.
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".ttf":   "font/ttf",
	".otf":   "font/otf",
	".ttc":   "font/collection",
	".eot":   "application/vnd.ms-fontobject",

	// Audio and video.
	".mp3":  "audio/mpeg",
	".m4a":  "audio/mp4",
	".aac":  "audio/aac",
	".oga":  "audio/ogg",
	".ogg":  "audio/ogg",
	".opus": "audio/ogg",
	".wav":  "audio/wav",
	".flac": "audio/flac",
	".weba": "audio/webm",
	".mid":  "audio/midi",
	".midi": "audio/midi",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".ogv":  "video/ogg",
	".mov":  "video/quicktime",
	".avi":  "video/x-msvideo",
	".mkv":  "video/x-matroska",
	".mpeg": "video/mpeg",
	".mpg":  "video/mpeg",
	".ts":   "video/mp2t",
	".m3u8": "application/vnd.apple.mpegurl",
	".mpd":  "application/dash+xml",
	".3gp":  "video/3gpp",

	// Archives and binaries.
	".zip": "application/zip",
	".gz":  "application/gzip",
	".tgz": "application/gzip",
	".br":  "application/x-brotli",
	".zst": "application/zstd",
	".bz2": "application/x-bzip2",
	".xz":  "application/x-xz",
	".txz": "application/x-xz",
	".7z":  "application/x-7z-compressed",
	".rar": "application/vnd.rar",
	".tar": "application/x-tar",
	".jar": "application/java-archive",
	".apk": "application/vnd.android.package-archive",
	".dmg": "application/x-apple-diskimage",
	".deb": "application/vnd.debian.binary-package",
	".rpm": "application/x-rpm",
	".exe": "application/vnd.microsoft.portable-executable",
	".msi": "application/x-msi",
	".bin": "application/octet-stream",
}

// utf8Types are the non-text/* media types in contentTypes whose content is
// text, so they get "; charset=utf-8" like text/* does.
var utf8Types = map[string]bool{
	"application/xhtml+xml":                true,
	"application/json":                     true,
	"application/ld+json":                  true,
	"application/manifest+json":            true,
	"application/geo+json":                 true,
	"application/xml":                      true,
	"application/xslt+xml":                 true,
	"application/rss+xml":                  true,
	"application/atom+xml":                 true,
	"application/gpx+xml":                  true,
	"application/vnd.google-earth.kml+xml": true,
	"application/x-subrip":                 true,
	"application/yaml":                     true,
	"application/toml":                     true,
	"application/dash+xml":                 true,
	"application/vnd.apple.mpegurl":        true,
	"image/svg+xml":                        true,
}

// ContentType returns the Content-Type for key from its extension, compared
// case-insensitively ("logo.PNG" is image/png). Text types (text/*, JSON,
// XML, SVG, the web manifest, YAML and the like) get "; charset=utf-8". A key
// with no extension or one not in the table gets application/octet-stream.
// The table is fixed: the answer does not depend on the machine's mime.types
// files. A route's Content-Type header overrides it.
func ContentType(key string) string {
	ext := strings.ToLower(path.Ext(key))
	t, ok := contentTypes[ext]
	if !ok {
		return defaultContentType
	}
	if strings.HasPrefix(t, "text/") || utf8Types[t] {
		return t + "; charset=utf-8"
	}
	return t
}
