package statetemplate

import (
	"fmt"

	"github.com/livefir/statetemplate/cache"
)

// WithFullRendering turns incremental rendering off: every update executes
// the whole template and diffs the whole page, as before. Use it for
// templates whose functions have side effects that other parts of the page
// observe (a counter numbering headings across the page): incremental
// rendering calls them only for the parts it re-renders.
func WithFullRendering() Option {
	return func(c *config) error {
		c.fullRendering = true
		return nil
	}
}

// WithVolatileFuncs names the template functions and data methods whose
// result can change between calls with the same arguments: a clock, a
// random number, a global. The parts of the page that call them are
// rendered again on every update that renders, and never shared between
// sessions. Functions called without arguments are treated as volatile
// without being named; every other function and method is assumed to
// depend on its arguments and receiver only, as html/template's built-ins
// do.
func WithVolatileFuncs(names ...string) Option {
	return func(c *config) error {
		c.volatile = append(c.volatile, names...)
		return nil
	}
}

// WithFragmentCache sets the memory budget, in bytes, of the cache of
// rendered part HTML that sessions share (default
// cache.DefaultFragmentsBudget, 32 MiB); 0 turns it off. A part's HTML is
// shared only between renders whose data for that part encodes to the
// same bytes (see package cache): a session never receives HTML rendered
// from another session's different data. A sixteenth more holds tokenized
// parts (fragments.PatchCache), shared likewise between renders of the
// same markup. While it is on, a session whose page has the same fragments
// as another's had, and whose data encodes to the same bytes as that
// session's did, takes that session's result without rendering (the tabs
// of a push; see internal/plan's shared transitions).
func WithFragmentCache(budget int64) Option {
	return func(c *config) error {
		if budget < 0 {
			return fmt.Errorf("%w: WithFragmentCache(%d): must not be negative", errInvalidOption, budget)
		}
		c.fragmentCacheBudget = budget
		c.fragmentCacheSet = true
		return nil
	}
}

// WithDataChanged sets Update.DataChanged on the first update of every
// RenderFragments: the dotted paths of the data that changed ("Counter",
// "Tasks.3.Completed"). Off by default: it costs a comparison with the
// previous data on every render, and the browser client does not read it.
func WithDataChanged() Option {
	return func(c *config) error {
		c.dataChanged = true
		return nil
	}
}

// fragmentCache returns the part cache's budget: the default unless set.
func (c *config) fragmentCache() int64 {
	if c.fragmentCacheSet {
		return c.fragmentCacheBudget
	}
	return cache.DefaultFragmentsBudget
}
