package main

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
)

// secrets returns every text and byte string value in v (decoded
// generically), byte strings also in the base64 form the JSON output
// would use. Map keys are not values: redaction keeps them.
func secrets(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if x != "" {
				out = append(out, x)
			}
		case []byte:
			if len(x) > 0 {
				out = append(out, string(x), base64.StdEncoding.EncodeToString(x))
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[any]any:
			for _, e := range x {
				walk(e)
			}
		case cbor.Tag:
			walk(x.Content)
		}
	}
	walk(v)
	return out
}

// TestRedact_ShowAndExportLeakNoStringValue searches the redacted output
// of every fixture session for every string of its data and every
// fragment id, and checks that the structure is still there.
func TestRedact_ShowAndExportLeakNoStringValue(t *testing.T) {
	dir := t.TempDir()
	recs := fixtureRecords(t)
	path := writeFixture(t, dir, "sessions.db", recs)

	export := runTool(t, t0, "export", "--redact", path)
	require.Equal(t, exitOK, export.code, export.stderr)
	for _, rec := range recs {
		show := runTool(t, t0, "show", "--redact", path, rec.ID.String())
		require.Equal(t, exitOK, show.code, show.stderr)

		data, err := session.DecodeGeneric(rec.Data)
		require.NoError(t, err)
		leaks := secrets(data)
		require.NotEmpty(t, leaks, "the fixture has strings to hide")
		if rec.Fragments != nil {
			leaks = append(leaks, rec.Fragments.IDs[1:]...)
		}
		for _, out := range []string{show.stdout, export.stdout} {
			for _, s := range leaks {
				assert.NotContains(t, out, s, "session %s", rec.ID.Short())
			}
			assert.Contains(t, out, rec.DataType, "type names stay")
		}
		assert.Contains(t, show.stdout, "<redacted ", "values are replaced, not dropped")
	}
	show := runTool(t, t0, "show", "--redact", path, idDashboard)
	for _, key := range []string{`"Title"`, `"Tasks"`, `"Visits"`, `"home"`, `"Counter": 42`, `"Due": "2026-01-04T03:04:05Z"`} {
		assert.Contains(t, show.stdout, key, "keys, numbers and times stay")
	}
}

// genValue generates data of any shape the generic decoder yields. Text
// values come from an alphabet disjoint from the keys', long enough not
// to occur in the output by chance.
func genValue(depth int) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		kinds := 7
		if depth <= 0 {
			kinds = 5
		}
		switch rapid.IntRange(0, kinds-1).Draw(t, "kind") {
		case 0:
			return rapid.StringMatching(`v[a-z0-9]{10,24}`).Draw(t, "text")
		case 1:
			return []byte(rapid.StringMatching(`b[a-z0-9]{10,24}`).Draw(t, "bytes"))
		case 2:
			return rapid.Int64().Draw(t, "int")
		case 3:
			return rapid.Bool().Draw(t, "bool")
		case 4:
			return time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "time"), 0).UTC()
		case 5:
			return rapid.SliceOfN(genValue(depth-1), 0, 4).Draw(t, "array")
		default:
			m := map[string]any{}
			for _, k := range rapid.SliceOfNDistinct(rapid.StringMatching(`K[A-Z]{3,6}`), 0, 4, rapid.ID[string]).Draw(t, "keys") {
				m[k] = genValue(depth-1).Draw(t, "value")
			}
			return m
		}
	})
}

// TestRedact_NoStringValueSurvivesAnyData is the property behind --redact:
// for random data and fragment ids, the redacted detail contains none of
// them, and always renders as JSON.
func TestRedact_NoStringValueSurvivesAnyData(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		value := genValue(3).Draw(t, "data")
		enc, err := session.EncodeData(value)
		require.NoError(t, err)
		ids := rapid.SliceOfNDistinct(rapid.StringMatching(`f[a-z0-9]{10,16}`), 0, 5, rapid.ID[string]).Draw(t, "fragment ids")
		st := &fragments.State{Format: 1, IDs: []string{""}, Parents: []uint32{0}, Hashes: []uint64{1}, Anchors: []uint32{0}}
		for i, id := range ids {
			st.IDs = append(st.IDs, id)
			st.Parents = append(st.Parents, uint32(i))
			st.Hashes = append(st.Hashes, uint64(i)*0x9e3779b97f4a7c15)
			st.Anchors = append(st.Anchors, uint32(i))
		}
		rec := &session.Record{Format: 1, ID: session.NewID(), Created: t0, LastAccess: t0, ExpiresAt: t0.Add(time.Hour),
			DataType: "*example.com/app.Data", Data: enc, Fragments: st}
		out, err := marshalLine(newDetail(entry{ID: rec.ID, Rec: rec}, t0, true))
		require.NoError(t, err)

		generic, err := session.DecodeGeneric(enc)
		require.NoError(t, err)
		for _, s := range append(secrets(generic), ids...) {
			require.NotContains(t, string(out), s)
		}
		for _, h := range st.Hashes[1:] {
			require.NotContains(t, string(out), hex16(h), "hashes of fragments are left out")
		}
	})
}
