package main

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGuarded_TurnsPanicsAndStuckWalksIntoDamage(t *testing.T) {
	t.Run("result passes through", func(t *testing.T) {
		want := errors.New("plain")
		assert.NoError(t, guarded(time.Minute, func() error { return nil }))
		assert.Same(t, want, guarded(time.Minute, func() error { return want }))
	})
	t.Run("panic", func(t *testing.T) {
		err := guarded(time.Minute, func() error { panic("assertion failed: page 7") })
		require.ErrorIs(t, err, errDamaged)
		assert.NotErrorIs(t, err, errStuck)
		assert.Contains(t, err.Error(), "page 7")
	})
	t.Run("memory fault", func(t *testing.T) {
		err := guarded(time.Minute, func() error {
			var p *[1 << 20]byte
			return errors.New(string(p[1<<19])) // nil dereference far from 0
		})
		require.ErrorIs(t, err, errDamaged)
	})
	t.Run("stuck", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release) // lets the abandoned goroutine end, for goleak
		err := guarded(10*time.Millisecond, func() error { <-release; return nil })
		require.ErrorIs(t, err, errStuck)
		require.ErrorIs(t, err, errDamaged)
	})
}

func TestWalkLimit_GrowsWithTheFile(t *testing.T) {
	assert.Equal(t, time.Minute, walkLimit(0))
	assert.Greater(t, walkLimit(10<<30), walkLimit(1<<30))
}
