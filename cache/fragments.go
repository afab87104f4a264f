package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/ristretto/v2"
)

// DefaultFragmentsBudget is the byte budget of NewFragments(0): 32 MiB.
const DefaultFragmentsBudget = 32 << 20

// Key identifies one rendered fragment by everything that determines its
// HTML. Build it with NewKey.
type Key [sha256.Size]byte

// NewKey returns the key of the HTML that template (an identity of the
// parsed template set, such as a hash of its source) renders for the
// fragment with id fragmentID from data (the canonical encoding of
// exactly the data the fragment reads, e.g. session.EncodeData). Equal
// keys mean equal inputs, and so — html/template being deterministic —
// equal HTML. Each part is length-prefixed, so no two different inputs
// share a key by concatenation.
func NewKey(template, fragmentID string, data []byte) Key {
	h := sha256.New()
	var n [8]byte
	for _, part := range [][]byte{[]byte("statetemplate fragment v1"), []byte(template), []byte(fragmentID), data} {
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	var k Key
	h.Sum(k[:0])
	return k
}

// Fragments caches rendered fragment HTML shared across sessions. It is
// safe for concurrent use.
type Fragments struct {
	c     *ristretto.Cache[string, *fragment]
	front recent
}

type fragment struct {
	key  Key
	html string
}

// NewFragments returns a fragment cache holding about budget bytes of
// HTML (DefaultFragmentsBudget when budget is 0).
func NewFragments(budget int64) (*Fragments, error) {
	if budget == 0 {
		budget = DefaultFragmentsBudget
	}
	if budget < 0 {
		return nil, fmt.Errorf("cache: negative fragments budget %d", budget)
	}
	c, err := ristretto.NewCache(config[*fragment](budget, 1<<10))
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	f := &Fragments{c: c}
	f.front.init(budget / frontShare)
	return f, nil
}

// Get returns the HTML cached under k: from the HTML Set last, which
// every later Get sees, or from ristretto. The full key is compared, not
// only ristretto's hash of it.
func (f *Fragments) Get(k Key) (string, bool) {
	if html, ok := f.front.get(k); ok {
		return html, true
	}
	e, ok := f.c.Get(string(k[:]))
	if !ok || e == nil || e.key != k {
		return "", false
	}
	return e.html, true
}

// Set caches html under k. ristretto may drop it; the front keeps it until
// later Sets push it out.
func (f *Fragments) Set(k Key, html string) {
	f.front.set(k, html)
	f.c.Set(string(k[:]), &fragment{key: k, html: html}, int64(len(html)+len(k)+64))
}

// Wait blocks until queued Sets are applied (for tests).
func (f *Fragments) Wait() { f.c.Wait() }

// Metrics returns the cache's counters; Hits counts the front's too.
func (f *Fragments) Metrics() Metrics {
	m := metricsOf(f.c.Metrics)
	m.Hits += f.front.hits.Load()
	return m
}

// Close stops the cache's goroutine and drops its entries.
func (f *Fragments) Close() { f.c.Close() }
