package cli

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestFaultFlags(t *testing.T) {
	okHandler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	tests := []struct {
		name       string
		args       []string
		wantErr    string
		wantWrap   bool   // the handler is wrapped
		wantStatus int    // status of a POST CreateInvalidation through the result
		wantLog    string // substring of the log
	}{
		{name: "off by default", wantStatus: http.StatusCreated},
		{name: "rate 1, throttle", args: []string{"--fault-rate", "1", "--faults", "throttle"}, wantWrap: true, wantStatus: http.StatusBadRequest, wantLog: "fault injection is on"},
		{name: "rate 1, 503", args: []string{"--fault-rate=1", "--faults=503", "--fault-seed=9"}, wantWrap: true, wantStatus: http.StatusServiceUnavailable, wantLog: "seed=9"},
		{name: "bad kind", args: []string{"--fault-rate", "0.1", "--faults", "503,boom"}, wantErr: `invalid --faults: parse fault kinds: unknown kind "boom"`},
		{name: "bad kind with rate 0", args: []string{"--faults", "boom"}, wantErr: `invalid --faults`},
		{name: "rate too high", args: []string{"--fault-rate", "2"}, wantErr: "invalid fault flags: validate fault config: rate 2 is not between 0 and 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o faultOptions
			fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			addFaultFlags(fs, &o)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			h, err := o.wrap(okHandler, slog.New(slog.NewTextHandler(&logs, nil)))
			if tt.wantErr != "" {
				var fe *FlagError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("got error %v, want a FlagError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, isPlain := h.(http.HandlerFunc)
			if isPlain == tt.wantWrap {
				t.Errorf("got wrapped=%v, want %v", !isPlain, tt.wantWrap)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/2020-05-31/distribution/E1/invalidation", nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("got status %d, want %d", rec.Code, tt.wantStatus)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("got log %q, want it to contain %q", logs.String(), tt.wantLog)
			}
		})
	}
}

func TestFaultFlagDefaults(t *testing.T) {
	var o faultOptions
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	addFaultFlags(fs, &o)
	want := faultOptions{Rate: 0, Seed: 1, Kinds: "all", SlowDelay: 30 * time.Second}
	if o != want {
		t.Errorf("got defaults %+v, want %+v", o, want)
	}
}
