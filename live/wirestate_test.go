package live_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

func textUpdate(id, s string) statetemplate.Update {
	return statetemplate.Update{FragmentID: id, Action: statetemplate.ActionText, HTML: s}
}

// pipe is one connection: what the encoder writes, the decoder reads.
type pipe struct {
	t   *testing.T
	enc live.Encoder
	dec live.Decoder
}

// send encodes ups, checks that they decode to themselves, and returns the
// message.
func (p *pipe) send(ups ...statetemplate.Update) string {
	p.t.Helper()
	b, err := p.enc.Encode(live.Batch{Updates: ups, Ack: 1})
	require.NoError(p.t, err)
	require.True(p.t, utf8.Valid(b))
	got, err := p.dec.Decode(b)
	require.NoError(p.t, err, "%q", b)
	assert.Equal(p.t, live.Batch{Updates: ups, Ack: 1}, got, "%q", b)
	return string(b)
}

func TestEncoder_NamesAnIdByItsNumberOnceSent(t *testing.T) {
	p := &pipe{t: t}
	first := p.send(textUpdate("tasks-title", "Tasks (50 total)"), statetemplate.Update{FragmentID: "task-30", Action: statetemplate.ActionRemove})
	assert.Equal(t, "\x1ettasks-title\x1fTasks (50 total)\x1extask-30\x1ek1", first, "ids are literal the first time")
	second := p.send(statetemplate.Update{FragmentID: "task-30", Action: statetemplate.ActionRemove})
	assert.Equal(t, "\x1eX1\x1ek1", second, "task-30 is id number 1")
	third := p.send(statetemplate.Update{FragmentID: "a", Action: statetemplate.ActionRemove})
	assert.Equal(t, "\x1exa\x1ek1", third, "a reference no shorter than the id is not used")
}

func TestEncoder_SendsOnlyWhatChangedInAText(t *testing.T) {
	tests := []struct {
		name, old, new string
		splice         string // the fields after the id; "" when the text goes whole
	}{
		{"digits in the middle", "Tasks (50 total)", "Tasks (49 total)", "7\x1f2\x1f49"},
		{"an insertion", "Tasks (9 total)", "Tasks (149 total)", "7\x1f0\x1f14"},
		{"a deletion at the end", "Tasks (9 total) and more", "Tasks (9 total)", "15\x1f9\x1f"},
		{"offsets count UTF-16 code units", "😀😀 Tasks (9 total)", "😀😀 Tasks (8 total)", "12\x1f1\x1f8"},
		{"a character outside the BMP changed whole", "😀 Tasks (9 total)", "😃 Tasks (9 total)", "0\x1f2\x1f😃"},
		{"two-byte characters", "é Tasks (9 total)", "è Tasks (9 total)", "0\x1f1\x1fè"},
		{"nothing in common", "abcdefgh", "12345678", ""},
		{"no shorter", "ab", "ac", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &pipe{t: t}
			p.send(textUpdate("tasks-title", tc.old))
			msg := p.send(textUpdate("tasks-title", tc.new))
			if tc.splice == "" {
				assert.Equal(t, "\x1eT0\x1f"+tc.new+"\x1ek1", msg)
			} else {
				assert.Equal(t, "\x1eP0\x1f"+tc.splice+"\x1ek1", msg)
			}
		})
	}
}

// An element that html may hold gets its text from the html, so its next
// text goes whole; html that cannot hold it leaves its text known.
func TestEncoder_HTMLThatMayHoldAnElementMakesItsTextGoWhole(t *testing.T) {
	tests := []struct {
		name  string
		u     statetemplate.Update
		whole bool
	}{
		{"a replace that holds it", statetemplate.Update{FragmentID: "box", Action: statetemplate.ActionReplace, HTML: `<div id="box"><p id="count">Count: 1</p></div>`}, true},
		{"an append that holds it", statetemplate.Update{FragmentID: "box", Action: statetemplate.ActionAppend, HTML: `<p id=count>x</p>`}, true},
		{"an append to it: its text holds the html's", statetemplate.Update{FragmentID: "count", Action: statetemplate.ActionAppend, HTML: `<b id="c2">x</b>`}, true},
		{"an insert that holds it", statetemplate.Update{FragmentID: "n", Action: statetemplate.ActionInsertAfter, TargetID: "m", HTML: `<p id="n"><b id='count'>x</b></p>`}, true},
		{"a body replace that holds it", statetemplate.Update{Action: statetemplate.ActionReplace, HTML: `<body><p id = "count">Count: 1</p></body>`}, true},
		{"a character reference may spell it", statetemplate.Update{FragmentID: "n", Action: statetemplate.ActionInsertBefore, TargetID: "m", HTML: `<p id="n">&amp;</p>`}, true},
		{"an insert of another element", statetemplate.Update{FragmentID: "n", Action: statetemplate.ActionInsertAfter, TargetID: "count", HTML: `<p id="n">account: counted</p>`}, false},
		{"a replace of another element", statetemplate.Update{FragmentID: "box", Action: statetemplate.ActionReplace, HTML: `<div id="box">counts</div>`}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &pipe{t: t}
			p.send(textUpdate("count", "Count: 1"))
			assert.Contains(t, p.send(textUpdate("count", "Count: 2")), "\x1eP", "spliced")
			p.send(tc.u)
			if msg := p.send(textUpdate("count", "Count: 3")); tc.whole {
				assert.Contains(t, msg, "Count: 3", "whole: the html may have set the element's text")
			} else {
				assert.Contains(t, msg, "\x1eP", "spliced: the html does not hold the element")
			}
			assert.Contains(t, p.send(textUpdate("count", "Count: 4")), "\x1eP", "spliced again")
		})
	}
}

func TestEncoder_TextsAndAttributesKeepTheTexts(t *testing.T) {
	p := &pipe{t: t}
	p.send(textUpdate("count", "Count: 1"))
	p.send(textUpdate("other", "x"), statetemplate.Update{FragmentID: "count", Action: statetemplate.ActionAttrs, HTML: `<p id="count" class="hot">`},
		statetemplate.Update{FragmentID: "gone", Action: statetemplate.ActionRemove}, statetemplate.Update{Action: statetemplate.ActionTitle, HTML: "T"})
	assert.Contains(t, p.send(textUpdate("count", "Count: 2")), "\x1eP", "a text, attrs, remove or title re-creates nothing")
}

func TestEncoder_NumbersAtMost4096Ids(t *testing.T) {
	p := &pipe{t: t}
	ids := make([]string, 4100)
	for i := range ids {
		ids[i] = "row-" + strconv.Itoa(i)
		p.send(statetemplate.Update{FragmentID: ids[i], Action: statetemplate.ActionRemove})
	}
	assert.Equal(t, "\x1eX"+strconv.FormatInt(4095, 36)+"\x1ek1", p.send(statetemplate.Update{FragmentID: ids[4095], Action: statetemplate.ActionRemove}))
	assert.Equal(t, "\x1exrow-4096\x1ek1", p.send(statetemplate.Update{FragmentID: ids[4096], Action: statetemplate.ActionRemove}), "past the table: literal")
}

func TestEncoder_RepairsInvalidUTF8AndSplicesTheRepairedText(t *testing.T) {
	var enc live.Encoder
	var dec live.Decoder
	for _, s := range []string{"caf\xe9 1", "caf\xe9 2"} {
		b, err := enc.Encode(live.Batch{Updates: []statetemplate.Update{textUpdate("t", s)}})
		require.NoError(t, err)
		require.True(t, utf8.Valid(b))
		got, err := dec.Decode(b)
		require.NoError(t, err)
		assert.Equal(t, strings.ToValidUTF8(s, "\uFFFD"), got.Updates[0].HTML)
	}
}

func TestDecoder_RejectsWhatItCannotResolve(t *testing.T) {
	tests := []struct{ name, msg string }{
		{"an id never numbered", "\x1eX0"},
		{"a reference that is no number", "\x1eX-"},
		{"a splice of a text never set", "\x1epa\x1f0\x1f0\x1fx"},
		{"a splice beyond the text", "\x1eta\x1fabc\x1epa\x1f2\x1f5\x1fx"},
		{"a splice inside a surrogate pair", "\x1eta\x1f😀\x1epa\x1f1\x1f0\x1fx"},
		{"a splice of two fields", "\x1eta\x1fabc\x1epa\x1f1\x1fx"},
		{"a splice of no number", "\x1eta\x1fabc\x1epa\x1fx\x1f0\x1fx"},
		{"a text forgotten by html", "\x1eta\x1fabc\x1erb\x1f<div id=b><p id=a></p></div>\x1epa\x1f0\x1f0\x1fx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d live.Decoder
			_, err := d.Decode([]byte(tc.msg))
			require.ErrorIs(t, err, live.ErrBadUpdates)
		})
	}
}

// FuzzEncoderDecoder runs sequences of updates over a few ids through a
// connection's encoder and decoder: every batch decodes to itself, which
// is what the browser client, a decoder of the same rules, applies.
func FuzzEncoderDecoder(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7}, "Tasks (50 total)|Tasks (49 total)|😀 x|😃 y|caf\xe9")
	f.Add([]byte{3, 3, 3, 0, 3, 3, 9, 3}, "a|ab|abc|b")
	f.Add([]byte{0x10, 0x10, 0x14, 0x10, 0x00, 0x10, 0x01, 0x10}, "485.31|484.99|😀 up|😃 down")
	f.Fuzz(func(t *testing.T, steps []byte, texts string) {
		pool := strings.Split(texts, "|")
		var enc live.Encoder
		var dec live.Decoder
		for i, s := range steps {
			u := live.FuzzUpdate(s, i, pool)
			b, err := enc.Encode(live.Batch{Updates: []statetemplate.Update{u}})
			require.NoError(t, err)
			got, err := dec.Decode(b)
			require.NoError(t, err, "%q", b)
			u.FragmentID, u.TargetID, u.HTML = strings.ToValidUTF8(u.FragmentID, "\uFFFD"), strings.ToValidUTF8(u.TargetID, "\uFFFD"), strings.ToValidUTF8(u.HTML, "\uFFFD")
			require.Equal(t, []statetemplate.Update{u}, got.Updates, "%q", b)
		}
	})
}

// FuzzDecoder runs a connection's decoder on any two messages: each fails
// with ErrBadUpdates or gives a batch.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte("\x1etc\x1fCount: 1"), []byte("\x1eP0\x1f7\x1f1\x1f2"))
	f.Add([]byte("\x1exlong-id"), []byte("\x1eX0\x1ek3"))
	f.Add([]byte("\x1eta\x1f😀"), []byte("\x1epa\x1f1\x1f1\x1fx"))
	f.Add([]byte("\x1erp-A\x1f<td id=\"p-A\" class=\"up\">1.00</td>"), []byte("\x1eQ0\x1f20\x1f7\x1fdown\">0.99\x1ed\x1ed"))
	f.Add([]byte("\x1esa\x1f<p id=a>"), []byte("\x1eqa\x1f8\x1f0\x1f x\x1ek2\x1ed"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var d live.Decoder
		for _, m := range [][]byte{a, b} {
			if _, err := d.Decode(m); err != nil && !errors.Is(err, live.ErrBadUpdates) {
				t.Fatalf("error %v does not wrap ErrBadUpdates", err)
			}
		}
	})
}

// An id that html could hold without it being a word there (it has a
// quote, an equals sign, white space, "/" or ">") is never spliced: its
// text always goes whole.
func TestEncoder_AnIdThatIsNoWordIsNeverSpliced(t *testing.T) {
	for _, id := range []string{"a/b", "x=y", "q'", "row>1"} {
		p := &pipe{t: t}
		p.send(textUpdate(id, "Count: 1"))
		assert.Contains(t, p.send(textUpdate(id, "Count: 2")), "Count: 2", "%q: whole", id)
	}
}

func TestEncoder_RemembersAtMost64KiBOfTexts(t *testing.T) {
	p := &pipe{t: t}
	long := strings.Repeat("x", 1000)
	for i := range 100 { // 100 KB of texts: past the bound from the 65th
		p.send(textUpdate("cell-"+strconv.Itoa(i), long+"0"))
	}
	isSplice := func(msg string) bool { return strings.HasPrefix(msg, "\x1ep") || strings.HasPrefix(msg, "\x1eP") }
	assert.True(t, isSplice(p.send(textUpdate("cell-0", long+"1"))), "a text within the bound is spliced")
	assert.False(t, isSplice(p.send(textUpdate("cell-99", long+"1"))), "a text past the bound goes whole")
	// Forgetting a text frees its bytes for another.
	p.send(statetemplate.Update{FragmentID: "cell-0", Action: statetemplate.ActionAppend, HTML: "<b>y</b>"})
	p.send(textUpdate("cell-98", long+"2"))
	assert.True(t, isSplice(p.send(textUpdate("cell-98", long+"3"))), "the bytes of a forgotten text are given back")
}
