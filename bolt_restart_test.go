package statetemplate

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"html/template"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/fragments"
)

func TestBoltRestart_EverySessionSurvivesAGracefulRestart(t *testing.T) {
	defer goleak.VerifyNone(t)
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
			started := time.Now()
			cmd, out := startBoltChild(t, "restart", path, tc.keyHex, boltCountEnv+"="+strconv.Itoa(sessions))
			var lines []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			require.NoError(t, cmd.Wait(), "child failed")
			require.Len(t, lines, sessions)
			t.Logf("child: %v", time.Since(started))
			started = time.Now()
			defer func() { t.Logf("parent: %v", time.Since(started)) }()

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
			verify := func(line string) error {
				f := strings.Fields(line)
				if len(f) != 3 {
					return fmt.Errorf("bad line %q", line)
				}
				i, _ := strconv.Atoi(f[0])
				tok, hash := f[1], f[2]
				if !r.ValidateToken(tok) {
					return fmt.Errorf("session %d: token does not validate after restart", i)
				}
				s, err := r.GetSession(tok)
				if err != nil {
					return err
				}
				same, err := s.RenderFragments(ctx, boltData(i, 1))
				if err != nil {
					return err
				}
				if len(same) != 1 || !same[0].IsNoOp {
					return fmt.Errorf("session %d: the restored state is not the last update's: %+v", i, same)
				}
				if err := s.Close(); err != nil {
					return err
				}
				page, err := r.RenderPage(tok)
				if err != nil {
					return err
				}
				if pageHash(page) != hash {
					return fmt.Errorf("session %d: page differs after restart", i)
				}
				// The next update is exactly what a session that never
				// restarted sends.
				s, err = r.GetSession(tok)
				if err != nil {
					return err
				}
				got, err := s.RenderFragments(ctx, boltData(i, 2))
				if err != nil {
					return err
				}
				if err := s.Close(); err != nil {
					return err
				}
				ctok, err := control.CreateSession(ctx, boltData(i, 1))
				if err != nil {
					return err
				}
				if _, err := control.RenderPage(ctok); err != nil {
					return err
				}
				cs, err := control.GetSession(ctok)
				if err != nil {
					return err
				}
				defer cs.Close()
				want, err := cs.RenderFragments(ctx, boltData(i, 2))
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(stripTimes(want), stripTimes(got)) {
					return fmt.Errorf("session %d: next update not minimal:\n got %+v\nwant %+v", i, got, want)
				}
				return nil
			}
			errs := make([]error, len(lines))
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for k := w; k < len(lines); k += 8 {
						errs[k] = verify(lines[k])
					}
				})
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
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
