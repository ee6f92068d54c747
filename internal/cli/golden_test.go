package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/awscli"
	"github.com/cfinv/cfinv/test/harness"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// normaliser replaces what the server chooses — distribution and
// invalidation IDs, domain names, its URL — with placeholders of the same
// length, so tables keep their alignment. Known values are numbered in the
// order they were registered, so an invalidation keeps its placeholder in
// every output.
type normaliser struct {
	endpoint string
	repl     map[string]string
	n        map[byte]int
}

var serverChosen = regexp.MustCompile(`\b(E[A-Z0-9]{13}|I[A-Z0-9]{13}|d[a-z0-9]{13}\.cloudfront\.net)\b`)

func newNormaliser(endpoint string) *normaliser {
	return &normaliser{endpoint: endpoint, repl: map[string]string{}, n: map[byte]int{}}
}

// add registers server-chosen values in a fixed order.
func (z *normaliser) add(values ...string) {
	for _, v := range values {
		if _, ok := z.repl[v]; ok || v == "" {
			continue
		}
		z.n[v[0]]++
		n := z.n[v[0]]
		switch v[0] {
		case 'E':
			z.repl[v] = fmt.Sprintf("EDIST%09d", n)
		case 'I':
			z.repl[v] = fmt.Sprintf("IINV%010d", n)
		case 'd':
			z.repl[v] = fmt.Sprintf("ddomain%07d.cloudfront.net", n)
		}
	}
}

func (z *normaliser) apply(s string) string {
	s = strings.ReplaceAll(s, z.endpoint, "http://127.0.0.1:PORT")
	return serverChosen.ReplaceAllStringFunc(s, func(m string) string {
		z.add(m)
		return z.repl[m]
	})
}

// golden compares got with testdata/golden/name, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s\nIf the change is intended, run go test ./internal/cli -run %s -update", path, diff, t.Name())
	}
}

// TestGoldenOutputs pins the json, text and table output of invalidate,
// get, list and distributions against the emulator on a fixed clock.
func TestGoldenOutputs(t *testing.T) {
	url, clock, client, dist := testEmulator(t, 5*time.Second)
	z := newNormaliser(url)
	z.add(dist)

	// All server state is made here, before the subtests, so each output
	// is the same whichever subtests run: two invalidations of the first
	// distribution (the second with paths, a wildcard and a non-ASCII
	// path), one of a second distribution, all with fixed caller
	// references.
	dist2 := harness.Distribution(t, sdkClient(t, url), "golden-second")
	z.add(dist2)
	create := func(d, ref string, items ...string) string {
		t.Helper()
		ios, _, stdout, _ := TestIO()
		opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{d}, Items: items,
			CallerReference: ref, Timeout: time.Minute, AWS: awsFlags{Query: "Invalidation.Id", Output: "text"}}
		if err := invalidateRun(t.Context(), opts); err != nil {
			t.Fatal(err)
		}
		id := strings.TrimSpace(stdout.String())
		z.add(id)
		return id
	}
	ids := []string{
		create(dist, "golden-1", "/index.html"),
		create(dist, "golden-2", "/img/*", "/about/", "/caf\u00e9.html"),
	}
	create(dist2, "golden-1", "/index.html")

	formats := []string{awscli.JSON, awscli.Text, awscli.Table}
	ext := map[string]string{awscli.JSON: "json", awscli.Text: "txt", awscli.Table: "table"}
	commands := []struct {
		name string
		run  func(f awsFlags, ios *IO) error
	}{
		{"invalidate", func(f awsFlags, ios *IO) error {
			// The caller reference and paths of an existing invalidation:
			// CloudFront returns it, so every format shows the same one.
			return invalidateRun(t.Context(), &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{dist},
				Items: []string{"/img/*", "/about/", "/caf\u00e9.html"}, CallerReference: "golden-2", Timeout: time.Minute, AWS: f})
		}},
		{"invalidate-two-distributions", func(f awsFlags, ios *IO) error {
			// The many-invalidation shape: a list and a summary (both
			// invalidations exist already).
			return invalidateRun(t.Context(), &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{dist, dist2},
				Items: []string{"/index.html"}, CallerReference: "golden-1", Timeout: time.Minute, AWS: f})
		}},
		{"get", func(f awsFlags, ios *IO) error {
			return getRun(t.Context(), &getOptions{IO: ios, Client: client, AWS: f, Distribution: dist, ID: ids[1]})
		}},
		{"list", func(f awsFlags, ios *IO) error {
			return listRun(t.Context(), &listOptions{IO: ios, Client: client, AWS: f, Distribution: dist})
		}},
		{"distributions", func(f awsFlags, ios *IO) error {
			return distributionsRun(t.Context(), &distributionsOptions{IO: ios, Client: client, AWS: f})
		}},
	}
	for _, c := range commands {
		for _, format := range formats {
			t.Run(c.name+"/"+format, func(t *testing.T) {
				ios, _, stdout, stderr := TestIO()
				if err := c.run(awsFlags{Output: format}, ios); err != nil {
					t.Fatalf("%v\nstderr:\n%s", err, stderr)
				}
				golden(t, c.name+"."+ext[format], z.apply(stdout.String()))
			})
		}
	}
}

// sdkClient is an SDK client for setting up the emulator at url.
func sdkClient(t *testing.T, url string) *cloudfront.Client {
	t.Helper()
	return harness.SDK(url)
}
