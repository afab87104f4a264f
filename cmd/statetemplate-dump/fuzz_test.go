package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// FuzzDetail feeds arbitrary bytes to what show and export do with a
// stored record (it is input: the file may be damaged or foreign): decode
// it as a record, or use it as a record's data; render the detail plain
// and redacted. It must never panic, and the output must always be JSON.
// Seeds: testdata/fuzz/FuzzDetail.
func FuzzDetail(f *testing.F) {
	for _, rec := range fixtureRecords(f) {
		b, err := session.EncodeRecord(rec)
		require.NoError(f, err)
		f.Add(b)
		f.Add(rec.Data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var entries []entry
		if rec, err := session.DecodeRecord(b); err == nil {
			entries = append(entries, entry{ID: rec.ID, Bytes: len(b), Raw: b, Rec: rec})
		} else {
			entries = append(entries, entry{ID: session.ID{1}, Bytes: len(b), Raw: b, Err: err})
		}
		entries = append(entries, entry{ID: session.ID{2}, Bytes: len(b), Rec: &session.Record{
			Format: 1, ID: session.ID{2}, Created: t0, LastAccess: t0, ExpiresAt: t0, Data: b,
		}})
		for _, e := range entries {
			for _, redactStrings := range []bool{false, true} {
				var v any
				if e.Err != nil {
					v = newCorruptDetail(e, redactStrings)
				} else {
					v = newDetail(e, t0, redactStrings)
				}
				out, err := marshalLine(v)
				require.NoError(t, err)
				require.True(t, json.Valid(out), "%s", out)
			}
		}
	})
}
