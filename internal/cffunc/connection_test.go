package cffunc

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// connectionEvent is a connection event as the test console builds it:
// the client IP and the leaf certificate's fields.
const connectionEvent = `{"clientIp":"203.0.113.7","clientCertificate":{"certificates":{"leaf":{"serialNumber":"01:02","subject":"CN=device-1"}}}}`

// TestRunConnection covers issue 27's connection functions: the handler
// is connectionHandler(connection), and the outcome is the last of
// connection.allow() and connection.deny() it called.
func TestRunConnection(t *testing.T) {
	tests := []struct {
		name     string
		runtime  string
		code     string
		event    string
		want     *ConnectionResult
		wantErr  error  // of Result.Err
		wantFail bool   // RunConnection itself fails
		output   string // Output()
	}{
		{
			name:    "allow by serial",
			runtime: Runtime1,
			code: `function connectionHandler(connection) {
  var leaf = connection.clientCertificate.certificates.leaf;
  console.log('serial ' + leaf.serialNumber);
  if (leaf.serialNumber === '01:02') { connection.allow(); } else { connection.deny(); }
}`,
			event:  connectionEvent,
			want:   &ConnectionResult{Action: ConnectionAllow, Logs: []string{"serial 01:02"}},
			output: `{"action":"allow"}`,
		},
		{
			name:    "deny by ip, async handler on 2.0",
			runtime: Runtime2,
			code: `async function connectionHandler(connection) {
  if (connection.clientIp.startsWith('203.')) { connection.deny(); return; }
  connection.allow();
}`,
			event:  connectionEvent,
			want:   &ConnectionResult{Action: ConnectionDeny},
			output: `{"action":"deny"}`,
		},
		{
			name:    "neither allow nor deny",
			runtime: Runtime1,
			code:    `function connectionHandler(connection) { return true; }`,
			event:   connectionEvent,
			wantErr: ErrExecution,
		},
		{
			name:    "no connectionHandler",
			runtime: Runtime1,
			code:    `function handler(event) { return event.request; }`,
			event:   connectionEvent,
			wantErr: ErrExecution,
		},
		{
			name:    "exception",
			runtime: Runtime1,
			code:    `function connectionHandler(connection) { throw new Error('boom'); }`,
			event:   connectionEvent,
			wantErr: ErrExecution,
		},
		{
			name:    "endless loop spends the budget",
			runtime: Runtime1,
			code:    `function connectionHandler(connection) { for (;;) {} }`,
			event:   connectionEvent,
			wantErr: ErrBudget,
		},
		{
			name:     "event not an object",
			runtime:  Runtime1,
			code:     `function connectionHandler(connection) { connection.allow(); }`,
			event:    `[1,2]`,
			wantFail: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Compile(tt.runtime, []byte(tt.code))
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := f.RunConnection(t.Context(), []byte(tt.event), Limits{})
			if tt.wantFail {
				if err == nil {
					t.Fatalf("RunConnection = %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("RunConnection: %v", err)
			}
			if tt.wantErr != nil {
				if !errors.Is(got.Err, tt.wantErr) {
					t.Fatalf("Err = %v, want %v", got.Err, tt.wantErr)
				}
				if got.Output() != "" {
					t.Errorf("Output() = %q after an error, want \"\"", got.Output())
				}
				return
			}
			if got.Err != nil {
				t.Fatalf("Err = %v", got.Err)
			}
			if diff := cmp.Diff(tt.want.Action, got.Action); diff != "" {
				t.Errorf("Action (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want.Logs, got.Logs); diff != "" {
				t.Errorf("Logs (-want +got):\n%s", diff)
			}
			if got.Output() != tt.output {
				t.Errorf("Output() = %q, want %q", got.Output(), tt.output)
			}
		})
	}
}
