//go:build !linux

package s3store

import "errors"

// syncFS is not available here: a checkpoint fsyncs each file instead.
func syncFS(string) error { return errors.ErrUnsupported }
