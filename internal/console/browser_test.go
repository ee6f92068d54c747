package console_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var screenshots = flag.String("screenshots", "", "directory to save the console's screenshots in (docs/console to refresh the docs)")

// chromium finds Debian's chromium. The browser test fails, never skips,
// without it: .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: install it (apt-get install -y chromium; .ci/run does) to run the console's browser test")
	return ""
}

// TestBrowser drives the console in headless chromium: a distribution
// created through the API shows, its cached key shows in the cache view,
// an invalidation posted from the form goes to Completed when the clock
// passes its completion, and the purged key leaves the cache view.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	dist := e.createDistribution(t, "browser", "www.example.com")
	e.edgeGet(t, dist, "/page.html")
	e.edgeGet(t, dist, "/page.html")
	e.edgeGet(t, dist, "/kept.html")

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(1100, 760), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// A bound for a wedged browser, not a timing assertion.
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if *screenshots == "" {
				return nil
			}
			b, err := chromedp.CaptureScreenshot()(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(*screenshots, name), b, 0o644)
		})
	}
	row := `#dist-table tbody tr[data-id="` + dist + `"]`
	cached := `#cache-table tbody tr[data-key="/page.html"]`
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.ConsoleURL),
		chromedp.WaitVisible(row),
		chromedp.WaitVisible(`#feed-list li[data-kind="request"]`),
		shot("distributions.png"),
		chromedp.Click(row),
		chromedp.WaitVisible(cached),
		chromedp.WaitVisible(`#cache-table tbody tr[data-key="/kept.html"]`),
		chromedp.SetValue(`#inv-paths`, "/page.html"),
		chromedp.Click(`#inv-submit`),
		chromedp.WaitVisible(`#inv-table tbody tr[data-status="InProgress"]`),
		chromedp.WaitNotPresent(cached),
		chromedp.WaitVisible(`#feed-list li[data-kind="purge"]`),
		shot("invalidation-in-progress.png"),
	)
	if err != nil {
		t.Fatalf("console before completion: %v", err)
	}
	e.clock.Add(2 * time.Minute) // past the CompletionDelay
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(`#inv-table tbody tr[data-status="Completed"]`),
		chromedp.WaitVisible(`#cache-table tbody tr[data-key="/kept.html"]`),
		shot("invalidation-completed.png"),
	)
	if err != nil {
		t.Fatalf("console after completion: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(`#inv-table tbody tr td:nth-child(2)`))
	if err != nil {
		t.Fatalf("read the status: %v", err)
	}
	if status != "Completed" {
		t.Errorf("invalidation status shown %q, want Completed", status)
	}
}
