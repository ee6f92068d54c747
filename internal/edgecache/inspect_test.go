package edgecache

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCacheEntries(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	p := &Proxy{Now: func() time.Time { return t0 }}
	p.init()
	c := p.cache
	c.mu.Lock()
	d := c.dist("E1")
	for i, key := range []string{"/c", "/a", "/b"} {
		c.store(d, key, "", &object{status: 200, body: []byte("x"), stored: t0.Add(-time.Duration(i+1) * time.Minute),
			expires: t0.Add(time.Duration(i+1) * time.Hour), hits: int64(i)})
	}
	d.counts = DistStats{Hits: 3, Misses: 1}
	c.mu.Unlock()

	type row struct {
		Key          string
		Age, TTLLeft time.Duration
		Hits         int64
	}
	tests := []struct {
		name      string
		id, after string
		max       int
		want      []row
		wantMore  bool
		wantRatio float64
	}{
		{name: "first page", id: "E1", max: 2, wantMore: true, wantRatio: 0.75,
			want: []row{{"/a", 2 * time.Minute, 2 * time.Hour, 1}, {"/b", 3 * time.Minute, 3 * time.Hour, 2}}},
		{name: "next page", id: "E1", after: "/b", max: 2, wantRatio: 0.75,
			want: []row{{"/c", time.Minute, time.Hour, 0}}},
		{name: "unknown distribution", id: "E2", max: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, more, st := p.CacheEntries(tt.id, tt.after, tt.max)
			var got []row
			for _, e := range es {
				got = append(got, row{e.Key, e.Age, e.TTLLeft, e.Hits})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || more != tt.wantMore || st.HitRatio() != tt.wantRatio {
				t.Errorf("more %v ratio %v (want %v %v), entries (-want +got):\n%s", more, st.HitRatio(), tt.wantMore, tt.wantRatio, diff)
			}
		})
	}
}
