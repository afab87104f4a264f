package session_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/session"
)

// BenchmarkSealer_SealInto_Ticker seals the records of 100 ticker tabs
// sharing one data encoding and fragment state (a watchlist's group in a
// push), into one reused buffer, as the bolt store's lazy flush does:
// ns/op is one record, its state encoded once per Sealer.
//
//	go test -run '^$' -bench 'Sealer_SealInto' ./session
func BenchmarkSealer_SealInto_Ticker(b *testing.B) {
	m := fixture.NewMarket(1)
	d := m.NewTickerTab(fixture.TickerWatchlist(0)...)
	var page bytes.Buffer
	require.NoError(b, fixture.NewTickerTemplate().Execute(&page, d))
	st, err := fragments.NewState(page.Bytes())
	require.NoError(b, err)
	enc, err := session.EncodeData(d)
	require.NoError(b, err)
	now := time.Now().UTC()
	recs := make([]*session.Record, 100)
	for i := range recs {
		recs[i] = &session.Record{
			Format: session.FormatVersion, ID: session.NewID(), Rev: 2,
			Created: now, LastAccess: now, ExpiresAt: now.Add(24 * time.Hour),
			DataType: "fixture.TickerData", Data: enc, Fragments: st,
		}
	}
	header := make([]byte, 17)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	var sl session.Sealer
	for i := range b.N {
		if i%len(recs) == 0 {
			sl = session.Sealer{} // one per flush
		}
		v, err := sl.SealInto(buf, header, recs[i%len(recs)])
		if err != nil {
			b.Fatal(err)
		}
		buf = v
	}
}
