package cffunc

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzParseEvent: whatever TestFunction is sent, ParseEvent does not
// panic, and an event it accepts survives a JSON round trip unchanged and
// runs through the index-rewrite function without an error of Run's own.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/about/","headers":{"host":{"value":"example.org"}},"cookies":{"a":{"value":"b"}},"querystring":{"q":{"value":"1","multiValue":[{"value":"1"},{"value":"2"}]}}}}`))
	f.Add([]byte(`{"context":{"eventType":"viewer-response"},"request":{"uri":"/"},"response":{"statusCode":200,"body":"x","cookies":{"c":{"value":"v","attributes":"Secure"}}}}`))
	f.Add([]byte(`{"request":{"uri":"/","headers":{"Host":{"value":"x"}}}}`))
	fn, err := Compile(Runtime1, []byte(indexRewrite))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ev, err := ParseEvent(in)
		if err != nil {
			return
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal parsed event: %v", err)
		}
		again, err := ParseEvent(out)
		if err != nil {
			t.Fatalf("re-parse %s: %v", out, err)
		}
		if diff := cmp.Diff(ev, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the event (-first +second):\n%s", diff)
		}
		if ev.Request == nil || ev.Context.EventType != ViewerRequest {
			return
		}
		res, err := fn.Run(t.Context(), ev, Limits{Budget: time.Minute})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if res.Err == nil && res.Request == nil {
			t.Fatalf("no error and no request for %s", in)
		}
	})
}
