//go:build linux && !amd64 && !386

package s3store

import "syscall"

const sysSyncfs = syscall.SYS_SYNCFS
