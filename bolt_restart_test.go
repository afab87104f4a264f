package statetemplate

import (
	"bufio"
	"context"
	"encoding/hex"
	"html/template"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
)

func TestBoltRestart_EverySessionSurvivesAGracefulRestart(t *testing.T) {
	cases := []struct {
		name   string
		keyHex string
	}{
		{"key kept in the file", ""},
		{"configured key", hex.EncodeToString([]byte("a configured 32-byte signing key"))},
	}
	const sessions = 1000
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sessions.db")
			cmd, out := startBoltChild(t, "restart", path, tc.keyHex, boltCountEnv+"="+strconv.Itoa(sessions))
			var lines []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			require.NoError(t, cmd.Wait(), "child failed")
			require.Len(t, lines, sessions)

			r, err := newBoltRenderer(path, tc.keyHex)
			require.NoError(t, err)
			defer r.Close()
			control, err := New(template.Must(template.New("page").Parse(boltTemplate)))
			require.NoError(t, err)
			defer control.Close()
			st, err := r.Stats(context.Background())
			require.NoError(t, err)
			require.Equal(t, sessions, st.Sessions)

			ctx := context.Background()
			for _, line := range lines {
				f := strings.Fields(line)
				require.Len(t, f, 3)
				i, _ := strconv.Atoi(f[0])
				tok, hash := f[1], f[2]
				require.True(t, r.ValidateToken(tok), "session %d: token must validate after restart", i)

				s, err := r.GetSession(tok)
				require.NoError(t, err)
				same, err := s.RenderFragments(ctx, boltData(i, 1))
				require.NoError(t, err)
				require.Len(t, same, 1)
				require.True(t, same[0].IsNoOp, "session %d: the restored state is the last update's", i)
				require.NoError(t, s.Close())

				page, err := r.RenderPage(tok)
				require.NoError(t, err)
				require.Equal(t, hash, pageHash(page), "session %d: page identical after restart", i)

				// The next update is exactly what a session that never
				// restarted sends.
				s, err = r.GetSession(tok)
				require.NoError(t, err)
				got, err := s.RenderFragments(ctx, boltData(i, 2))
				require.NoError(t, err)
				require.NoError(t, s.Close())
				ctok, err := control.CreateSession(ctx, boltData(i, 1))
				require.NoError(t, err)
				_, err = control.RenderPage(ctok)
				require.NoError(t, err)
				cs, err := control.GetSession(ctok)
				require.NoError(t, err)
				want, err := cs.RenderFragments(ctx, boltData(i, 2))
				require.NoError(t, err)
				require.NoError(t, cs.Close())
				require.Equal(t, stripTimes(want), stripTimes(got), "session %d: next update minimal", i)
			}
		})
	}
}

func stripTimes(us []fragments.Update) []fragments.Update {
	out := make([]fragments.Update, len(us))
	for i, u := range us {
		u.Timestamp = u.Timestamp.UTC().Truncate(1 << 62)
		out[i] = u
	}
	return out
}
