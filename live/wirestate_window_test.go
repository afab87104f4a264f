package live

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

// On a connection whose compressor keeps its window, a message of
// compressThreshold bytes or more goes whole but for its tail — deflate
// takes its ids and texts from the message before, better than references
// and splices would (BENCHMARKS.md, "Wire bytes") — while one under it,
// sent as it is, uses them. Both keep the numbering the client keeps.
func TestWireState_AMessageTheWindowCompressesGoesWhole(t *testing.T) {
	w := newWireState(true)
	long := strings.Repeat("x", compressThreshold)
	remove := statetemplate.Update{FragmentID: "task-30", Action: statetemplate.ActionRemove}
	count := func(n string) statetemplate.Update {
		return statetemplate.Update{FragmentID: "tasks-title", Action: statetemplate.ActionText, HTML: "Tasks (" + n + " total)"}
	}
	note := statetemplate.Update{FragmentID: "note", Action: statetemplate.ActionText, HTML: long}

	first, err := w.encode([]statetemplate.Update{count("50"), remove}, 0)
	require.NoError(t, err)
	assert.Equal(t, "\x1ettasks-title\x1fTasks (50 total)\x1extask-30", string(first))

	big, err := w.encode([]statetemplate.Update{count("49"), remove, note}, 0)
	require.NoError(t, err)
	assert.Equal(t, "\x1ettasks-title\x1fTasks (49 total)\x1extask-30\x1etnote\x1f"+long, string(big), "compressed: whole")

	small, err := w.encode([]statetemplate.Update{count("48"), remove}, 0)
	require.NoError(t, err)
	assert.Equal(t, "\x1eP0\x1f8\x1f1\x1f8\x1eX1", string(small), "sent as it is: short, against what the big one set")

	var d Decoder
	for _, m := range [][]byte{first, big, small} {
		_, err := d.Decode(m)
		require.NoError(t, err, "%q", m)
	}
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
		b, err := prepare(ups)
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
		ids := []string{"tasks-title", "a", "last-update", "row-1"}
		w := newWireState(true)
		var d Decoder
		var batch []statetemplate.Update
		for i, s := range steps {
			id, txt := ids[int(s>>4)%len(ids)], pool[i%len(pool)]
			var u statetemplate.Update
			switch s % 8 {
			case 0:
				u = statetemplate.Update{FragmentID: id, Action: statetemplate.ActionReplace, HTML: "<p id=\"" + id + "\">" + txt + "</p>"}
			case 1:
				u = statetemplate.Update{FragmentID: id, Action: statetemplate.ActionRemove}
			case 2:
				u = statetemplate.Update{FragmentID: id, Action: statetemplate.ActionInsertAfter, TargetID: ids[i%len(ids)], HTML: txt}
			case 3:
				u = statetemplate.Update{Action: statetemplate.ActionTitle, HTML: txt, DataChanged: []string{"T"}}
			case 4:
				u = statetemplate.Update{FragmentID: id, Action: statetemplate.ActionAttrs, HTML: "<p id=\"" + id + "\" title=\"" + txt + "\">"}
			default:
				u = statetemplate.Update{FragmentID: id, Action: statetemplate.ActionText, HTML: txt}
			}
			batch = append(batch, u)
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
