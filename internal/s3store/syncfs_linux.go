package s3store

import (
	"os"
	"syscall"
)

// syncFS writes back every dirty file and directory of the file system
// holding dir with one syncfs(2), which a checkpoint uses instead of an
// fsync of each file it wrote; it reports writeback errors since Linux 5.8.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, _, errno := syscall.Syscall(sysSyncfs, d.Fd(), 0, 0); errno != 0 {
		return errno
	}
	return nil
}
