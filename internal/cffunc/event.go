package cffunc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The event object CloudFront passes to a function's handler, version 1.0:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html

// Event types a function can be associated with. Origin events are
// Lambda@Edge's; CloudFront Functions run on the viewer side only.
const (
	ViewerRequest  = "viewer-request"
	ViewerResponse = "viewer-response"
)

// Event is the object passed to handler(event).
type Event struct {
	Version  string    `json:"version"`
	Context  Context   `json:"context"`
	Viewer   Viewer    `json:"viewer"`
	Request  *Request  `json:"request,omitempty"`
	Response *Response `json:"response,omitempty"`
}

// Context describes the distribution and the event.
type Context struct {
	DistributionDomainName string `json:"distributionDomainName,omitempty"`
	DistributionID         string `json:"distributionId,omitempty"`
	EventType              string `json:"eventType"`
	RequestID              string `json:"requestId,omitempty"`
}

// Viewer is the client that sent the request.
type Viewer struct {
	IP string `json:"ip"`
}

// Request is the viewer's request. Header names are lower case; cookies
// are not among the headers (the cookie header is split into Cookies).
// Query string values are as the viewer sent them (not URL-decoded).
type Request struct {
	Method      string            `json:"method"`
	URI         string            `json:"uri"`
	Querystring map[string]*Value `json:"querystring"`
	Headers     map[string]*Value `json:"headers"`
	Cookies     map[string]*Value `json:"cookies"`
}

// Response is the response to the viewer: the origin's or the cache's in
// a viewer-response event, or one a viewer-request function generates.
type Response struct {
	StatusCode        int               `json:"statusCode"`
	StatusDescription string            `json:"statusDescription,omitempty"`
	Headers           map[string]*Value `json:"headers"`
	Cookies           map[string]*Value `json:"cookies"`
	Body              *Body             `json:"body,omitempty"`
}

// Value is a query string parameter, header or cookie: its first value
// and, when there are several, all of them in MultiValue. Attributes are
// a response cookie's (e.g. "Secure; Path=/").
type Value struct {
	Value      string   `json:"value"`
	Attributes string   `json:"attributes,omitempty"`
	MultiValue []*Value `json:"multiValue,omitempty"`
}

// Values returns every value v carries: MultiValue's, or Value alone.
func (v *Value) Values() []string {
	if v == nil {
		return nil
	}
	if len(v.MultiValue) == 0 {
		return []string{v.Value}
	}
	out := make([]string, 0, len(v.MultiValue))
	for _, m := range v.MultiValue {
		if m != nil {
			out = append(out, m.Value)
		}
	}
	return out
}

// Body is a generated response's body: Data in Encoding "text" (the
// default) or "base64". A function may also give the body as a plain
// string, which is text.
type Body struct {
	Encoding string `json:"encoding,omitempty"`
	Data     string `json:"data"`
}

// UnmarshalJSON accepts a string or {encoding, data}.
func (b *Body) UnmarshalJSON(p []byte) error {
	if t := bytes.TrimSpace(p); len(t) > 0 && t[0] == '"' {
		b.Encoding = "text"
		return json.Unmarshal(t, &b.Data)
	}
	type plain Body
	var v plain
	if err := strictUnmarshal(p, &v); err != nil {
		return err
	}
	switch v.Encoding {
	case "":
		v.Encoding = "text"
	case "text", "base64":
	default:
		return fmt.Errorf("body encoding %q is not text or base64", v.Encoding)
	}
	*b = Body(v)
	return nil
}

// ParseEvent parses a JSON event object, as TestFunction receives it.
// Members of the wrong type are refused, as is an event with neither
// request nor response or with header names that are not lower case;
// unknown members are ignored, as CloudFront ignores them.
func ParseEvent(p []byte) (*Event, error) {
	var ev Event
	if err := strictUnmarshal(p, &ev); err != nil {
		return nil, fmt.Errorf("parse event object: %w", err)
	}
	if ev.Request == nil && ev.Response == nil {
		return nil, fmt.Errorf("parse event object: it has neither a request nor a response")
	}
	if ev.Request != nil {
		if err := checkNames("request header", ev.Request.Headers); err != nil {
			return nil, fmt.Errorf("parse event object: %w", err)
		}
	}
	if ev.Response != nil {
		if err := checkNames("response header", ev.Response.Headers); err != nil {
			return nil, fmt.Errorf("parse event object: %w", err)
		}
	}
	return &ev, nil
}

// checkNames refuses a header name that is not lower case, as CloudFront
// always passes them.
func checkNames(what string, m map[string]*Value) error {
	for k, v := range m {
		if k != strings.ToLower(k) {
			return fmt.Errorf("%s %q is not lower case", what, k)
		}
		if v == nil {
			return fmt.Errorf("%s %q has no value object", what, k)
		}
	}
	return nil
}

// strictUnmarshal decodes exactly one JSON value.
func strictUnmarshal(p []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(p))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}
