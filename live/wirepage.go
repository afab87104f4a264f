package live

import (
	"slices"
	"sync"
	"time"
)

// Pages served, for their connections' bases (see pageBases): the page a
// tab loaded is kept from its load until its WebSocket connects, on the
// same server, within a bound; a connection whose page is not kept (it
// connected to another server, or too late) has no bases until a resync
// gives it the page.
const (
	maxServedBytes = 16 << 20        // of pages waiting for their connection, or WithPageBases when less
	servedFor      = 2 * time.Minute // how long a page waits
)

// servedPages are the pages served and not yet connected to, by tab
// reference. The zero value keeps no pages (its bases' limit is 0); it is
// safe for concurrent use.
type servedPages struct {
	mu    sync.Mutex
	pages map[string]servedPage
	order []string // refs in the order served (some taken already)
	bytes int
	// bases bounds what the App's connections' bases hold (see
	// pageBases.charge); a limit of 0 keeps no pages.
	bases basesBudget
}

type servedPage struct {
	html string
	at   time.Time
}

// put keeps html, the page served for the tab reference ref.
func (s *servedPages) put(ref, html string, now time.Time) {
	if ref == "" || len(html) > maxPageBytes || s.bases.limit <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pages == nil {
		s.pages = make(map[string]servedPage)
	}
	s.drop(ref)
	bound := int(min(maxServedBytes, s.bases.limit)) // WithPageBases below the pages' own bound
	if len(html) > bound {
		return
	}
	for len(s.order) > 0 && (s.bytes+len(html) > bound || now.Sub(s.pages[s.order[0]].at) > servedFor) {
		s.drop(s.order[0])
		s.order = s.order[1:]
	}
	if len(s.order) > 2*len(s.pages)+64 {
		// Most refs in order are of pages taken since, held behind one
		// that still waits: drop them, so that order stays within twice
		// the pages kept.
		s.order = slices.DeleteFunc(s.order, func(r string) bool { _, ok := s.pages[r]; return !ok })
	}
	s.pages[ref] = servedPage{html: html, at: now}
	s.order = append(s.order, ref)
	s.bytes += len(html)
}

// take returns the page served for ref, and forgets it.
func (s *servedPages) take(ref string, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pages[ref]
	if !ok {
		return ""
	}
	s.drop(ref)
	if now.Sub(p.at) > servedFor {
		return ""
	}
	return p.html
}

// drop forgets the page of ref; its place in order stays until it comes
// first.
func (s *servedPages) drop(ref string) {
	if p, ok := s.pages[ref]; ok {
		s.bytes -= len(p.html)
		delete(s.pages, ref)
	}
}
