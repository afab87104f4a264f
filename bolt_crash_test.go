package statetemplate

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/storage/bolt"
)

// TestBoltCrash_EveryCreatedSessionSurvivesKill9 kills a child that is
// creating and updating sessions with SIGKILL at a random moment, 20
// times on one file. After each kill the file opens, every session whose
// CreateSession had returned (the child prints it right after) is there
// and renders, and every update flushed by Session.Close is there too.
func TestBoltCrash_EveryCreatedSessionSurvivesKill9(t *testing.T) {
	defer goleak.VerifyNone(t)
	const kills = 20
	path := filepath.Join(t.TempDir(), "sessions.db")
	ctx := context.Background()
	type created struct {
		i   int
		tok string
	}
	var all []created
	checkedUpdates := 0
	for round := range kills {
		cmd, out := startBoltChild(t, "crash", path, "")
		lines := childLines(out)
		var got []created
		updated := map[int]bool{}
		first, ok := <-lines
		require.True(t, ok, "round %d: child created nothing", round)
		if round == 0 { // the file is held by another process: a clear error, not a hang
			_, err := New(boltTmpl(), WithBoltStore(path, bolt.WithOpenTimeout(100*time.Millisecond)), WithDataTypes(&boltPage{}))
			require.ErrorIs(t, err, bolt.ErrFileInUse)
			require.ErrorIs(t, err, ErrStoreUnavailable)
		}
		deadline := time.After(time.Duration(20+rand.IntN(250)) * time.Millisecond)
	read:
		for l := first; ; {
			f := strings.Fields(l)
			require.Len(t, f, 2, "round %d: line %q", round, l)
			if f[0] == "U" {
				i, err := strconv.Atoi(f[1])
				require.NoError(t, err)
				updated[i] = true
			} else {
				i, err := strconv.Atoi(f[0])
				require.NoError(t, err)
				got = append(got, created{i, f[1]})
			}
			select {
			case l, ok = <-lines:
				if !ok {
					break read
				}
			case <-deadline:
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				for l := range lines { // lines written before the kill count too
					f := strings.Fields(l)
					if len(f) != 2 { // the last line may be cut by the kill
						continue
					}
					if f[0] == "U" {
						i, _ := strconv.Atoi(f[1])
						updated[i] = true
					} else if i, err := strconv.Atoi(f[0]); err == nil && len(f[1]) > 20 {
						got = append(got, created{i, f[1]})
					}
				}
				break read
			}
		}
		_ = cmd.Wait()
		require.NotEmpty(t, got)

		r, err := newBoltRenderer(path, "")
		require.NoError(t, err, "round %d: the file must open after kill -9", round)
		for _, c := range got {
			require.True(t, r.ValidateToken(c.tok), "round %d: session %d was created before the kill", round, c.i)
			page, err := r.RenderPage(c.tok)
			require.NoError(t, err)
			require.Contains(t, page, "Session "+strconv.Itoa(c.i)+"<")
			if updated[c.i] {
				checkedUpdates++
				require.Contains(t, page, "item 1 of "+strconv.Itoa(c.i)+"<", "round %d: session %d's flushed update was lost", round, c.i)
			}
		}
		require.NoError(t, r.Close())
		all = append(all, got...)
	}
	t.Logf("%d sessions reported created, %d updates reported flushed, across %d kills", len(all), checkedUpdates, kills)
	require.Positive(t, checkedUpdates, "the child flushed updates before the kills")

	ro, err := bolt.OpenReadOnly(path, time.Second)
	require.NoError(t, err)
	rep, err := ro.Check(ctx)
	require.NoError(t, err)
	require.NoError(t, ro.Close())
	require.True(t, rep.Consistent(), "index, sessions and count agree after the crashes: %+v", rep)

	r, err := newBoltRenderer(path, "")
	require.NoError(t, err)
	defer r.Close()
	for _, c := range all {
		require.True(t, r.ValidateToken(c.tok), "session %d lost after later crashes", c.i)
	}
	st, err := r.Stats(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, st.Sessions, len(all))
}
