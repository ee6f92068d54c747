package deploy_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/deploy"
)

// TestListingInRanges (issue 31): the listing is made in ranges split by
// the site's keys, in parallel, and finds every object under the prefix
// whatever the ranges hold: objects of the site, objects outside it
// before, between and after its keys, ranges of several pages and empty
// ones. The deploy deletes exactly the objects outside the site, and a
// redeploy finds every object unchanged. The listing is held in memory,
// or spilled to disk as a large one is.
func TestListingInRanges(t *testing.T) {
	for _, tc := range []struct {
		prefix  string
		spilled bool
	}{{"", false}, {"www", false}, {"www", true}} {
		prefix := tc.prefix
		t.Run(fmt.Sprintf("prefix %q spilled %v", prefix, tc.spilled), func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *site) {
				deploy.SetListing(t, 4, 3)
				if tc.spilled {
					deploy.SetSpill(t, 0)
				}
				dir := filepath.Join(t.TempDir(), "public")
				files := map[string]string{}
				for i := range 14 {
					files[fmt.Sprintf("p/%02d.css", i*2)] = "p{}"
				}
				files["a-b.txt"] = "a" // before "a/", which a directory walk would visit first
				files["a/x.txt"] = "x"
				writeTree(t, dir, files)
				key := func(rel string) string {
					if prefix == "" {
						return rel
					}
					return prefix + "/" + rel
				}
				// Outside the site: before its first key, between its
				// keys (several in one range), after its last, and under
				// another prefix (never listed).
				outside := []string{key("0.txt"), key("a.txt"), key("p/01.css"), key("p/03.css"), key("p/05.css"), key("p/07.css"), key("p/99.css"), key("zz/last.txt")}
				elsewhere := []string{"other/x.txt", "wwx.txt"} // under the prefix only when it is ""
				if prefix == "" {
					outside, elsewhere = append(outside, elsewhere...), nil
				}
				for _, k := range append(slices.Clone(outside), elsewhere...) {
					if _, err := s.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k), Body: strings.NewReader("old")}); err != nil {
						t.Fatal(err)
					}
				}
				var r requests
				rep, err := s.run(t, s.counted(s.endpoint, &r), deploy.Options{Dir: dir, Prefix: prefix, Delete: true})
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(outside)
				if diff := cmp.Diff(outside, rep.Deleted); diff != "" {
					t.Errorf("deleted (-want +got):\n%s", diff)
				}
				if len(rep.Uploads) != len(files) {
					t.Errorf("%d uploads, want %d", len(rep.Uploads), len(files))
				}
				// Every object written: the check before the marker lists
				// the prefix again, in the same ranges, and finds it as
				// the deploy left it.
				if rep.Marker == "" {
					t.Errorf("no clean marker: the second listing did not match")
				}
				// 16 keys, 4 a range: 4 ranges, each of 2 or more pages of 3.
				if got := r.get("ListObjectsV2"); got < 8 {
					t.Errorf("%d ListObjectsV2, want 8 or more (4 ranges of several pages)", got)
				}
				again := s.mustRun(t, deploy.Options{Dir: dir, Prefix: prefix, Delete: true})
				if len(again.Uploads) != 0 || len(again.Deleted) != 0 || again.Unchanged != len(files) {
					t.Errorf("redeploy: uploads %v, deleted %v, %d unchanged; want none, none, %d", again.Uploads, again.Deleted, again.Unchanged, len(files))
				}
				for _, k := range elsewhere {
					if _, err := s.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k)}); err != nil {
						t.Errorf("%s, outside the prefix: %v", k, err)
					}
				}
			})
		})
	}
}

// TestListingUnsorted: a server whose listing is not in key order (here
// each page reversed) cannot be listed in ranges; the deploy notices,
// lists the prefix whole and sorts it: nothing is missed. A site of one
// range is listed whole and sorted too.
func TestListingUnsorted(t *testing.T) {
	for _, perRange := range []int{2, 1000} {
		t.Run(fmt.Sprintf("%d keys a range", perRange), func(t *testing.T) {
			testListingUnsorted(t, perRange)
		})
	}
}

func testListingUnsorted(t *testing.T, perRange int) {
	forEachBackend(t, func(t *testing.T, s *site) {
		deploy.SetListing(t, perRange, 3)
		dir := filepath.Join(t.TempDir(), "public")
		files := map[string]string{}
		for i := range 8 {
			files[fmt.Sprintf("p/%d.css", i)] = "p{}"
		}
		writeTree(t, dir, files)
		for _, k := range []string{"p/0x.css", "p/5x.css", "q.css"} {
			if _, err := s.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k), Body: strings.NewReader("old")}); err != nil {
				t.Fatal(err)
			}
		}
		c := s.client(reversedPages(t, s.endpoint))
		rep, err := s.run(t, c, deploy.Options{Dir: dir, Delete: true})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"p/0x.css", "p/5x.css", "q.css"}, rep.Deleted); diff != "" {
			t.Errorf("deleted (-want +got):\n%s", diff)
		}
		// The check before the marker needs a listing in key order.
		if rep.Marker != "" {
			t.Errorf("clean marker on %s, want none from a listing not in key order", rep.Marker)
		}
		again, err := s.run(t, c, deploy.Options{Dir: dir, Delete: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Uploads) != 0 || len(again.Deleted) != 0 || again.Unchanged != len(files) {
			t.Errorf("redeploy: uploads %v, deleted %v, %d unchanged; want none, none, %d", again.Uploads, again.Deleted, again.Unchanged, len(files))
		}
	})
}

// reversedPages is a proxy to target that reverses the objects of each
// ListObjectsV2 page.
func reversedPages(t *testing.T, target string) string {
	contents := regexp.MustCompile(`(?s)<Contents>.*?</Contents>`)
	return rewriteListings(t, target, func(body []byte) []byte {
		locs := contents.FindAllIndex(body, -1)
		if len(locs) < 2 {
			return body
		}
		var out bytes.Buffer
		out.Write(body[:locs[0][0]])
		for i := len(locs) - 1; i >= 0; i-- {
			out.Write(body[locs[i][0]:locs[i][1]])
		}
		out.Write(body[locs[len(locs)-1][1]:])
		return out.Bytes()
	})
}

// TestSpillUnwritable: a deploy whose tables cannot go to disk (its
// temporary directory is missing) fails before its first write, naming
// the cause, and leaves the bucket as it was.
func TestSpillUnwritable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		deploy.SetSpill(t, 0)
		t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
		rep, err := s.run(t, nil, deploy.Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), "spill a table to disk") {
			t.Fatalf("deploy: %v; want the spill's error", err)
		}
		if rep != nil && len(rep.Invalidations) > 0 {
			t.Errorf("invalidations %+v after the failure", rep.Invalidations)
		}
		out, err := s.s3.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) != 0 {
			t.Errorf("%d objects in the bucket after the failure, want none", len(out.Contents))
		}
	})
}
