package resilient_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/livefir/statetemplate/session"
)

// flaky wraps a store with a switch that makes every call fail as an
// unreachable backend would, or hang until ctx ends.
type flaky struct {
	session.Store
	down atomic.Bool
	hang atomic.Bool
}

func (f *flaky) fail(ctx context.Context) error {
	if f.hang.Load() {
		<-ctx.Done()
		return fmt.Errorf("%w: hung: %w", session.ErrStoreUnavailable, ctx.Err())
	}
	if f.down.Load() {
		return fmt.Errorf("%w: test switch is down", session.ErrStoreUnavailable)
	}
	return nil
}

func (f *flaky) Create(ctx context.Context, r *session.Record) error {
	if err := f.fail(ctx); err != nil {
		return err
	}
	return f.Store.Create(ctx, r)
}

func (f *flaky) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return f.Store.Get(ctx, id)
}

func (f *flaky) Update(ctx context.Context, r *session.Record) error {
	if err := f.fail(ctx); err != nil {
		return err
	}
	return f.Store.Update(ctx, r)
}

func (f *flaky) Delete(ctx context.Context, id session.ID) error {
	if err := f.fail(ctx); err != nil {
		return err
	}
	return f.Store.Delete(ctx, id)
}

func (f *flaky) Expired(ctx context.Context, before time.Time, limit int) ([]session.ID, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return f.Store.Expired(ctx, before, limit)
}

func (f *flaky) HealthCheck(ctx context.Context) error {
	if err := f.fail(ctx); err != nil {
		return err
	}
	return f.Store.HealthCheck(ctx)
}

func (f *flaky) Count(ctx context.Context) (int, error) {
	if err := f.fail(ctx); err != nil {
		return 0, err
	}
	return f.Store.Count(ctx)
}

// flakyReplacer also forwards Replace, as the Redis store offers it.
type flakyReplacer struct{ *flaky }

func (f flakyReplacer) Replace(ctx context.Context, r *session.Record, storedRev uint64) error {
	if err := f.fail(ctx); err != nil {
		return err
	}
	return f.Store.(interface {
		Replace(context.Context, *session.Record, uint64) error
	}).Replace(ctx, r, storedRev)
}
