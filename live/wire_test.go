package live_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

func TestEncodeBatch_RoundTripsEveryAction(t *testing.T) {
	tests := []struct {
		name string
		u    statetemplate.Update
		wire string
	}{
		{"replace", statetemplate.Update{FragmentID: "a", Action: statetemplate.ActionReplace, HTML: `<p id="a">1</p>`},
			"\x1era\x1f<p id=\"a\">1</p>"},
		{"replace the body", statetemplate.Update{Action: statetemplate.ActionReplace, HTML: `<body><p>x</p></body>`},
			"\x1er\x1f<body><p>x</p></body>"},
		{"append", statetemplate.Update{FragmentID: "l", Action: statetemplate.ActionAppend, HTML: "\n  <li id=\"3\">c</li>"},
			"\x1eal\x1f\n  <li id=\"3\">c</li>"},
		{"remove", statetemplate.Update{FragmentID: "task-3", Action: statetemplate.ActionRemove},
			"\x1extask-3"},
		{"insertAfter", statetemplate.Update{FragmentID: "2", Action: statetemplate.ActionInsertAfter, TargetID: "1", HTML: `<li id="2">b</li>`},
			"\x1ei2\x1f1\x1f<li id=\"2\">b</li>"},
		{"insertBefore", statetemplate.Update{FragmentID: "0", Action: statetemplate.ActionInsertBefore, TargetID: "1", HTML: `<li id="0">z</li>`},
			"\x1eb0\x1f1\x1f<li id=\"0\">z</li>"},
		{"text", statetemplate.Update{FragmentID: "count", Action: statetemplate.ActionText, HTML: "Tom &amp; Jerry"},
			"\x1etcount\x1fTom &amp; Jerry"},
		{"attrs", statetemplate.Update{FragmentID: "b", Action: statetemplate.ActionAttrs, HTML: "\n  <button id=\"b\" disabled>"},
			"\x1esb\x1f\n  <button id=\"b\" disabled>"},
		{"title", statetemplate.Update{Action: statetemplate.ActionTitle, HTML: "Inbox (3)"},
			"\x1eT\x1fInbox (3)"},
		{"data_changed", statetemplate.Update{FragmentID: "c", Action: statetemplate.ActionText, HTML: "2", DataChanged: []string{"Counter", "Tasks.3.Done"}},
			"\x1ed\x1fCounter\x1fTasks.3.Done\x1etc\x1f2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := live.EncodeBatch(live.Batch{Updates: []statetemplate.Update{tc.u}})
			require.NoError(t, err)
			assert.Equal(t, tc.wire, string(b))
			back, err := live.DecodeBatch(b)
			require.NoError(t, err)
			assert.Equal(t, live.Batch{Updates: []statetemplate.Update{tc.u}}, back)
		})
	}
}

func TestEncodeBatch_SendsOnlyWhatTheClientUses(t *testing.T) {
	ups := []statetemplate.Update{
		{FragmentID: "count", Action: statetemplate.ActionText, HTML: "Count: 2", HTMLHash: "0123456789abcdef"},
		{FragmentID: "task-3", Action: statetemplate.ActionRemove},
	}
	b, err := live.EncodeBatch(live.Batch{Updates: ups, Ack: 17})
	require.NoError(t, err)
	assert.Equal(t, "\x1etcount\x1fCount: 2\x1extask-3\x1ek17", string(b), "no hash, no timestamp, no escaping; the ack last")
	assert.Len(t, b, 28)
}

func TestEncodeBatch_AnAckAloneIsARecord(t *testing.T) {
	b, err := live.EncodeBatch(live.Batch{Ack: 3})
	require.NoError(t, err)
	assert.Equal(t, "\x1ek3", string(b))
	back, err := live.DecodeBatch(b)
	require.NoError(t, err)
	assert.Equal(t, live.Batch{Ack: 3}, back)
}

func TestEncodeBatch_TheAckFollowsTheBatchsSeparator(t *testing.T) {
	b, err := live.EncodeBatch(live.Batch{Updates: []statetemplate.Update{{FragmentID: "p", Action: statetemplate.ActionText, HTML: "a\x1eb"}}, Ack: 9})
	require.NoError(t, err)
	assert.Equal(t, "\x1ctp\x1da\x1eb\x1ck9", string(b))
	back, err := live.DecodeBatch(b)
	require.NoError(t, err)
	assert.Equal(t, int64(9), back.Ack)
}

func TestEncodeBatch_NothingToApplyIsNoMessage(t *testing.T) {
	for _, ups := range [][]statetemplate.Update{nil, {{IsNoOp: true}}} {
		b, err := live.EncodeBatch(live.Batch{Updates: ups})
		require.NoError(t, err)
		assert.Nil(t, b)
	}
}

func TestEncodeBatch_FailsOnAnActionWithoutAWireForm(t *testing.T) {
	_, err := live.EncodeBatch(live.Batch{Updates: []statetemplate.Update{{FragmentID: "a", Action: "morph"}}})
	assert.Error(t, err)
}

func TestEncodeBatch_ChoosesSeparatorsNoFieldHolds(t *testing.T) {
	var allC0 strings.Builder
	for c := byte(1); c < 0x20; c++ {
		allC0.WriteByte(c)
	}
	tests := []struct {
		name string
		html string
		sep  rune
	}{
		{"the usual pair", "plain", 0x1e},
		{"U+001F in the html", "a\x1fb", 0x1c},
		{"U+001E in the html", "a\x1eb", 0x1c},
		{"every control", allC0.String(), 0xe000},
		{"every control and the first private-use pair", allC0.String() + "\ue001", 0xe002},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := statetemplate.Update{FragmentID: "p", Action: statetemplate.ActionText, HTML: tc.html}
			b, err := live.EncodeBatch(live.Batch{Updates: []statetemplate.Update{u}})
			require.NoError(t, err)
			r, _ := utf8.DecodeRune(b)
			assert.Equal(t, tc.sep, r)
			back, err := live.DecodeBatch(b)
			require.NoError(t, err)
			assert.Equal(t, []statetemplate.Update{u}, back.Updates)
		})
	}
}

func TestEncodeBatch_InvalidUTF8BecomesTheReplacementCharacter(t *testing.T) {
	html := "<p id=\"p\">caf\xe9 \xff ok</p>"
	in := []statetemplate.Update{{FragmentID: "p\xff", Action: statetemplate.ActionReplace, HTML: html}}
	b, err := live.EncodeBatch(live.Batch{Updates: in})
	require.NoError(t, err)
	assert.True(t, utf8.Valid(b), "a text message is UTF-8")
	back, err := live.DecodeBatch(b)
	require.NoError(t, err)
	assert.Equal(t, "<p id=\"p\">caf\uFFFD \uFFFD ok</p>", back.Updates[0].HTML)
	assert.Equal(t, "p\uFFFD", back.Updates[0].FragmentID)
	assert.Equal(t, html, in[0].HTML, "the caller's updates are not modified")
}

func TestDecodeBatch_RejectsWhatIsNotABatch(t *testing.T) {
	tests := []struct{ name, msg string }{
		{"empty", ""},
		{"JSON", `{"ack":1}`},
		{"an empty record", "\x1e"},
		{"an unknown operation", "\x1eza\x1fx"},
		{"a replace without html", "\x1era"},
		{"a remove with html", "\x1exa\x1f<p>"},
		{"an insert without a target", "\x1eia\x1f<p id=a>"},
		{"not UTF-8", "\x1etc\x1f\xff"},
		{"an ack that is not a number", "\x1ekx"},
		{"an ack of 0", "\x1ek0"},
		{"an ack with a sign", "\x1ek+5"},
		{"an ack with a field", "\x1ek5\x1fx"},
		{"a separator whose next is a surrogate", "\ud7ffta"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := live.DecodeBatch([]byte(tc.msg))
			assert.True(t, errors.Is(err, live.ErrBadUpdates), "%v", err)
		})
	}
}

// FuzzDecodeBatch runs the decoder, a model of the browser client's, on
// any message: it fails with ErrBadUpdates or gives a batch that encodes
// and decodes back to itself.
func FuzzDecodeBatch(f *testing.F) {
	for _, s := range []string{
		"\x1etcount\x1fCount: 2\x1extask-3",
		"\x1ed\x1fCounter\x1etc\x1f2",
		"\x1ei2\x1f1\x1f<li id=\"2\">b</li>\x1eT\x1fTitle",
		"\x1cta\x1d\x1e\x1f",
		"\ue000ta\ue001\x01",
		"\x1esb\x1f\n <b id=b>",
		"\x1etc\x1f1\x1ek12",
		"\x1ek7",
		"[]",
		"\x1e\x1e",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		batch, err := live.DecodeBatch(msg)
		if err != nil {
			if !errors.Is(err, live.ErrBadUpdates) {
				t.Fatalf("error %v does not wrap ErrBadUpdates", err)
			}
			return
		}
		b, err := live.EncodeBatch(batch)
		if err != nil {
			t.Fatalf("a decoded batch does not encode: %v", err)
		}
		if len(batch.Updates) == 0 && batch.Ack == 0 { // data_changed records alone
			require.Nil(t, b, "a batch with nothing to tell encodes to nothing")
			return
		}
		again, err := live.DecodeBatch(b)
		if err != nil {
			t.Fatalf("re-encoded %q does not decode: %v", b, err)
		}
		require.Equal(t, batch, again)
	})
}

// FuzzEncodeBatch checks that any strings round-trip, whatever
// characters they hold.
func FuzzEncodeBatch(f *testing.F) {
	f.Add("task-1", "task-0", "<li id=\"task-1\">\x1e\x1f</li>", "Tasks.1")
	f.Add("", "", "\x01\x02\x03\ue000\ue001", "")
	f.Add("a\xff", "b", "caf\xe9", "P\x00")
	f.Fuzz(func(t *testing.T, id, target, html, path string) {
		in := []statetemplate.Update{
			{FragmentID: id, Action: statetemplate.ActionInsertAfter, TargetID: target, HTML: html, DataChanged: []string{path}},
			{FragmentID: target, Action: statetemplate.ActionText, HTML: html},
		}
		b, err := live.EncodeBatch(live.Batch{Updates: in, Ack: 1})
		require.NoError(t, err)
		require.True(t, utf8.Valid(b))
		batch, err := live.DecodeBatch(b)
		require.NoError(t, err, "%q", b)
		require.Equal(t, int64(1), batch.Ack)
		out := batch.Updates
		valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
		require.Len(t, out, 2)
		assert.Equal(t, valid(id), out[0].FragmentID)
		assert.Equal(t, valid(target), out[0].TargetID)
		assert.Equal(t, valid(html), out[0].HTML)
		assert.Equal(t, []string{valid(path)}, out[0].DataChanged)
		assert.Equal(t, valid(html), out[1].HTML)
	})
}

func TestDecodeBatch_ToleratesWhatTheClientIgnores(t *testing.T) {
	tests := []struct {
		name, msg string
		want      []statetemplate.Update
	}{
		{"data_changed last", "\x1etc\x1f1\x1ed\x1fCounter",
			[]statetemplate.Update{{FragmentID: "c", Action: statetemplate.ActionText, HTML: "1"}}},
		{"data_changed without paths", "\x1ed\x1etc\x1f1",
			[]statetemplate.Update{{FragmentID: "c", Action: statetemplate.ActionText, HTML: "1"}}},
		{"two data_changed in a row: the last", "\x1ed\x1fA\x1ed\x1fB\x1etc\x1f1",
			[]statetemplate.Update{{FragmentID: "c", Action: statetemplate.ActionText, HTML: "1", DataChanged: []string{"B"}}}},
		{"a title with an id", "\x1eTa\x1fx",
			[]statetemplate.Update{{FragmentID: "a", Action: statetemplate.ActionTitle, HTML: "x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := live.DecodeBatch([]byte(tc.msg))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Updates)
		})
	}
}
