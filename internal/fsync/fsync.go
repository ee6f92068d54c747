// Package fsync makes writes durable: a file's data and a directory's
// entries, the two syncs the state file's create log and the S3 buckets
// of cfinv serve rely on before they acknowledge a write.
package fsync
