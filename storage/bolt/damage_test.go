package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// damagePagesHolding overwrites the page id in the header of every page of
// the file that contains one of ids: bbolt asserts a page's id when it
// reads the page, so reading any of them panics inside bbolt.
func damagePagesHolding(t *testing.T, path string, ids []session.ID) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	pageSize := os.Getpagesize()
	damaged := 0
	for off := 4 * pageSize; off+pageSize <= len(b); off += pageSize {
		page := b[off : off+pageSize]
		for _, id := range ids {
			if bytes.Contains(page, id[:]) {
				binary.LittleEndian.PutUint64(page[0:8], 0xdeadbeef)
				damaged++
				break
			}
		}
	}
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return damaged
}

func TestDamagedPages_FailReadsAndStopWritesWithoutPanicking(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	now := time.Now().UTC()
	var ids []session.ID
	for i := range 200 {
		r := newRec(t, now, time.Hour, strings.Repeat("x", 200+i))
		require.NoError(t, s.Create(ctx, r))
		ids = append(ids, r.ID)
	}
	require.NoError(t, s.Close())
	require.Positive(t, damagePagesHolding(t, path, ids))

	s, err := Open(path)
	require.NoError(t, err, "the meta pages are intact, so the file opens")
	defer s.Close()

	failed := 0
	for _, id := range ids {
		_, err := s.Get(ctx, id)
		if err != nil {
			assert.ErrorIs(t, err, ErrDamagedFile)
			assert.ErrorIs(t, err, session.ErrStoreUnavailable)
			failed++
		}
	}
	require.Positive(t, failed, "reads of damaged pages fail instead of panicking")

	err = s.Create(ctx, newRec(t, now, time.Hour, "new"))
	require.ErrorIs(t, err, ErrDamagedFile, "a write through damaged pages fails")
	err = s.Create(ctx, newRec(t, now, time.Hour, "after"))
	require.ErrorIs(t, err, ErrDamagedFile, "and writes stay stopped")
	require.NoError(t, s.Close())
}
