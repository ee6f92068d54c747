// Package deploy uploads a directory of static files to an S3 bucket behind
// CloudFront: only what changed, in an order that never lets a page reference
// an object the bucket lacks, and then invalidates exactly what changed.
//
// # Config
//
// A deploy config (.cfinv.yml, read by LoadConfig or ParseConfig) is a list
// of routes. The first route whose glob matches a key (a path relative to the
// deployed directory, with forward slashes) gives the object its headers
// (Cache-Control, Content-Type, Content-Encoding, Content-Disposition,
// Content-Language, Expires, x-amz-website-redirect-location, x-amz-meta-*),
// whether it is an entry object (uploaded after every other object; HTML
// pages by default), whether it is stored gzip-compressed, and its storage
// class and canned ACL:
//
//	routes:
//	  - match: "**/*.html"
//	    headers: { Cache-Control: "public, max-age=0, must-revalidate" }
//	  - match: "assets/**"
//	    headers: { Cache-Control: "public, max-age=31536000, immutable" }
//	    gzip: true
//
// Config.Settings gives the settings of one key, ContentType the default
// Content-Type of a key from a fixed extension table, and Gzip compresses
// deterministically, so an unchanged file compresses to unchanged bytes.
package deploy
