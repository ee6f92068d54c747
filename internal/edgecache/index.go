package edgecache

import (
	"math/rand/v2"
	"strings"
)

// keyIndex is a sorted set of cache keys (a skip list), so that a
// wildcard purge finds its matches with one O(log n) seek and then walks
// only the keys that share the prefix: its cost follows the number of
// matches, not the size of the cache. Not safe for concurrent use; the
// cache's mutex guards it.
type keyIndex struct {
	head  skipNode
	level int
	n     int
	rng   *rand.Rand
}

const maxLevel = 24 // enough for 2^24 keys per distribution at p=1/4 and well beyond

type skipNode struct {
	key  string
	next []*skipNode
}

func newKeyIndex() *keyIndex {
	return &keyIndex{
		head:  skipNode{next: make([]*skipNode, maxLevel)},
		level: 1,
		rng:   rand.New(rand.NewPCG(0x5eed, 0xcf1)),
	}
}

func (x *keyIndex) randomLevel() int {
	l := 1
	for l < maxLevel && x.rng.Uint32()&3 == 0 {
		l++
	}
	return l
}

// insert adds key; it is a no-op when key is present.
func (x *keyIndex) insert(key string) {
	var update [maxLevel]*skipNode
	n := &x.head
	for i := x.level - 1; i >= 0; i-- {
		for n.next[i] != nil && n.next[i].key < key {
			n = n.next[i]
		}
		update[i] = n
	}
	if c := n.next[0]; c != nil && c.key == key {
		return
	}
	l := x.randomLevel()
	if l > x.level {
		for i := x.level; i < l; i++ {
			update[i] = &x.head
		}
		x.level = l
	}
	nn := &skipNode{key: key, next: make([]*skipNode, l)}
	for i := 0; i < l; i++ {
		nn.next[i] = update[i].next[i]
		update[i].next[i] = nn
	}
	x.n++
}

// remove deletes key; it is a no-op when key is absent.
func (x *keyIndex) remove(key string) {
	var update [maxLevel]*skipNode
	n := &x.head
	for i := x.level - 1; i >= 0; i-- {
		for n.next[i] != nil && n.next[i].key < key {
			n = n.next[i]
		}
		update[i] = n
	}
	c := n.next[0]
	if c == nil || c.key != key {
		return
	}
	for i := 0; i < len(c.next); i++ {
		update[i].next[i] = c.next[i]
	}
	for x.level > 1 && x.head.next[x.level-1] == nil {
		x.level--
	}
	x.n--
}

// withPrefix returns every key that starts with prefix, in order.
func (x *keyIndex) withPrefix(prefix string) []string {
	n := &x.head
	for i := x.level - 1; i >= 0; i-- {
		for n.next[i] != nil && n.next[i].key < prefix {
			n = n.next[i]
		}
	}
	var out []string
	for c := n.next[0]; c != nil && strings.HasPrefix(c.key, prefix); c = c.next[0] {
		out = append(out, c.key)
	}
	return out
}

// removePrefix deletes every key that starts with prefix and returns them,
// in order. The run of matching keys is contiguous, so it is unlinked at
// each level from the predecessors found by one seek: O(log n + matches),
// with no per-key search.
func (x *keyIndex) removePrefix(prefix string) []string {
	var update [maxLevel]*skipNode
	n := &x.head
	for i := x.level - 1; i >= 0; i-- {
		for n.next[i] != nil && n.next[i].key < prefix {
			n = n.next[i]
		}
		update[i] = n
	}
	var out []string
	for c := n.next[0]; c != nil && strings.HasPrefix(c.key, prefix); c = c.next[0] {
		out = append(out, c.key)
	}
	if len(out) == 0 {
		return nil
	}
	for i := 0; i < x.level; i++ {
		c := update[i].next[i]
		for c != nil && strings.HasPrefix(c.key, prefix) {
			c = c.next[i]
		}
		update[i].next[i] = c
	}
	for x.level > 1 && x.head.next[x.level-1] == nil {
		x.level--
	}
	x.n -= len(out)
	return out
}

func (x *keyIndex) len() int { return x.n }
