//go:build cfinvlinked

package main

import (
	"context"
	"os"

	"github.com/cfinv/cfinv/internal/cli"
)

// Built with -tags cfinvlinked, the program links all of cfinv (its
// binary is as large as cfinv's) but still runs only the bare SDK call:
// bench/client uses it to tell the cost of cfinv's size (page faults,
// package initialisation) from the cost of what cfinv does. The variable
// is never set by the benchmark; it only keeps cli.Main from being
// dropped by the linker.
func init() {
	if os.Getenv("BARESDK_RUN_CFINV") == "yes" {
		os.Exit(cli.Main(context.Background(), os.Args[1:], cli.SystemIO(), os.Getenv))
	}
}
