package cfinv_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cfinv/cfinv"
)

func TestRequestValidate(t *testing.T) {
	many := make([]string, 3001)
	for i := range many {
		many[i] = "/p" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + strings.Repeat("y", i/26)
	}
	tests := []struct {
		name string
		req  cfinv.Request
		want error // nil: valid
	}{
		{"valid", cfinv.Request{DistributionID: "E2EXAMPLE", Paths: []string{"/index.html", "img/*"}}, nil},
		{"several distributions", cfinv.Request{DistributionIDs: []string{"E1", "www.example.com"}, Paths: []string{"/a"}}, nil},
		{"no distribution", cfinv.Request{Paths: []string{"/a"}}, cfinv.ErrInvalidInput},
		{"no paths", cfinv.Request{DistributionID: "E1"}, cfinv.ErrInvalidInput},
		{"paths and batches", cfinv.Request{DistributionID: "E1", Paths: []string{"/a"}, Batches: [][]string{{"/b"}}}, cfinv.ErrInvalidInput},
		{"empty batch", cfinv.Request{DistributionID: "E1", Batches: [][]string{{}}}, cfinv.ErrInvalidInput},
		{"path too long", cfinv.Request{DistributionID: "E1", Paths: []string{"/" + strings.Repeat("a", 5000)}}, cfinv.ErrInvalidPath},
		{"invalid item in a batch", cfinv.Request{DistributionID: "E1", Batches: [][]string{{"no-slash"}}}, cfinv.ErrInvalidPath},
		{"negative timeout", cfinv.Request{DistributionID: "E1", Paths: []string{"/a"}, Timeout: -1}, cfinv.ErrInvalidInput},
		{"reference of 128", cfinv.Request{DistributionID: "E1", Paths: []string{"/a"}, CallerReference: strings.Repeat("r", 128)}, nil},
		{"reference of 129", cfinv.Request{DistributionID: "E1", Paths: []string{"/a"}, CallerReference: strings.Repeat("r", 129)}, cfinv.ErrInvalidInput},
		{"reference of 127 and a second batch", cfinv.Request{DistributionID: "E1", Paths: many, CallerReference: strings.Repeat("r", 127)}, cfinv.ErrInvalidInput},
		{"reference of 126 and a second batch", cfinv.Request{DistributionID: "E1", Paths: many, CallerReference: strings.Repeat("r", 126)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			if tt.want == nil && err != nil {
				t.Fatalf("got %v, want valid", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want an error matching %v", err, tt.want)
			}
		})
	}
}
