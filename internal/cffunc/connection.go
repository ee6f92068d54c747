package cffunc

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dop251/goja"
)

// Connection functions run during an mTLS handshake: CloudFront calls
// connectionHandler(connection) with the client certificate and connection
// details, and the handler decides by calling connection.allow() or
// connection.deny().
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/write-connection-function-code.html
// The code is compiled by Compile, like any CloudFront function, and runs
// in the same runtime (console, modules, key value stores, budget).

// ConnectionHandler is the entry point of a connection function.
const ConnectionHandler = "connectionHandler"

// Connection decisions.
const (
	ConnectionAllow = "allow"
	ConnectionDeny  = "deny"
)

// ConnectionResult is a connection function run's outcome. Action is set
// when Err is nil; Logs and ComputeUtilization are set either way.
type ConnectionResult struct {
	// Action is ConnectionAllow or ConnectionDeny: the handler's last
	// call of connection.allow() or connection.deny().
	Action string
	// Logs are the console.log lines, truncated at MaxLogBytes.
	Logs []string
	// ComputeUtilization is 0–100; see ReferenceTime.
	ComputeUtilization int
	// Err is an *ExecutionError when the run failed.
	Err error
}

// Output is the decision as JSON, {"action":"allow"} or
// {"action":"deny"}; "" after an error.
func (r *ConnectionResult) Output() string {
	if r.Err != nil {
		return ""
	}
	b, _ := json.Marshal(struct {
		Action string `json:"action"`
	}{r.Action})
	return string(b)
}

// RunConnection runs connectionHandler(connection) with connection, a JSON
// object (the connection event), and gives it allow() and deny(). It
// fails only for an event that is not a JSON object (an error it
// returns); a function's failure — no connectionHandler, an exception,
// the budget spent, neither allow() nor deny() called — is in
// ConnectionResult.Err. It always runs in a fresh runtime.
func (f *Function) RunConnection(ctx context.Context, connection []byte, lim Limits) (*ConnectionResult, error) {
	var probe map[string]any
	if err := json.Unmarshal(connection, &probe); err != nil {
		return nil, fmt.Errorf("run connection function: the connection event is not a JSON object: %w", err)
	}
	v, err := f.newVM()
	if err != nil {
		return nil, err
	}
	v.logs, v.kvs = &logBuffer{}, lim.KeyValueStores
	res := &ConnectionResult{}
	start := time.Now()
	stop := watch(ctx, v.rt, lim.Budget)
	action, runErr := f.callConnection(v, string(connection))
	stop()
	res.Logs = v.logs.lines
	res.ComputeUtilization = utilization(time.Since(start))
	if runErr != nil {
		res.ComputeUtilization, res.Err = stopped(ctx, runErr, res.ComputeUtilization)
		return res, nil
	}
	res.Action = action
	return res, nil
}

// callConnection runs the program in v, builds the connection object from
// its JSON text, calls connectionHandler with it (settling a returned
// promise) and returns the decision.
func (f *Function) callConnection(v *vm, connection string) (string, error) {
	rt := v.rt
	if _, err := rt.RunProgram(f.prog); err != nil {
		return "", execError(err)
	}
	handler, ok := goja.AssertFunction(rt.Get(ConnectionHandler))
	if !ok {
		return "", &ExecutionError{Msg: "ReferenceError: " + ConnectionHandler + " is not defined as a function"}
	}
	parse, _ := goja.AssertFunction(v.global.Get("JSON").ToObject(rt).Get("parse"))
	cv, err := parse(goja.Undefined(), rt.ToValue(connection))
	if err != nil {
		return "", execError(err)
	}
	conn := cv.ToObject(rt)
	action := ""
	for _, a := range []string{ConnectionAllow, ConnectionDeny} {
		_ = conn.Set(a, func(goja.FunctionCall) goja.Value {
			action = a
			return goja.Undefined()
		})
	}
	ret, err := handler(goja.Undefined(), conn)
	if err != nil {
		return "", execError(err)
	}
	if ret != nil && ret.ExportType() == promiseType {
		p := ret.Export().(*goja.Promise)
		switch p.State() {
		case goja.PromiseStateRejected:
			return "", &ExecutionError{Msg: p.Result().String()}
		case goja.PromiseStatePending:
			return "", &ExecutionError{Msg: "The function returned a promise that never settled"}
		}
	}
	if action == "" {
		return "", &ExecutionError{Msg: "The connection function called neither connection.allow() nor connection.deny()"}
	}
	return action, nil
}
