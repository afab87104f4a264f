package statetemplate

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"log/slog"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/token"
)

// Renderer renders one template for many isolated sessions. Create it once
// with New and share it; every method is safe for concurrent use.
type Renderer struct {
	tmpl    *template.Template // its own copy of the template New was given (own)
	mgr     *session.Manager
	types   *session.Types
	logger  *slog.Logger
	durable bool
	pages   *renderCache // nil without WithRenderCache
	inc     *incremental // nil with WithFullRendering
}

// New returns a Renderer for tmpl. It fails when an option is invalid (a
// key under 32 bytes, a store that cannot open). Close releases it.
//
// New works from a copy of tmpl taken when it is called: the Renderer never
// executes tmpl itself, so tmpl stays fit to clone or to give to another
// New, and templates added to tmpl's set after New, or functions bound by
// a later Funcs, are not seen by it, whether it renders pages whole or
// part by part. A template executed before New cannot be copied: the
// Renderer then renders every page whole, from tmpl itself (New logs a
// warning), and sees the functions a later Funcs binds; html/template
// refuses new templates in an executed set.
func New(tmpl *template.Template, opts ...Option) (*Renderer, error) {
	if tmpl == nil {
		return nil, fmt.Errorf("%w: nil template", errInvalidOption)
	}
	c := config{maxDataBytes: DefaultMaxDataBytes}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	var inc *incremental
	if !c.fullRendering {
		var err error
		if inc, err = newIncremental(tmpl, &c); err != nil {
			return nil, err
		}
	}
	store := c.store
	if c.openStore != nil {
		s, err := c.openStore(&c)
		if err != nil {
			inc.close()
			return nil, err
		}
		store = s
	}
	defaulted := store == nil
	if defaulted {
		store = c.defaultStore()
	}
	keys, err := c.keyring(store)
	if err != nil {
		store.Close()
		inc.close()
		return nil, err
	}
	types := &session.Types{}
	if err := types.Register(c.dataTypes...); err != nil {
		store.Close()
		inc.close()
		return nil, fmt.Errorf("%w: WithDataTypes: %v", errInvalidOption, err)
	}
	// The default memory store keeps the cap itself, evicting; the manager
	// refuses sessions past it for every other store.
	maxSessions := 0
	if c.maxSessionsSet && !defaulted {
		maxSessions = c.maxSessions
	}
	var pages *renderCache
	if c.renderCacheBudget > 0 {
		if pages, err = newRenderCache(c.renderCacheBudget); err != nil {
			store.Close()
			inc.close()
			return nil, err
		}
	}
	cleanup := c.cleanupInterval
	mine := own(tmpl)
	mgr, err := session.NewManager(session.Config{
		Store:             store,
		Keys:              keys,
		Render:            renderFunc(mine),
		Types:             types,
		Cache:             c.cache,
		RenderCache:       pages.orNil(),
		Incremental:       inc.orNil(),
		DataChanged:       c.dataChanged,
		Expiration:        c.expiration,
		IdleTimeout:       c.idleTimeout,
		CleanupInterval:   cleanup,
		IdleCompaction:    c.idleCompaction,
		MaxSessions:       maxSessions,
		MaxDataBytes:      c.maxDataBytes,
		ProvisionalTTL:    c.provisionalTTL,
		ProvisionalBudget: c.provisionalBudget,
		Logger:            c.logger,
		Now:               c.now,
	})
	if err != nil {
		store.Close()
		pages.close()
		inc.close()
		return nil, err
	}
	return &Renderer{tmpl: mine, mgr: mgr, types: types, logger: c.logger, durable: session.IsDurable(store), pages: pages, inc: inc}, nil
}

// own is the template a Renderer executes when it renders a page whole: a
// copy of tmpl, so that rendering never executes the caller's template,
// which an executed template would leave unfit for another New (it could
// only render whole); tmpl itself when it was executed already.
func own(tmpl *template.Template) *template.Template {
	if c, err := tmpl.Clone(); err == nil {
		return c
	}
	return tmpl
}

// renderFunc executes tmpl, or the template of its set called name.
func renderFunc(tmpl *template.Template) session.RenderFunc {
	return func(w io.Writer, name string, data any) error {
		if name == "" {
			return tmpl.Execute(w, data)
		}
		return tmpl.ExecuteTemplate(w, name, data)
	}
}

// HasTemplate reports whether name is "" (the renderer's own template) or
// a template of its set, one that SessionTemplate and Session.Navigate
// accept.
func (r *Renderer) HasTemplate(name string) bool { return r.checkTemplate(name) == nil }

// RegisterDataTypes registers more data types, as WithDataTypes does, after
// New: package live registers its App's type so that a durable store
// restores it without the app naming it twice.
func (r *Renderer) RegisterDataTypes(samples ...any) error {
	if err := r.types.Register(samples...); err != nil {
		return fmt.Errorf("%w: RegisterDataTypes: %v", errInvalidOption, err)
	}
	return nil
}

// checkTemplate returns an error wrapping ErrTemplateNotFound unless name
// is "" (the renderer's own template) or a template of its set.
func (r *Renderer) checkTemplate(name string) error {
	if name != "" && r.tmpl.Lookup(name) == nil {
		return fmt.Errorf("%w: %q is not defined in the renderer's template set", ErrTemplateNotFound, name)
	}
	return nil
}

// keyring builds the token keyring: the configured keys, else a key kept
// by a durable store, else a random per-process key.
func (c *config) keyring(store session.Store) (*token.Keyring, error) {
	if len(c.keys) > 0 {
		k, err := token.NewKeyring(c.keys[0], c.keys[1:]...)
		if err != nil {
			return nil, fmt.Errorf("%w: WithSecurity: %w", errInvalidOption, err)
		}
		return k, nil
	}
	secret := token.NewSecret()
	if kk, ok := store.(session.KeyKeeper); ok {
		var err error
		secret, err = kk.LoadOrCreateKey(context.Background(), token.NewSecret)
		if err != nil {
			return nil, fmt.Errorf("statetemplate: loading the signing key from the store: %w", err)
		}
	}
	return token.NewKeyring(secret)
}

// Close stops background work and closes the store, flushing pending
// writes. Sessions in a durable store survive it.
func (r *Renderer) Close() error {
	err := r.mgr.Close()
	r.pages.close()
	r.inc.close()
	return err
}

// CreateSession stores a new session holding data and returns its token.
// ctx bounds the creation only; the session lives until it expires or is
// invalidated. With a durable store, data's type must have been passed to
// WithDataTypes.
func (r *Renderer) CreateSession(ctx context.Context, data any, opts ...SessionOption) (string, error) {
	var o session.CreateOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.Expiration < 0 || o.IdleTimeout < 0 {
		return "", fmt.Errorf("%w: SessionExpiration(%v), SessionIdleTimeout(%v): must not be negative",
			errInvalidOption, o.Expiration, o.IdleTimeout)
	}
	if err := r.checkTemplate(o.Template); err != nil {
		return "", err
	}
	return r.mgr.Create(ctx, data, o)
}

// RenderPage renders the full page for the session's current data. The
// browser is assumed to show this page from now on: the session's next
// RenderFragments is computed against it.
func (r *Renderer) RenderPage(token string) (string, error) {
	return r.mgr.Page(context.Background(), token)
}

// GetSession returns a live handle on the session token names. Handles on
// one session share its state. Close the handle when done with it.
func (r *Renderer) GetSession(token string) (*Session, error) {
	h, err := r.mgr.Open(context.Background(), token)
	if err != nil {
		return nil, err
	}
	return &Session{h: h, r: r}, nil
}

// InvalidateSession ends the session token names. Its tokens stop working
// and open handles fail with ErrSessionNotFound.
func (r *Renderer) InvalidateSession(token string) error {
	return r.mgr.Invalidate(context.Background(), token)
}

// ValidateToken reports whether token opens a live session.
func (r *Renderer) ValidateToken(token string) bool {
	return r.mgr.Validate(context.Background(), token)
}

// RefreshToken returns a new token for the session old names, sealed with
// the current key; old stops working. The session's expiry is unchanged.
func (r *Renderer) RefreshToken(old string) (string, error) {
	return r.mgr.Refresh(context.Background(), old)
}

// Sweep deletes expired sessions now, rather than at the next cleanup
// tick, and returns how many it deleted. It then compacts the sessions
// idle for longer than WithIdleCompaction's delay, as the sweeper does
// every half of that delay.
func (r *Renderer) Sweep(ctx context.Context) (int, error) {
	n, err := r.mgr.Sweep(ctx)
	if err != nil {
		return n, err
	}
	_, err = r.mgr.CompactIdle(ctx)
	return n, err
}
