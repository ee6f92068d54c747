package edgecache

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzFunctionRequest: whatever path, query string and cookies a viewer
// sends, the event request built for a function and applied back
// unchanged gives a request with a clean path and the same query string
// parameters and cookies (as multisets: the order is rebuilt by name).
func FuzzFunctionRequest(f *testing.F) {
	f.Add("/about/", "a=1&b=2&a=3", "session=x; theme=dark")
	f.Add("/", "", "")
	f.Add("/x%20y", "q=%26&&=v&flag", "a=; b")
	f.Fuzz(func(t *testing.T, path, rawQuery, cookie string) {
		esc, err := cleanPath(path)
		if err != nil || strings.ContainsAny(rawQuery, "#\x00") {
			return
		}
		r, err := http.NewRequest(http.MethodGet, "http://d.example"+esc, nil)
		if err != nil {
			return
		}
		r.URL.RawQuery = rawQuery
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		req := eventRequest(r, esc)
		r2, esc2, err := applyRequest(r, req)
		if err != nil {
			t.Fatalf("applyRequest of the unchanged event: %v", err)
		}
		if esc2 != esc || r2.URL.EscapedPath() != esc {
			t.Errorf("path %q became %q (%q)", esc, esc2, r2.URL.EscapedPath())
		}
		pairs := func(q string) []string {
			var out []string
			for _, kv := range strings.Split(q, "&") {
				if kv == "" {
					continue
				}
				if !strings.Contains(kv, "=") {
					kv += "="
				}
				out = append(out, kv)
			}
			slices.Sort(out)
			return out
		}
		if got, want := pairs(r2.URL.RawQuery), pairs(rawQuery); !slices.Equal(got, want) {
			t.Errorf("query %q became %q", rawQuery, r2.URL.RawQuery)
		}
		again := eventRequest(r2, esc2)
		if len(again.Cookies) != len(req.Cookies) {
			t.Errorf("cookies %v became %v", req.Cookies, again.Cookies)
		}
		for k, v := range req.Cookies {
			if w, ok := again.Cookies[k]; !ok || !slices.Equal(v.Values(), w.Values()) {
				t.Errorf("cookie %q: %v became %v", k, v.Values(), w.Values())
			}
		}
	})
}
