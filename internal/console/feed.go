package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/cfinv/cfinv/internal/edgecache"
)

// DefaultFeedSize is how many recent events a Feed keeps by default.
const DefaultFeedSize = 256

// subscriberBuffer is how many events a subscriber may lag behind before
// it is dropped.
const subscriberBuffer = 64

// Feed is the live feed of edge events: a bounded ring of the latest
// ones, replayed to each new subscriber, and the subscribers. Publish
// never blocks: a subscriber whose buffer is full is dropped (its channel
// closed), so a slow browser cannot slow the edge.
type Feed struct {
	mu     sync.Mutex
	ring   []edgecache.Event
	next   int // where the next event goes in ring
	full   bool
	subs   map[chan edgecache.Event]struct{}
	closed bool
}

// NewFeed returns a feed keeping the last size events (0: DefaultFeedSize).
func NewFeed(size int) *Feed {
	if size <= 0 {
		size = DefaultFeedSize
	}
	return &Feed{ring: make([]edgecache.Event, size), subs: map[chan edgecache.Event]struct{}{}}
}

// Publish adds ev to the ring and sends it to every subscriber that has
// room for it, dropping those that have not.
func (f *Feed) Publish(ev edgecache.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ring[f.next] = ev
	f.next = (f.next + 1) % len(f.ring)
	if f.next == 0 {
		f.full = true
	}
	for ch := range f.subs {
		select {
		case ch <- ev:
		default:
			delete(f.subs, ch)
			close(ch)
		}
	}
}

// Recent returns the events in the ring, oldest first.
func (f *Feed) Recent() []edgecache.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recent()
}

func (f *Feed) recent() []edgecache.Event {
	if !f.full {
		return append([]edgecache.Event(nil), f.ring[:f.next]...)
	}
	return append(append([]edgecache.Event(nil), f.ring[f.next:]...), f.ring[:f.next]...)
}

// Subscribe returns the recent events and a channel of the following
// ones, closed when the subscriber falls behind or cancel is called.
func (f *Feed) Subscribe() (recent []edgecache.Event, events <-chan edgecache.Event, cancel func()) {
	ch := make(chan edgecache.Event, subscriberBuffer)
	f.mu.Lock()
	recent = f.recent()
	if f.closed {
		close(ch)
	} else {
		f.subs[ch] = struct{}{}
	}
	f.mu.Unlock()
	return recent, ch, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.subs[ch]; ok {
			delete(f.subs, ch)
			close(ch)
		}
	}
}

// Close ends every subscription, now and later, so that the streams
// end and a server's Shutdown need not wait for them.
func (f *Feed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for ch := range f.subs {
		delete(f.subs, ch)
		close(ch)
	}
}

// Subscribers returns how many subscribers the feed has.
func (f *Feed) Subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// events streams the feed as server-sent events: the recent events, then
// each new one, until the client goes or falls behind (then the stream
// ends and EventSource reconnects).
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	recent, ch, cancel := c.feed.Subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	send := func(ev edgecache.Event) bool {
		b, _ := json.Marshal(ev)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Kind, b); err != nil {
			return false
		}
		return true
	}
	for _, ev := range recent {
		if !send(ev) {
			return
		}
	}
	// A comment, so the client sees the stream open before any event.
	fmt.Fprint(w, ": ready\n\n")
	if rc.Flush() != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-ch:
			if !ok || !send(ev) || rc.Flush() != nil {
				return
			}
		}
	}
}
