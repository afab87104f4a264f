package live

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

// On a connection whose compressor keeps its window, a message of
// compressThreshold bytes or more goes whole — deflate takes its ids and
// texts from the message before, better than references and splices
// would (BENCHMARKS.md, "Wire bytes") — while one under it, sent as it
// is, uses them. Both keep the numbering the client keeps.
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
