// Command cfinv invalidates Amazon CloudFront caches and serves a local
// CloudFront-compatible invalidation API with a caching edge.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/cfinv/cfinv/internal/cli"
)

func main() {
	cli.ProcessMemoryLimit = debug.SetMemoryLimit
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.SystemIO(), os.Getenv)
	stop()
	os.Exit(code)
}
