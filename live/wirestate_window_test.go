package live

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

// On a connection whose compressor keeps its window, a message of
// compressThreshold bytes or more carries whole what the last compressed
// message carried whole — deflate takes it from there, better than
// references and splices would (BENCHMARKS.md, "Wire bytes") — and in the
// short forms what it did not; a message under it, sent as it is, is short
// throughout. All keep the numbering and the texts the client keeps.
func TestWireState_ACompressedMessageIsWholeWhereTheLastOneWas(t *testing.T) {
	w := newWireState(true)
	long := strings.Repeat("x", compressThreshold)
	remove := statetemplate.Update{FragmentID: "task-30", Action: statetemplate.ActionRemove}
	count := func(n string) statetemplate.Update {
		return statetemplate.Update{FragmentID: "tasks-title", Action: statetemplate.ActionText, HTML: "Tasks (" + n + " total)"}
	}
	note := statetemplate.Update{FragmentID: "note", Action: statetemplate.ActionText, HTML: long}

	var msgs [][]byte
	for _, step := range []struct {
		name string
		ups  []statetemplate.Update
		want string
	}{
		{"compressed, nothing known", []statetemplate.Update{count("50"), note}, "\x1ettasks-title\x1fTasks (50 total)\x1etnote\x1f" + long},
		{"compressed: the note as the last one had it", []statetemplate.Update{remove, note}, "\x1extask-30\x1etnote\x1f" + long},
		{"compressed: the count, which the last one did not carry, short", []statetemplate.Update{count("48"), note}, "\x1eP0\x1f7\x1f2\x1f48\x1etnote\x1f" + long},
		{"sent as it is: short", []statetemplate.Update{count("47"), remove}, "\x1eP0\x1f8\x1f1\x1f7\x1eX2"},
	} {
		msg, err := w.encode(step.ups, 0)
		require.NoError(t, err)
		assert.Equal(t, step.want, string(msg), step.name)
		msgs = append(msgs, msg)
	}
	var d Decoder
	for _, m := range msgs {
		_, err := d.Decode(m)
		require.NoError(t, err, "%q", m)
	}
}

// A message whose whole form is compressed but whose short forms take it
// under compressThreshold is padded back to it with empty data_changed
// records, which every decoder skips: coder/websocket compresses it
// against the message before instead of sending it as it is.
func TestWireState_ShortFormsDoNotTakeAMessageOutOfCompression(t *testing.T) {
	w := newWireState(true)
	cell := func(class, price string) statetemplate.Update {
		return statetemplate.Update{FragmentID: "p-AAPL", Action: statetemplate.ActionReplace, HTML: `<td id="p-AAPL" class="` + class + `">` + price + `</td>`}
	}
	change := func(s string) statetemplate.Update {
		return statetemplate.Update{FragmentID: "c-AAPL", Action: statetemplate.ActionText, HTML: s}
	}
	filler := func(id, s string) statetemplate.Update {
		return statetemplate.Update{FragmentID: id, Action: statetemplate.ActionText, HTML: strings.Repeat("x", 100) + s}
	}
	first, err := w.encode([]statetemplate.Update{cell("up", "485.31"), change("+0.44%"), filler("f1", "a")}, 0)
	require.NoError(t, err)
	between, err := w.encode([]statetemplate.Update{filler("f2", strings.Repeat("a", compressThreshold))}, 0)
	require.NoError(t, err)
	// Not carried whole by the last compressed message: short.
	third := []statetemplate.Update{cell("down", "484.99"), change("+0.37%"), filler("f1", "b")}
	second, err := w.encode(third, 7)
	require.NoError(t, err)
	assert.InDelta(t, compressThreshold, len(second), 1, "%q: padded to the threshold", second)
	assert.True(t, strings.HasPrefix(string(second), "\x1eQ0\x1f23\x1f10\x1fdown\">484.99\x1e"), "%q: the cell as a splice of its html", second)
	assert.True(t, strings.HasSuffix(string(second), "\x1ed\x1ed\x1ed\x1ek7"), "%q: padded, the ack last", second)

	var d Decoder
	for _, m := range [][]byte{first, between} {
		_, err = d.Decode(m)
		require.NoError(t, err)
	}
	got, err := d.Decode(second)
	require.NoError(t, err)
	assert.Equal(t, third, got.Updates)
	assert.Equal(t, int64(7), got.Ack)
}

// The length prepare gives, which decides between the whole and the short
// form, is the length of the version-2 form, whatever the separator.
func TestPrepare_KnowsTheLengthOfTheWholeForm(t *testing.T) {
	for _, ups := range [][]statetemplate.Update{
		{{FragmentID: "a", Action: statetemplate.ActionText, HTML: "x"}},
		{{FragmentID: "n", Action: statetemplate.ActionInsertAfter, TargetID: "m", HTML: "<p id=n>\x1e\x1f</p>", DataChanged: []string{"Count", "Tasks.1"}},
			{IsNoOp: true}, {FragmentID: "gone", Action: statetemplate.ActionRemove}, {Action: statetemplate.ActionTitle, HTML: "T"}},
		{{FragmentID: "c0", Action: statetemplate.ActionReplace, HTML: "\x01\x03\x05\x07\x0e\x10\x12\x14\x16\x18\x1a\x1c\x1e caf\xe9"}},
	} {
		b, err := prepare(ups, nil, nil)
		require.NoError(t, err)
		msg, err := encodeUpdates(ups)
		require.NoError(t, err)
		assert.Equal(t, len(msg), b.plain, "%q", msg)
	}
}

// A compressed message's last bytes are never matched by deflate at
// BestSpeed: the records that start in its last compressTail bytes take
// the short forms, the ones before go whole.
func TestWireState_TheTailOfACompressedMessageIsShort(t *testing.T) {
	w := newWireState(true)
	clock := func(s string) statetemplate.Update {
		return statetemplate.Update{FragmentID: "last-update", Action: statetemplate.ActionText, HTML: s}
	}
	count := func(n string) statetemplate.Update {
		return statetemplate.Update{FragmentID: "counter-display", Action: statetemplate.ActionText, HTML: n}
	}
	history := statetemplate.Update{FragmentID: "counter-history", Action: statetemplate.ActionReplace, HTML: `<ul id="counter-history">` + strings.Repeat("<li>increment</li>", 8) + `</ul>`}

	first, err := w.encode([]statetemplate.Update{count("1"), history, clock("9:27:07 AM")}, 1)
	require.NoError(t, err)
	second, err := w.encode([]statetemplate.Update{count("2"), history, clock("9:27:14 AM")}, 2)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(second), compressThreshold)
	assert.True(t, strings.HasPrefix(string(second), "\x1etcounter-display\x1f2\x1ercounter-history\x1f<ul"), "%q: whole before the tail", second)
	assert.True(t, strings.HasSuffix(string(second), "</ul>\x1eP2\x1f5\x1f2\x1f14\x1ek2"), "%q: the clock, in the tail, as a splice by reference", second)

	var d Decoder
	for _, m := range [][]byte{first, second} {
		_, err := d.Decode(m)
		require.NoError(t, err, "%q", m)
	}
	got, err := d.Decode(mustEncode(t, w, clock("9:27:21 AM")))
	require.NoError(t, err)
	assert.Equal(t, "9:27:21 AM", got.Updates[0].HTML, "both ends kept the same texts")
}

func mustEncode(t *testing.T, w *wireState, ups ...statetemplate.Update) []byte {
	t.Helper()
	b, err := w.encode(ups, 0)
	require.NoError(t, err)
	return b
}

// FuzzWindowEncoderDecoder runs batches of updates through the encoder of
// a connection with a compression window, where a message may be whole,
// short, or whole with a short tail, and a decoder: every batch decodes to
// itself.
func FuzzWindowEncoderDecoder(f *testing.F) {
	f.Add([]byte{0x07, 0x80, 0x17, 0x27, 0x07, 0x80, 0x17, 0x27}, "9:27:07 AM|<b>x</b> long enough to compress with the window of the connection, over a hundred and twenty-eight bytes in all|1|2")
	f.Add([]byte{0x86, 0x06, 0x16, 0x83, 0x26, 0x36, 0x16, 0x86}, "Tasks (50 total)|Tasks (49 total)|😀 x|caf\xe9")
	f.Fuzz(func(t *testing.T, steps []byte, texts string) {
		pool := strings.Split(texts, "|")
		w := newWireState(true)
		var d Decoder
		var batch []statetemplate.Update
		for i, s := range steps {
			batch = append(batch, fuzzUpdate(s, i, pool))
			if s&0x80 == 0 && i < len(steps)-1 {
				continue // the batch goes on
			}
			b, err := w.encode(batch, int64(i+1))
			require.NoError(t, err)
			got, err := d.Decode(b)
			require.NoError(t, err, "%q", b)
			for j := range batch {
				u := &batch[j]
				u.FragmentID, u.TargetID, u.HTML = strings.ToValidUTF8(u.FragmentID, "\uFFFD"), strings.ToValidUTF8(u.TargetID, "\uFFFD"), strings.ToValidUTF8(u.HTML, "\uFFFD")
				for k, p := range u.DataChanged {
					u.DataChanged[k] = strings.ToValidUTF8(p, "\uFFFD")
				}
			}
			require.Equal(t, batch, got.Updates, "%q", b)
			require.Equal(t, int64(i+1), got.Ack)
			batch = nil
		}
	})
}
