package statetemplate

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/storage/bolt"
)

// The optional store abilities behind Backup, Compact and Stats.
type (
	backuper interface {
		Backup(ctx context.Context, w io.Writer) (int64, error)
	}
	compacter interface {
		Compact(ctx context.Context) error
	}
	fileStatser interface {
		Stats() (bolt.Stats, error)
	}
)

// Backup writes a consistent copy of the session file to w while the
// renderer keeps serving (pending updates are written first). The copy is
// a session file: WithBoltStore can open it, statetemplate-dump can read
// it. Stores without a file return an error wrapping errors.ErrUnsupported.
func (r *Renderer) Backup(w io.Writer) error {
	b, ok := r.mgr.Store().(backuper)
	if !ok {
		return fmt.Errorf("statetemplate: Backup: %T: %w", r.mgr.Store(), errors.ErrUnsupported)
	}
	_, err := b.Backup(context.Background(), w)
	return err
}

// Compact rewrites the session file without the free pages that deleted
// sessions left, returning the space to the file system. Reads continue
// meanwhile; new sessions and updates wait for the swap. Stores without a
// file return an error wrapping errors.ErrUnsupported.
func (r *Renderer) Compact(ctx context.Context) error {
	c, ok := r.mgr.Store().(compacter)
	if !ok {
		return fmt.Errorf("statetemplate: Compact: %T: %w", r.mgr.Store(), errors.ErrUnsupported)
	}
	return c.Compact(ctx)
}

// Stats describes a renderer's sessions, its session file and its cache.
type Stats struct {
	// Sessions is the number of stored sessions.
	Sessions int
	// Provisional and ProvisionalBytes are the provisional sessions held in
	// memory (page loads whose page has not connected; see Provisional) and
	// their estimated size.
	Provisional      int
	ProvisionalBytes int64
	// File is the session file's statistics (zero without WithBoltStore).
	File bolt.Stats
	// Cache counts the hot-session cache's hits and misses (zero without one).
	Cache cache.Metrics
	// RenderCache counts the shared render cache's hits and misses (zero
	// without WithRenderCache).
	RenderCache cache.Metrics
}

// Stats returns the renderer's statistics. It costs O(1).
func (r *Renderer) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	n, err := r.mgr.Store().Count(ctx)
	if err != nil {
		return st, err
	}
	st.Sessions = n
	st.Provisional, st.ProvisionalBytes = r.mgr.Provisional()
	if f, ok := r.mgr.Store().(fileStatser); ok {
		if st.File, err = f.Stats(); err != nil {
			return st, err
		}
	}
	if b, ok := r.mgr.Store().(*boltStore); ok {
		st.Cache = b.hot.Metrics()
	}
	if r.pages != nil {
		st.RenderCache = r.pages.pages.Metrics()
	}
	return st, nil
}
