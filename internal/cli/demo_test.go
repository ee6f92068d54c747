package cli

import (
	"strings"
	"testing"
	"time"
)

func TestDemo(t *testing.T) {
	ios, _, out, errOut := TestIO()
	opts := &demoOptions{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now, DataDir: t.TempDir()}
	if err := demoRun(t.Context(), opts); err != nil {
		t.Fatalf("demoRun: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	got := out.String()
	for _, want := range []string{
		"200  Miss from cloudfront   \"Hello from version 1\"",
		"200  Hit from cloudfront    \"Hello from version 1\"",
		" is Completed; the command returned after",
		"200  Miss from cloudfront   \"Hello from version 2\"",
		"Demo passed",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "UNEXPECTED") {
		t.Errorf("a step failed:\n%s", got)
	}
	checkREADMEDemo(t, got)
}
