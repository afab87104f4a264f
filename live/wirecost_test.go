package live

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

func TestRefName_IsTheNumberInBase36(t *testing.T) {
	for n := range maxWireIDs + 10 {
		require.Equal(t, strconv.FormatInt(int64(n), 36), refName(n), "id number %d", n)
	}
}

func TestIDFilter_NeverRulesOutAnIDItHolds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var f idFilter
	assert.False(t, f.may("p-AAPL"), "an empty filter holds nothing")
	var held []string
	for range 500 {
		b := make([]byte, r.IntN(80))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		f.add(string(b))
		held = append(held, string(b))
		for _, id := range held {
			require.True(t, f.may(id), "%q was added", id)
		}
	}
}

func TestIDFilter_RulesOutWordsOfAnotherLengthOrFirstByte(t *testing.T) {
	var f idFilter
	f.add("p-AAPL")
	f.add("c-AAPL")
	assert.True(t, f.may("p-MSFT"), "the same length and first byte may be held")
	assert.False(t, f.may("class"), "another length")
	assert.False(t, f.may("x-AAPL"), "another first byte")
	assert.False(t, f.may(""), "the empty id was not added")
}

// A replace whose html holds a kept id forgets it even after other ids
// were kept and dropped: the filter only ever rules out what is not kept.
func TestWireState_ForgetDropsEveryKeptIDTheHTMLHolds(t *testing.T) {
	w := newWireState(false)
	for i := range 50 {
		id := "cell-" + strconv.Itoa(i)
		w.remember(w.ids[id], id, "text "+id)
		w.rememberHTML("row-"+strconv.Itoa(i), `<tr id="row-`+strconv.Itoa(i)+`"></tr>`)
	}
	w.forget(`<td id="cell-7" class="up">1</td><tr id="row-9">`)
	_, known := w.ids["cell-7"].textOf()
	assert.False(t, known)
	_, known = w.htmlOf("row-9")
	assert.False(t, known)
	text, _ := w.ids["cell-8"].textOf()
	assert.Equal(t, "text cell-8", text, "a text the html does not hold stays")
	assert.Equal(t, 49, w.texts)
	assert.Equal(t, 49, w.htmls)
	assert.Len(t, w.ids, 98, "an id with nothing kept has no entry")
	w.forget(`<p>&amp;</p>`) // may hold any id
	assert.Zero(t, w.texts+w.htmls+w.textBytes+w.htmlBytes)
	assert.Empty(t, w.ids, "no id was numbered")
}

// remember replaces the text kept of an id and counts its bytes once; a
// text past the bound drops the one kept; a numbered id keeps its number.
func TestWireState_RememberReplacesTheKnownTextAndItsBytes(t *testing.T) {
	w := newWireState(false)
	w.learn("price")
	w.remember(w.ids["price"], "price", "10.00")
	w.remember(w.ids["price"], "price", "10.25")
	text, known := w.ids["price"].textOf()
	assert.True(t, known)
	assert.Equal(t, "10.25", text)
	assert.Equal(t, 1, w.texts)
	assert.Equal(t, len("price")+len("10.25"), w.textBytes)
	w.remember(w.ids["price"], "price", strings.Repeat("x", maxSpliceText+1))
	_, known = w.ids["price"].textOf()
	assert.False(t, known, "a text too long to keep drops the old one")
	assert.Zero(t, w.textBytes)
	assert.Zero(t, w.texts)
	ref, ok := w.ref("price")
	assert.True(t, ok)
	assert.Equal(t, "0", ref, "its number stays")
}

// The scratch a connection keeps between batches holds none of their
// strings, and a large batch's scratch is not kept.
func TestWireState_ScratchKeepsNoStringsBetweenBatches(t *testing.T) {
	w := newWireState(false)
	_, err := w.encode([]statetemplate.Update{{FragmentID: "a", Action: statetemplate.ActionText, HTML: "secret"}}, 0)
	require.NoError(t, err)
	require.NotZero(t, cap(w.fields))
	for _, f := range w.fields[:cap(w.fields)] {
		assert.Empty(t, f)
	}
	big := make([]statetemplate.Update, maxScratch)
	for i := range big {
		big[i] = statetemplate.Update{FragmentID: "x" + strconv.Itoa(i), Action: statetemplate.ActionRemove}
	}
	_, err = w.encode(big, 0)
	require.NoError(t, err)
	assert.Zero(t, cap(w.fields), "a batch of %d records leaves no scratch behind", maxScratch)
}

// A batch refused for an update with no wire form leaves no string of
// the updates before it in the connection's scratch either.
func TestWireState_RefusedBatchLeavesNoStringsInTheScratch(t *testing.T) {
	w := newWireState(false)
	_, err := w.encode([]statetemplate.Update{{FragmentID: "a", Action: statetemplate.ActionText, HTML: "1"},
		{FragmentID: "b", Action: statetemplate.ActionText, HTML: "2"}}, 0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, cap(w.fields), 6, "room for the next batch's fields")
	_, err = w.encode([]statetemplate.Update{{FragmentID: "a", Action: statetemplate.ActionText, HTML: "secret"},
		{FragmentID: "b", Action: "no-such-action"}}, 0)
	require.Error(t, err)
	for _, f := range w.fields[:cap(w.fields)] {
		assert.Empty(t, f)
	}
}

// A push's context answers the reply and the scope of its session, and
// its parent for any other key.
func TestPushRun_AnswersItsReplyAndScopeAndItsParentsValues(t *testing.T) {
	type key struct{}
	parent := context.WithValue(context.Background(), key{}, "parent's")
	a := &App[*struct{}]{cfg: &config{}}
	ls := &liveSession[*struct{}]{id: "0123456789"}
	it := &pushItem[*struct{}]{key: "quotes", mark: pushMark{topic: "quotes"}}
	ctx := newPushRun(parent, a, ls, it)
	assert.Same(t, &ctx.rp, replyOf(ctx))
	assert.Equal(t, "0123456789", replyOf(ctx).session)
	assert.Equal(t, "quotes", Topic(ctx))
	assert.Same(t, &it.mark, markOf(ctx))
	assert.Equal(t, "parent's", ctx.Value(key{}))
	other := newPushRun(parent, a, &liveSession[*struct{}]{id: "abcdefghij"}, it)
	assert.NotSame(t, replyOf(ctx), replyOf(other), "each session's run has its own reply")
}

// A connection's steady state (texts spliced by reference, a replace
// spliced from the html it was last given) allocates the frame only.
func TestWireState_EncodeAllocatesOnlyTheFrame(t *testing.T) {
	w := newWireState(false)
	batch := func(n int) []statetemplate.Update {
		p := strconv.Itoa(10000 + n)
		return []statetemplate.Update{
			{FragmentID: "tick", Action: statetemplate.ActionText, HTML: "#" + p + " · 12:00:00"},
			{FragmentID: "p-AAPL", Action: statetemplate.ActionReplace, HTML: `<td id="p-AAPL" class="up">` + p + `.25</td>`},
			{FragmentID: "c-AAPL", Action: statetemplate.ActionText, HTML: "+" + p + ".5%"},
		}
	}
	ticks := [2][]statetemplate.Update{batch(1), batch(2)}
	for _, ups := range ticks {
		_, err := w.encode(ups, 0)
		require.NoError(t, err)
	}
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		i++
		if _, err := w.encode(ticks[i%2], 0); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, 1.0, allocs, "the frame's bytes")
}

func TestMailbox_APutAfterATakeReusesTheQueuesArray(t *testing.T) {
	var b mailbox[int]
	it := item("a")
	b.put(it, 10)
	b.take(false)
	allocs := testing.AllocsPerRun(100, func() {
		b.put(it, 10)
		b.take(false)
	})
	assert.Zero(t, allocs)
}
