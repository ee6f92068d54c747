package cfinvtest

import "time"

// WithReadTimeout shortens the time the API allows for reading one whole
// request, for tests of the slow-client limit.
func WithReadTimeout(d time.Duration) Option {
	return func(c *config) { c.readTimeout = d }
}
