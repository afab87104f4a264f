package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

// BenchmarkDetail is the per-session cost of export and show: decode the
// data generically and render it, with the fixture's dashboard record.
func BenchmarkDetail(b *testing.B) {
	rec := fixtureRecords(b)[0]
	raw, err := session.EncodeRecord(rec)
	require.NoError(b, err)
	e := entry{ID: rec.ID, Bytes: len(raw), Rec: rec}
	for _, redactStrings := range []bool{false, true} {
		name := "plain"
		if redactStrings {
			name = "redact"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := marshalLine(newDetail(e, t0, redactStrings)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCommands runs whole commands on a file of 5,000 sessions; the
// figure is per command run, ns/session is reported alongside.
func BenchmarkCommands(b *testing.B) {
	const n = 5000
	path := filepath.Join(b.TempDir(), "sessions.db")
	st, err := bolt.Open(path)
	require.NoError(b, err)
	var g errgroup.Group
	g.SetLimit(64)
	for i := range n {
		g.Go(func() error { return st.Create(context.Background(), bulkRecord(b, i, t0, time.Hour)) })
	}
	require.NoError(b, g.Wait())
	require.NoError(b, st.Close())

	for _, args := range [][]string{
		{"list", path}, {"list", "--json", path}, {"export", path}, {"check", path}, {"stats", path},
	} {
		b.Run(args[0]+map[bool]string{true: "-json", false: ""}[args[1] == "--json"], func(b *testing.B) {
			a := &app{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard, now: func() time.Time { return t0 }, lockTimeout: time.Second}
			for b.Loop() {
				if code := a.run(args); code != exitOK {
					b.Fatalf("%v: exit %d", args, code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/session")
		})
	}
}
