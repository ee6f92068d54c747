package emulator

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/store"
)

// notYetImplemented are the model's operations that still answer
// NotImplemented: none since issue 27. An operation a newer model adds
// (operations.go regenerated) goes here until it has a handler; the list
// only shrinks: TestEveryOperationHasAHandler fails when an operation is
// missing from both implemented and this list, and when one on this list
// is implemented.
var notYetImplemented = []string{}

// TestEveryOperationHasAHandler holds the generated operation table
// (operations.go, from botocore's model) against what the server serves:
// every operation is either implemented, with a route of the server's own
// that a request of its method and URI reaches, or listed in
// notYetImplemented and answered NotImplemented with its name.
func TestEveryOperationHasAHandler(t *testing.T) {
	s := New(Options{Store: store.NewMem()})
	placeholder := regexp.MustCompile(`\{[A-Za-z]+\}`)
	seen := map[string]bool{}
	for _, op := range operations {
		seen[op.name] = true
		t.Run(op.name, func(t *testing.T) {
			uri := placeholder.ReplaceAllString(op.uri, "EXAMPLE1")
			r := httptest.NewRequest(op.method, uri, strings.NewReader(""))
			if got := operationOf(r); got != op.name {
				t.Fatalf("operationOf(%s %s) = %q, want %q", op.method, uri, got, op.name)
			}
			listed := slices.Contains(notYetImplemented, op.name)
			switch {
			case implemented[op.name] && listed:
				t.Fatalf("%s is implemented: take it off notYetImplemented and docs/emulator.md's \"Not implemented\"", op.name)
			case implemented[op.name]:
				if _, pattern := s.mux.Handler(r); pattern == "" || pattern == "/" {
					t.Fatalf("%s is marked implemented, but %s %s reaches no route of its own (pattern %q)", op.name, op.method, uri, pattern)
				}
			case listed:
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, r)
				if rec.Code != http.StatusNotImplemented || !strings.Contains(rec.Body.String(), op.name) {
					t.Fatalf("%s %s: got %d %s, want 501 NotImplemented naming %s", op.method, uri, rec.Code, rec.Body, op.name)
				}
			default:
				t.Fatalf("%s (%s %s) is neither implemented nor listed in notYetImplemented", op.name, op.method, op.uri)
			}
		})
	}
	for _, name := range notYetImplemented {
		if !seen[name] {
			t.Errorf("notYetImplemented names %s, which is not an operation of the model", name)
		}
	}
}
