package live

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate"
)

// decoders are a Decoder, one more that decodes into a batch it reuses
// (DecodeTo), and the reference decoder (decoder_ref_test.go), given the
// same messages.
type decoders struct {
	d, into Decoder
	ref     refDecoder
	reused  Batch
}

func newDecoders(page bool) *decoders {
	ds := &decoders{}
	if page {
		ds.d.Page(basePage)
		ds.into.Page(basePage)
		ds.ref.page(basePage)
	}
	return ds
}

// check decodes msg with the three: each gives the reference's batch, or
// fails as it fails.
func (ds *decoders) check(t require.TestingT, msg []byte) {
	want, wantErr := ds.ref.decode(msg)
	got, err := ds.d.Decode(msg)
	intoErr := ds.into.DecodeTo(&ds.reused, msg)
	if wantErr != nil {
		require.EqualError(t, err, wantErr.Error(), "%q", msg)
		require.EqualError(t, intoErr, wantErr.Error(), "%q", msg)
		require.Empty(t, ds.reused.Updates, "%q", msg)
		return
	}
	require.NoError(t, err, "%q", msg)
	require.NoError(t, intoErr, "%q", msg)
	require.Equal(t, want, got, "%q", msg)
	require.Equal(t, want.Ack, ds.reused.Ack, "%q", msg)
	require.Len(t, ds.reused.Updates, len(want.Updates), "%q", msg)
	for i, u := range want.Updates {
		require.Equal(t, u, ds.reused.Updates[i], "%q", msg)
	}
}

// decoderLabels are the texts of the updates the property tests encode:
// ticker prices that splice, wide characters, a surrogate pair, invalid
// UTF-8, a character reference, a separator and a record's ids.
var decoderLabels = []string{"485.31", "484.99", "+0.12%", "-0.40%", "#7 · 15:04:05", "😀 up", "😃 down",
	"caf\xe9", "Four &amp; more", "a\x1eb", "", "row-1 a", "Tasks (3 total)"}

// TestDecoder_GivesTheReferencesBatches runs batches of updates through
// a connection's encoder, with or without the page and a compression
// window, some messages damaged, into the decoders: every message decodes
// as the reference decoder decodes it, or fails as it fails.
func TestDecoder_GivesTheReferencesBatches(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		page := rapid.Bool().Draw(rt, "page")
		w := newWireState(rapid.Bool().Draw(rt, "window"))
		if page {
			w.page(basePage, nil)
		}
		ds := newDecoders(page)
		pool := rapid.SliceOfN(rapid.SampledFrom(decoderLabels), 1, 6).Draw(rt, "pool")
		steps := rapid.SliceOfN(rapid.Byte(), 1, 40).Draw(rt, "steps")
		var batch []statetemplate.Update
		for i, s := range steps {
			switch rapid.IntRange(0, 2).Draw(rt, "kind") {
			case 0:
				batch = append(batch, fuzzUpdate(s, i, pool))
			case 1:
				batch = append(batch, pageUpdate(s, i, pool))
			default:
				batch = append(batch, tickerUpdate(s, pool[i%len(pool)]))
			}
			if s&0x80 == 0 && i < len(steps)-1 {
				continue
			}
			msg, err := w.encode(batch, int64(rapid.IntRange(0, 3).Draw(rt, "ack")))
			require.NoError(rt, err)
			batch = nil
			if msg == nil {
				continue
			}
			switch rapid.IntRange(0, 5).Draw(rt, "damage") {
			case 0: // a byte changed
				at := rapid.IntRange(0, len(msg)-1).Draw(rt, "at")
				msg[at] = rapid.SampledFrom([]byte("\x1e\x1f0129aZpqPQtTrx<\"\xff")).Draw(rt, "byte")
			case 1: // cut short
				msg = msg[:rapid.IntRange(0, len(msg)-1).Draw(rt, "len")]
			}
			ds.check(rt, msg)
		}
	})
}

// tickerUpdate is an update of the ticker's table, as fuzzUpdate's.
func tickerUpdate(s byte, label string) statetemplate.Update {
	sym := []string{"AAPL", "MSFT", "GOOG"}[int(s>>4)%3]
	switch s % 3 {
	case 0:
		return statetemplate.Update{FragmentID: "p-" + sym, Action: statetemplate.ActionReplace, HTML: `<td id="p-` + sym + `" class="up">` + label + `</td>`}
	case 1:
		return statetemplate.Update{FragmentID: "c-" + sym, Action: statetemplate.ActionText, HTML: label}
	default:
		return statetemplate.Update{FragmentID: "tick", Action: statetemplate.ActionText, HTML: label}
	}
}

// TestDecoder_DecodesAnyMessagesAsTheReference gives the decoders
// messages made of records of every operation, literal and by reference,
// with ids, counts and html, good and bad.
func TestDecoder_DecodesAnyMessagesAsTheReference(t *testing.T) {
	ids := []string{"a", "a", "b", "0", "1", "", "p-A", "row-1", "row-2", "clock", "title"}
	fields := []string{"0", "0", "1", "1", "2", "3", "", "-1", "+1", "x", "😀", "é", "\xff",
		`<p id="a">b</p>`, `<p id="a">b</p>`, `<td id="p-A" class="up">1</td>`, "<p id=a>&amp;</p>", `<div id="row-9"></div>`,
		checksum("x"), checksum("Tasks (3 total)"), "<body><p id=a>b</p></body>"}
	htmls := []string{`<p id="a">b</p>`, `<p id="b">a</p>`, `<td id="p-A" class="up">1</td>`, "<p id=a>&amp;</p>",
		`<div id="row-9"></div>`, "", "x"}
	nums := []string{"0", "0", "1", "1", "2", "3", "-1", "x"}
	texts := []string{"x", "Count: 1", "😀", "é", ""}
	record := rapid.Custom(func(rt *rapid.T) string {
		op := rapid.SampledFrom([]byte("ttrrrpppqqqsaxibgkdhPQTRSAXIBGH")).Draw(rt, "op")
		var b strings.Builder
		b.WriteByte(op)
		if op >= 'A' && op <= 'Z' {
			b.WriteString(rapid.SampledFrom([]string{"0", "1", "2", "3", "a", "-1"}).Draw(rt, "number"))
			op += 'a' - 'A'
		} else {
			b.WriteString(rapid.SampledFrom(ids).Draw(rt, "id"))
		}
		var f []string
		if rapid.IntRange(0, 4).Draw(rt, "any fields") == 0 {
			f = rapid.SliceOfN(rapid.SampledFrom(fields), 0, 5).Draw(rt, "fields")
		} else {
			switch op {
			case 't', 'h':
				f = []string{rapid.SampledFrom(texts).Draw(rt, "text")}
			case 'r', 's', 'a':
				f = []string{rapid.SampledFrom(htmls).Draw(rt, "html")}
			case 'i', 'b':
				f = []string{rapid.SampledFrom(ids).Draw(rt, "target"), rapid.SampledFrom(htmls).Draw(rt, "html")}
			case 'p', 'q', 'g':
				f = []string{rapid.SampledFrom(nums).Draw(rt, "keep"), rapid.SampledFrom(nums).Draw(rt, "drop"), rapid.SampledFrom(append(texts, htmls...)).Draw(rt, "put")}
				if op == 'g' || rapid.IntRange(0, 3).Draw(rt, "checked") == 0 {
					f = append(f, rapid.SampledFrom(fields).Draw(rt, "sum"))
				}
				if op == 'g' {
					f = append(f[3:], f[:3]...)
				}
			case 'k':
				b.Reset()
				b.WriteString("k" + rapid.SampledFrom(nums).Draw(rt, "ack"))
			case 'd':
				f = rapid.SliceOfN(rapid.SampledFrom(texts), 0, 2).Draw(rt, "paths")
			}
		}
		for _, x := range f {
			b.WriteString("\x1f" + x)
		}
		return b.String()
	})
	rapid.Check(t, func(rt *rapid.T) {
		ds := newDecoders(rapid.Bool().Draw(rt, "page"))
		for range rapid.IntRange(1, 12).Draw(rt, "messages") {
			recs := rapid.SliceOfN(record, 0, 12).Draw(rt, "records")
			msg := "\x1e" + strings.Join(recs, "\x1e")
			if rapid.IntRange(0, 9).Draw(rt, "other separator") == 0 {
				msg = strings.NewReplacer("\x1e", "\x01", "\x1f", "\x02").Replace(msg)
			}
			ds.check(rt, []byte(msg))
		}
	})
}

// TestApplyHunks_AsByRunes checks applyHunks against its form by runes on
// any text and fields, invalid UTF-8 and surrogate pairs included.
func TestApplyHunks_AsByRunes(t *testing.T) {
	text := rapid.StringOfN(rapid.SampledFrom([]rune("ab<é😀\uFFFD")), 0, 12, -1)
	rapid.Check(t, func(rt *rapid.T) {
		old := text.Draw(rt, "old")
		if rapid.IntRange(0, 4).Draw(rt, "invalid") == 0 {
			old += "\xe9"
		}
		var f []string
		for range rapid.IntRange(0, 7).Draw(rt, "fields") {
			f = append(f, rapid.OneOf(rapid.Map(rapid.IntRange(-1, 14), strconv.Itoa), text, rapid.Just("x\xff")).Draw(rt, "field"))
		}
		want, wantOK := refApplyHunks(old, f)
		got, ok := applyHunks(old, f)
		require.Equal(rt, wantOK, ok)
		require.Equal(rt, want, got)
		require.True(rt, checksumIs(old, checksum(old)))
		require.False(rt, checksumIs(old, checksum(old)+"0"))
	})
}

// TestDecoder_KeepsTheTextsOfIdsPastTheNumbered: ids past maxWireIDs get
// no number, but their texts are kept, spliced and forgotten alike.
func TestDecoder_KeepsTheTextsOfIdsPastTheNumbered(t *testing.T) {
	ds := newDecoders(false)
	var b strings.Builder
	for i := range maxWireIDs + 2 {
		b.WriteString("\x1etcell-" + strconv.Itoa(i) + "\x1fCount: 1")
	}
	ds.check(t, []byte(b.String()))
	last := "cell-" + strconv.Itoa(maxWireIDs+1)
	ds.check(t, []byte("\x1ep"+last+"\x1f7\x1f1\x1f2"))
	ds.check(t, []byte("\x1ea"+last+"\x1f<b>x</b>\x1ep"+last+"\x1f7\x1f1\x1f2"))
	ds.check(t, []byte("\x1et"+last+"\x1fCount: 3\x1er"+last+"\x1f<p id=\""+last+"\">Count: 4</p>\x1eq"+last+"\x1f24\x1f1\x1f5"))
	ds.check(t, []byte("\x1er"+last+"\x1f<p id=\""+last+"\">&amp;</p>\x1eq"+last+"\x1f0\x1f1\x1f<"))
	ds.check(t, []byte("\x1eX"+strconv.FormatInt(maxWireIDs-1, 36)+"\x1eX"+strconv.FormatInt(maxWireIDs, 36)))
	got, err := ds.d.Decode([]byte("\x1ep" + last + "\x1f7\x1f1\x1f2"))
	require.ErrorIs(t, err, ErrBadUpdates, "its text was forgotten: %v", got)
}

// FuzzDecoder_AsTheReference gives the decoders, with and without the
// page, any three messages: each decodes as the reference decodes it, or
// fails as it fails, and what the decoders keep after a failure is the
// reference's too (the messages after it decode alike).
func FuzzDecoder_AsTheReference(f *testing.F) {
	f.Add([]byte("\x1etc\x1fCount: 1"), []byte("\x1eP0\x1f7\x1f1\x1f2"), []byte("\x1ead\x1f<p id=c>x</p>\x1eP0\x1f0\x1f1\x1fy"))
	f.Add([]byte("\x1eta\x1f😀"), []byte("\x1epa\x1f1\x1f1\x1fx"), []byte("\x1epa\x1f2\x1f0\x1f😃"))
	f.Add([]byte("\x1erp-A\x1f<td id=\"p-A\" class=\"up\">1.00</td>"), []byte("\x1eQ0\x1f20\x1f7\x1fdown\">0.99\x1ed\x1ed"), []byte("\x1eqp-A\x1f0\x1f1\x1f<"))
	f.Add([]byte("\x1egrow-1\x1f0\x1f0\x1f0\x1fx\x1eirow-9\x1frow-1\x1f"), []byte("\x1eGa\x1f1\x1f0\x1f0\x1f"), []byte("\x1eX1\x1eR0\x1f"))
	f.Add([]byte("\x1eptitle\x1f7\x1f1\x1f3\x1f"+checksum("Tasks (3 total)")), []byte("\x1eP0\x1f7\x1f1\x1f4\x1eptitle\x1f0\x1f0\x1fx\x1f1"), []byte("\x1er\x1f<body><p id=a>b</p></body>\x1epa\x1f0\x1f1\x1fc"))
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		for _, page := range []bool{false, true} {
			ds := newDecoders(page)
			for _, m := range [][]byte{a, b, c} {
				ds.check(t, m)
			}
		}
	})
}
