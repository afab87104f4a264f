package statetemplate

import (
	"crypto/rand"
	"fmt"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/session"
)

// WithRenderCache shares rendered pages between sessions, within a memory
// budget in bytes: when a session's data encodes to exactly the bytes of
// data another session of this renderer was rendered from — every new
// visitor's first page, typically — the template is not executed again.
//
// A page is shared only under the SHA-256 of the renderer, the data's type
// and the data's full canonical encoding, so a session can receive only the
// HTML its own data renders. Data types whose encoding does not capture
// everything a template could read (unexported fields, interface, func or
// channel fields, custom marshalers, two fields encoded under one name) are
// never shared, nor is data holding a time the encoding does not capture
// (a zone's name; see session.Captured). The one
// assumption left is that
// template functions and data methods are deterministic, as html/template's
// built-ins are: a template that reads the clock or a global should not
// use this option. Off by default.
func WithRenderCache(budget int64) Option {
	return func(c *config) error {
		if budget <= 0 {
			return fmt.Errorf("%w: WithRenderCache(%d): must be positive", errInvalidOption, budget)
		}
		c.renderCacheBudget = budget
		return nil
	}
}

// renderCache adapts cache.Fragments to session.RenderCache, keying every
// page under this renderer's own random identity.
type renderCache struct {
	pages *cache.Fragments
	id    string
}

func newRenderCache(budget int64) (*renderCache, error) {
	pages, err := cache.NewFragments(budget)
	if err != nil {
		return nil, fmt.Errorf("%w: WithRenderCache: %v", errInvalidOption, err)
	}
	return &renderCache{pages: pages, id: rand.Text()}, nil
}

func (rc *renderCache) key(typeName string) string { return rc.id + "\x00" + typeName }

func (rc *renderCache) Get(typeName string, data []byte) (string, bool) {
	return rc.pages.Get(cache.NewKey(rc.key(typeName), "", data))
}

func (rc *renderCache) Set(typeName string, data []byte, page string) {
	rc.pages.Set(cache.NewKey(rc.key(typeName), "", data), page)
}

// orNil returns rc as a session.RenderCache, or a nil interface when rc is
// nil, so the manager sees no cache rather than a nil pointer.
func (rc *renderCache) orNil() session.RenderCache {
	if rc == nil {
		return nil
	}
	return rc
}

// close stops the cache's goroutine; nil-safe and idempotent via ristretto.
func (rc *renderCache) close() {
	if rc != nil {
		rc.pages.Close()
	}
}
