package cfinvtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// EdgeResponse is the edge's answer to EdgeGet.
type EdgeResponse struct {
	// StatusCode is the HTTP status, such as 200.
	StatusCode int
	// XCache is the X-Cache header: "Miss from cloudfront", "Hit from
	// cloudfront", "RefreshHit from cloudfront" or "Error from
	// cloudfront".
	XCache string
	// Header holds all the response's headers.
	Header http.Header
	// Body is the whole response body.
	Body string
}

// EdgeGet requests urlPath (with its query, if any) of distribution
// distributionID from the edge, as a viewer would, with Host
// "distributionID.localhost", and reads the whole answer. An error means
// no answer was read; an HTTP error status is not an error.
func (s *Server) EdgeGet(ctx context.Context, distributionID, urlPath string) (*EdgeResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.EdgeURL+urlPath, nil)
	if err != nil {
		return nil, fmt.Errorf("edge get %s: %w", urlPath, err)
	}
	req.Host = distributionID + ".localhost"
	c := &http.Client{
		Transport: s.transport,
		Timeout:   30 * time.Second,
		// The viewer sees a redirect the edge answers; it does not follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("edge get %s: %w", urlPath, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("edge get %s: read body: %w", urlPath, err)
	}
	return &EdgeResponse{StatusCode: resp.StatusCode, XCache: resp.Header.Get("X-Cache"), Header: resp.Header, Body: string(body)}, nil
}
