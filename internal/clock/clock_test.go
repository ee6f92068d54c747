package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestManual(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		move    func(*Manual) error
		want    time.Time
		wantErr error
	}{
		{"advance", func(c *Manual) error { c.Advance(time.Minute); return nil }, t0.Add(time.Minute), nil},
		{"advance back", func(c *Manual) error { c.Advance(-time.Hour); return nil }, t0.Add(-time.Hour), nil},
		{"sleep", func(c *Manual) error { return c.Sleep(context.Background(), time.Second) }, t0.Add(time.Second), nil},
		{"sleep on a done context", func(c *Manual) error { return c.Sleep(canceled, time.Second) }, t0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewManual(t0)
			if err := tt.move(c); !errors.Is(err, tt.wantErr) {
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
			if got := c.Now(); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
