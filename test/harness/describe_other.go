//go:build !linux

package harness

import "fmt"

// DescribeGroup says what each process in process group pgid is doing;
// it needs Linux's /proc, and elsewhere says so.
func DescribeGroup(pgid int) string {
	return fmt.Sprintf("process group %d: no /proc to describe it on this system\n", pgid)
}
