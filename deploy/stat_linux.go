//go:build linux

package deploy

import (
	"io/fs"
	"syscall"
)

// sysStat is fi's ctime (ns), inode and device.
func sysStat(fi fs.FileInfo) (ctime int64, ino, dev uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0, false
	}
	sec, nsec := st.Ctim.Unix()
	return sec*1e9 + nsec, uint64(st.Ino), uint64(st.Dev), true
}
