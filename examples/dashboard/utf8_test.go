package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/storage/bolt"
)

// TestPageLoad_InvalidUTF8InTheQueryIsServedAndLeavesNoCorruptRecord: a
// visitor sending ?user=%FF%FE gets the page, not a 500, and the file
// holds no record statetemplate-dump check would call corrupt. (A page
// load stores nothing until its page connects; the root package's round
// trip tests store and restore such data.)
func TestPageLoad_InvalidUTF8InTheQueryIsServedAndLeavesNoCorruptRecord(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dashboard.db")
	s, err := newServer(config{db: db, logger: testLogger()})
	require.NoError(t, err)
	srv := httptest.NewServer(s.http.Handler)
	res, err := http.Get(srv.URL + "/?user=%FF%FE")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.shutdown(ctx))

	st, err := bolt.OpenReadOnly(db, time.Second)
	require.NoError(t, err)
	defer st.Close()
	rep, err := st.Check(ctx)
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
}
