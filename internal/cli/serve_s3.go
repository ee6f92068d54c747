package cli

// DefaultS3Addr is where `cfinv serve` runs its S3 API unless told
// otherwise.
const DefaultS3Addr = "127.0.0.1:8657"
