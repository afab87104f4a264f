package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

// entry is one stored session as the commands see it.
type entry struct {
	ID session.ID
	// Bytes is the size of the stored CBOR record.
	Bytes int
	// Raw is the stored CBOR record, for show on a corrupt record.
	Raw []byte
	// Rec is the decoded record; nil when Err is set.
	Rec *session.Record
	// Err wraps session.ErrCorruptRecord when the record does not decode.
	Err error
}

// errStop ends a walk early without an error (list --limit, show).
var errStop = errors.New("stop")

// scan calls fn for every stored session, in ID order, with the guards
// of guarded: a damaged file yields an error wrapping errDamaged rather
// than a panic or a hang. Keys that go backwards mean a damaged page
// (bbolt would otherwise loop through it), so they end the walk too.
// Progress (sessions walked) is drawn as label when f enables it.
func (a *app) scan(ctx context.Context, f *cmdFlags, st *bolt.Store, label string, fn func(e entry) error) error {
	stats, err := st.Stats()
	if err != nil {
		return err
	}
	prog := a.progressFor(f, label, "sessions", int64(stats.Sessions))
	var (
		n    int64
		prev session.ID
	)
	err = guarded(walkLimit(stats.FileSize), func() error {
		return st.ForEach(ctx, func(id session.ID, raw []byte, rec *session.Record, err error) error {
			if !id.IsZero() {
				if n > 0 && bytes.Compare(id[:], prev[:]) <= 0 {
					return fmt.Errorf("%w: session %s follows %s out of key order", errDamaged, id.Short(), prev.Short())
				}
				prev = id
			}
			n++
			prog.Update(n)
			return fn(entry{ID: id, Bytes: len(raw), Raw: raw, Rec: rec, Err: err})
		})
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if err == nil {
		prog.Done(n)
	} else {
		prog.Abort()
	}
	return err
}

// closeStore closes st unless a walk is stuck inside it (errStuck): its
// read transaction never ends, so Close would wait for ever. The process
// is about to exit, which releases the file.
func closeStore(st *bolt.Store, walkErr error) {
	if errors.Is(walkErr, errStuck) {
		return
	}
	_ = st.Close()
}
