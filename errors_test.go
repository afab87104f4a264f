package statetemplate_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
	"github.com/livefir/statetemplate/token"
)

// durable is a memory store that claims durability, so that the renderer
// applies the rules of durable stores (registered types, a refusing cap).
type durable struct{ *memory.Store }

func (durable) Durable() bool { return true }

// faulty is a memory store whose chosen methods fail with err.
type faulty struct {
	*memory.Store
	createErr, updateErr, getErr error
}

func (f *faulty) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	if f.getErr != nil {
		return nil, f.getErr
	}
	return f.Store.Get(ctx, id)
}

func (f *faulty) Create(ctx context.Context, r *session.Record) error {
	if f.createErr != nil {
		return f.createErr
	}
	return f.Store.Create(ctx, r)
}

func (f *faulty) Update(ctx context.Context, r *session.Record) error {
	if f.updateErr != nil {
		return f.updateErr
	}
	return f.Store.Update(ctx, r)
}

func TestErrors_EachPathWrapsItsSentinel(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		want error
		run  func(t *testing.T) error
	}{
		{"garbage token", statetemplate.ErrInvalidToken, func(t *testing.T) error {
			_, err := newRenderer(t).GetSession("garbage")
			return err
		}},
		{"tampered token", statetemplate.ErrInvalidToken, func(t *testing.T) error {
			r := newRenderer(t)
			tok := []byte(create(t, r, &page{}))
			tok[len(tok)/2] ^= 1
			_, err := r.RenderPage(string(tok))
			return err
		}},
		{"token of another renderer's key", statetemplate.ErrInvalidToken, func(t *testing.T) error {
			tok := create(t, newRenderer(t), &page{})
			return newRenderer(t).InvalidateSession(tok)
		}},
		{"expired token", statetemplate.ErrSessionExpired, func(t *testing.T) error {
			clk := newClock()
			r := newRenderer(t, statetemplate.WithClock(clk.Now))
			tok := create(t, r, &page{})
			clk.Advance(25 * 3600e9)
			_, err := r.RefreshToken(tok)
			return err
		}},
		{"session gone", statetemplate.ErrSessionNotFound, func(t *testing.T) error {
			store := sharedStore{memory.New(-1)}
			r := newRenderer(t, statetemplate.WithCustomStore(store), statetemplate.WithSecurity([]byte(strings.Repeat("k", 32))))
			tok := create(t, r, &page{})
			s, err := r.GetSession(tok)
			require.NoError(t, err)
			require.NoError(t, s.Close())
			n, _ := store.Expired(ctx, farFuture(), 10)
			require.Len(t, n, 1)
			require.NoError(t, store.Delete(ctx, n[0])) // removed behind the renderer's back
			_, err = r.GetSession(tok)
			return err
		}},
		{"closed handle", statetemplate.ErrSessionClosed, func(t *testing.T) error {
			r := newRenderer(t)
			s, err := r.GetSession(create(t, r, &page{}))
			require.NoError(t, err)
			require.NoError(t, s.Close())
			_, err = s.RenderFragments(ctx, &page{Count: 1})
			return err
		}},
		{"durable store at its cap", statetemplate.ErrMaxSessionsReached, func(t *testing.T) error {
			r := newRenderer(t, statetemplate.WithCustomStore(durable{memory.New(-1)}),
				statetemplate.WithMaxSessions(2), statetemplate.WithDataTypes(&page{}))
			create(t, r, &page{})
			create(t, r, &page{})
			_, err := r.CreateSession(ctx, &page{})
			return err
		}},
		{"unregistered type with a durable store", statetemplate.ErrUnregisteredType, func(t *testing.T) error {
			r := newRenderer(t, statetemplate.WithCustomStore(durable{memory.New(-1)}))
			_, err := r.CreateSession(ctx, &page{})
			return err
		}},
		{"store keeps finding the ID taken", statetemplate.ErrSessionIDExists, func(t *testing.T) error {
			r := newRenderer(t, statetemplate.WithCustomStore(&faulty{Store: memory.New(-1),
				createErr: session.ErrSessionIDExists}))
			_, err := r.CreateSession(ctx, &page{})
			return err
		}},
		{"store down", statetemplate.ErrStoreUnavailable, func(t *testing.T) error {
			closed := memory.New(-1)
			require.NoError(t, closed.Close())
			r := newRenderer(t, statetemplate.WithCustomStore(closed))
			_, err := r.CreateSession(ctx, &page{})
			return err
		}},
		{"another server wrote first", statetemplate.ErrConflict, func(t *testing.T) error {
			f := &faulty{Store: memory.New(-1)}
			r := newRenderer(t, statetemplate.WithCustomStore(f))
			s, err := r.GetSession(create(t, r, &page{}))
			require.NoError(t, err)
			defer s.Close()
			f.updateErr = session.ErrConflict
			_, err = s.RenderFragments(ctx, &page{Count: 1})
			return err
		}},
		{"short key", statetemplate.ErrInvalidOption, func(t *testing.T) error {
			_, err := statetemplate.New(pageTmpl, statetemplate.WithSecurity([]byte("short")))
			require.ErrorIs(t, err, token.ErrShortKey)
			return err
		}},
		{"negative per-session lifetime", statetemplate.ErrInvalidOption, func(t *testing.T) error {
			_, err := newRenderer(t).CreateSession(ctx, &page{}, statetemplate.SessionExpiration(-time.Second))
			return err
		}},
		{"nil template", statetemplate.ErrInvalidOption, func(t *testing.T) error {
			_, err := statetemplate.New(nil)
			return err
		}},
		{"bad session ID text", statetemplate.ErrInvalidSessionID, func(t *testing.T) error {
			_, err := session.ParseID("not-hex")
			return err
		}},
		{"template execution fails", errTemplate, func(t *testing.T) error {
			r := newRenderer(t)
			tok := create(t, r, &page{})
			s, err := r.GetSession(tok)
			require.NoError(t, err)
			defer s.Close()
			_, err = s.RenderFragments(ctx, struct{ Other int }{})
			var exec template.ExecError // html/template reports text/template's type
			if errors.As(err, &exec) {
				return fmt.Errorf("%w: %w", errTemplate, err)
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t)
			require.Error(t, err)
			require.ErrorIs(t, err, tc.want)
			require.NotContains(t, err.Error(), "%!", "badly formatted message")
		})
	}
}

// errTemplate marks an error that wraps the template's own ExecError.
var errTemplate = errors.New("template error surfaced")

func farFuture() time.Time { return time.Now().Add(1000 * time.Hour) }

func TestErrors_MessagesNameSessionByShortIDNeverToken(t *testing.T) {
	r := newRenderer(t)
	tok := create(t, r, &page{})
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	require.NoError(t, r.InvalidateSession(tok))
	_, err = s.RenderFragments(context.Background(), &page{Count: 1})
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound)
	require.Contains(t, err.Error(), s.ID()[:8])
	require.NotContains(t, err.Error(), tok)
	require.NotContains(t, err.Error(), s.ID(), "the full ID is not logged")
}
