package live

import (
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/testlog"
)

// basePage is a page as a server serves it: markup the browser serializes
// otherwise (unquoted and single-quoted values, a self-closed void
// element, a boolean attribute) in rows with ids.
const basePage = `<!DOCTYPE html><html><head><title>t</title></head><body>
  <h2 id="title">Tasks (2 total)</h2>
  <div id="list">
    <div id="row-1" class='item'><input type=checkbox id="check-1" checked /><label>One &amp; only</label></div>
    <div id="row-2" class='item'><input type=checkbox id="check-2" /><label>Two</label></div>
  </div>
  <p id="clock">9:27:07 AM</p>
</body></html>`

func row(n, label string) string {
	return "\n    <div id=\"row-" + n + "\" class='item'><input type=checkbox id=\"check-" + n + "\" /><label>" + label + "</label></div>"
}

func TestPageBases_PredictTheBrowsersOuterHTML(t *testing.T) {
	p := newPageBases(basePage, nil)
	got, parent, ok := p.base("row-1")
	require.True(t, ok)
	assert.Equal(t, `<div id="row-1" class="item"><input type="checkbox" id="check-1" checked=""><label>One &amp; only</label></div>`, got)
	assert.Equal(t, "div", parent)
}

func TestPageBases_ForgetWhatARecordChanges(t *testing.T) {
	ids := []string{"title", "list", "row-1", "check-1", "row-2", "check-2", "clock"}
	tests := []struct {
		name string
		t    touch
		gone []string
	}{
		{"a text: the element and its ancestors", touch{op: opText, id: "check-1"}, []string{"check-1", "row-1", "list"}},
		{"a replace: its descendants too", touch{op: opReplace, id: "row-1", html: "<div id=row-1></div>"}, []string{"row-1", "check-1", "list"}},
		{"a remove", touch{op: opRemove, id: "row-2"}, []string{"row-2", "check-2", "list"}},
		{"an insert after: the parent, not the target", touch{op: opInsertAfter, id: "row-3", target: "row-1"}, []string{"list"}},
		{"an insert before: the parent, not the target", touch{op: opInsertBefore, id: "row-0", target: "row-1"}, []string{"list"}},
		{"an append: the element", touch{op: opAppend, id: "list"}, []string{"list"}},
		{"attrs: the element and its ancestors", touch{op: opAttrs, id: "row-1"}, []string{"row-1", "list"}},
		{"an unknown id: nothing", touch{op: opText, id: "nowhere"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPageBases(basePage, nil)
			p.note(tc.t)
			for _, id := range ids {
				_, _, ok := p.base(id)
				assert.Equal(t, !contains(tc.gone, id), ok, "%s", id)
			}
		})
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func TestPageBases_BaseLeavesOutTheClientsMarks(t *testing.T) {
	p := newPageBases(`<body><form id="f" data-st-flash="3000" aria-invalid="true" data-x="data-st-y=&quot;z&quot;"><input id="i" aria-describedby="d" data-st-loading=""></form></body>`, nil)
	got, _, ok := p.base("f")
	require.True(t, ok)
	assert.Equal(t, `<form id="f" data-x="data-st-y=&quot;z&quot;"><input id="i" aria-describedby="d"></form>`, got)
}

func TestPageBases_ABodyReplaceIsTheNewPage(t *testing.T) {
	p := newPageBases(basePage, nil)
	p.note(touch{op: opText, id: "title"})
	p.note(touch{op: opReplace, html: "<body>\n<p id=\"title\">Fresh</p>\n</body>\n"})
	got, _, ok := p.base("title")
	require.True(t, ok)
	assert.Equal(t, `<p id="title">Fresh</p>`, got)
	_, _, ok = p.base("row-1")
	assert.False(t, ok)
}

func TestPageBases_DistrustUnpredictableElements(t *testing.T) {
	p := newPageBases(`<body><p id="d">a</p><p id="d">b</p><div id="f"><a href="/x" class="c">l</a></div><svg><g id="s"></g></svg><template><p id="in"></p></template></body>`, nil)
	for _, id := range []string{"d", "f", "s", "in"} {
		_, _, ok := p.base(id)
		assert.False(t, ok, id)
	}
}

func TestBuilt_IsTheBrowsersSerializationWhenItRoundTrips(t *testing.T) {
	got, ok := built(row("3", "Three"), "row-3", "div")
	require.True(t, ok)
	assert.Equal(t, "\n    <div id=\"row-3\" class=\"item\"><input type=\"checkbox\" id=\"check-3\"><label>Three</label></div>", got)
	for _, bad := range []struct{ html, id string }{
		{"<p id=a></p><p id=b></p>", "b"},     // two elements
		{"x<p id=a></p>", "a"},                // a lead that is no whitespace
		{"<p id=b></p>", "a"},                 // another id
		{`<b id=a class=c title=t></b>`, "a"}, // attributes x/net/html reorders
	} {
		_, ok := built(bad.html, bad.id, "div")
		assert.False(t, ok, "%q", bad.html)
	}
}

func TestChecksum_IsTheClientsHash(t *testing.T) {
	// [...s].reduce((x, c) => (x * 31 + c.charCodeAt()) | 0, 0) in the client.
	assert.Equal(t, "0", checksum(""))
	assert.Equal(t, "97", checksum("a"))
	assert.Equal(t, "96354", checksum("abc"))
	assert.Equal(t, "1718487168", checksum(strings.Repeat("z", 20)))
	assert.Equal(t, "-2000110883", checksum(`<div id="x">é😀</div>`), "wrapping as int32, negative")
	assert.Equal(t, "55357", checksum("😀"), "a character outside the BMP by its first code unit")
}

// pagePipe is a connection whose client holds basePage.
func pagePipe(window bool) (*wireState, *Decoder) {
	w := newWireState(window)
	w.page(basePage, nil)
	d := &Decoder{}
	d.Page(basePage)
	return w, d
}

func TestEncoder_AColdInsertIsBuiltFromItsNeighbour(t *testing.T) {
	w, d := pagePipe(false)
	ins := statetemplate.Update{Action: statetemplate.ActionInsertAfter, FragmentID: "row-3", TargetID: "row-2", HTML: row("3", "Three")}
	msg := mustEncode(t, w, ins)
	assert.Contains(t, string(msg), "\x1egrow-2\x1f", "a get of the neighbour")
	assert.Less(t, len(msg), len(ins.HTML), "%q", msg)
	got, err := d.Decode(msg)
	require.NoError(t, err)
	want, _ := built(ins.HTML, "row-3", "div")
	assert.Equal(t, []statetemplate.Update{{Action: statetemplate.ActionInsertAfter, FragmentID: "row-3", TargetID: "row-2", HTML: want}}, got.Updates)

	// The next insert is built from the row the last one gave.
	ins = statetemplate.Update{Action: statetemplate.ActionInsertAfter, FragmentID: "row-4", TargetID: "row-3", HTML: row("4", "Four")}
	msg = mustEncode(t, w, ins)
	assert.Contains(t, string(msg), "\x1eG", "a get of the row inserted, by reference: %q", msg)
	got, err = d.Decode(msg)
	require.NoError(t, err)
	want, _ = built(ins.HTML, "row-4", "div")
	assert.Equal(t, want, got.Updates[0].HTML)
}

// filler is a replace of an element the page does not have, long enough
// that the message holding it is compressed on a connection with a window.
var filler = statetemplate.Update{Action: statetemplate.ActionReplace, FragmentID: "note", HTML: `<div id="note">` + strings.Repeat("a note the page has not got ", 5) + `</div>`}

// A text that came with the page is spliced with the checksum of the text
// it builds (a fourth field), which the client verifies since page script
// may have changed the text; only where that is shorter: by its length in
// a message sent as it is; in a compressed one, counting the checksum at
// 4 bytes, unless the message holds the text elsewhere.
func TestEncoder_APageTextIsSplicedWithTheChecksumOfItsText(t *testing.T) {
	sum := checksum("Tasks (3 total)")
	for _, c := range []struct {
		name   string
		window bool
		ups    []statetemplate.Update
		want   string // the text's record
	}{
		{"compressed", true, []statetemplate.Update{{Action: statetemplate.ActionText, FragmentID: "title", HTML: "Tasks (3 total)"}, filler},
			"\x1eptitle\x1f7\x1f1\x1f3\x1f" + sum + "\x1e"},
		{"compressed, the text elsewhere in the message", true, []statetemplate.Update{{Action: statetemplate.ActionText, FragmentID: "title", HTML: "Tasks (3 total)"}, {Action: statetemplate.ActionReplace, FragmentID: "note", HTML: filler.HTML[:len(filler.HTML)-6] + "Tasks (3 total)</div>"}},
			"\x1ettitle\x1fTasks (3 total)\x1e"},
		{"sent as it is, the checksum longer than what it saves", false, []statetemplate.Update{{Action: statetemplate.ActionText, FragmentID: "title", HTML: "Tasks (3 total)"}},
			"\x1ettitle\x1fTasks (3 total)"},
		{"a short text, compressed", true, []statetemplate.Update{{Action: statetemplate.ActionText, FragmentID: "clock", HTML: "9:27:14 AM"}, filler},
			"\x1epclock\x1f5\x1f2\x1f14\x1f" + checksum("9:27:14 AM") + "\x1e"},
		{"a short text, compressed, most of it changed", true, []statetemplate.Update{{Action: statetemplate.ActionText, FragmentID: "clock", HTML: "10:01:00 PM"}, filler},
			"\x1etclock\x1f10:01:00 PM\x1e"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, d := pagePipe(c.window)
			msg := mustEncode(t, w, c.ups...)
			assert.Contains(t, string(msg), c.want)
			assert.Equal(t, strings.HasPrefix(c.want, "\x1ep"), w.predicted, "a checked splice sent is a prediction")
			got, err := d.Decode(msg)
			require.NoError(t, err)
			assert.Equal(t, c.ups[0], got.Updates[0])
		})
	}
}

// A text the connection set goes on as splices without a checksum, by
// the reference its first literal id gave it. (Taking the literal id again
// in a compressed message, where deflate finds it in the message before,
// saved 4 B on the dashboard's warm insert but kept every later splice of
// a text literal on busy pages: the load tool's ticker frames grew from
// 133 to 178 B and its CPU per tab by half.)
func TestEncoder_APageTextsNextSpliceIsUnchecked(t *testing.T) {
	w, d := pagePipe(true)
	for i, c := range []struct{ text, want string }{
		{"Tasks (3 total)", "\x1eptitle\x1f7\x1f1\x1f3\x1f" + checksum("Tasks (3 total)") + "\x1e"},
		{"Tasks (4 total)", "\x1eP0\x1f7\x1f1\x1f4\x1e"},
	} {
		up := statetemplate.Update{Action: statetemplate.ActionText, FragmentID: "title", HTML: c.text}
		msg := mustEncode(t, w, up, filler)
		assert.Contains(t, string(msg), c.want, "batch %d", i)
		got, err := d.Decode(msg)
		require.NoError(t, err)
		assert.Equal(t, up, got.Updates[0])
	}
}

// A checked splice whose checksum does not match the text it builds — the
// text the browser held was not the page's — fails to decode, as in the
// client, which then asks for a resync; after one, the connection splices
// no page text any more.
func TestDecoder_AChecksumMismatchFailsTheSplice(t *testing.T) {
	for _, c := range []struct{ name, msg string }{
		{"another checksum", "\x1eptitle\x1f7\x1f1\x1f3\x1f" + checksum("Tasks (4 total)")},
		{"an empty checksum", "\x1eptitle\x1f7\x1f1\x1f3\x1f"},
		{"no text from the page", "\x1eplist\x1f0\x1f0\x1fx\x1f" + checksum("x")},
		{"a fifth field", "\x1eptitle\x1f7\x1f1\x1f3\x1f" + checksum("Tasks (3 total)") + "\x1f"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, d := pagePipe(false)
			_, err := d.Decode([]byte(c.msg))
			require.ErrorIs(t, err, ErrBadUpdates)
		})
	}
	w, _ := pagePipe(true)
	mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionText, FragmentID: "title", HTML: "Tasks (3 total)"}, filler)
	w.resynced()
	msg := mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionReplace, HTML: "<body><h2 id=\"title\">Tasks (3 total)</h2></body>"})
	require.NotEmpty(t, msg)
	msg = mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionText, FragmentID: "title", HTML: "Tasks (4 total)"}, filler)
	assert.Regexp(t, "^\x1e[tT][^\x1f]*\x1fTasks \\(4 total\\)\x1e", string(msg), "after a resync, whole")
}

func TestEncoder_AReplaceOfAPageElementIsBuiltFromIt(t *testing.T) {
	w, d := pagePipe(false)
	html := "\n    <div id=\"row-1\" class='item done'><input type=checkbox id=\"check-1\" checked /><label>One &amp; only</label></div>"
	msg := mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionReplace, FragmentID: "row-1", HTML: html})
	assert.Contains(t, string(msg), "\x1egrow-1\x1f")
	got, err := d.Decode(msg)
	require.NoError(t, err)
	want, _ := built(html, "row-1", "div")
	assert.Equal(t, want, got.Updates[0].HTML)

	// The morph keeps the element's attributes where they were: what it
	// holds now is no base, and an insert after it goes whole.
	ins := statetemplate.Update{Action: statetemplate.ActionInsertAfter, FragmentID: "row-3", TargetID: "row-1", HTML: row("3", "Three")}
	msg = mustEncode(t, w, ins)
	assert.NotContains(t, string(msg), "\x1eg")
	got, err = d.Decode(msg)
	require.NoError(t, err)
	assert.Equal(t, ins.HTML, got.Updates[0].HTML)
}

func TestDecoder_RefusesAGetThatDoesNotBuildItsHTML(t *testing.T) {
	tests := []struct{ name, msg string }{
		{"a checksum of other html", "\x1egrow-1\x1f123\x1f0\x1f0\x1fx\x1eirow-9\x1frow-1\x1f"},
		{"an element the page does not give", "\x1egnowhere\x1f0"},
		{"hunks beyond the base", "\x1egrow-1\x1f0\x1f5000\x1f0\x1fx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &Decoder{}
			d.Page(basePage)
			_, err := d.Decode([]byte(tc.msg))
			require.ErrorIs(t, err, ErrBadUpdates)
		})
	}
	_, err := new(Decoder).Decode([]byte("\x1egrow-1\x1f0"))
	require.ErrorIs(t, err, ErrBadUpdates, "without the page")
}

func TestWireState_AResyncAfterAGetEndsThePredictions(t *testing.T) {
	w, _ := pagePipe(false)
	w.resynced() // before any get: the page is still trusted
	msg := mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionInsertAfter, FragmentID: "row-3", TargetID: "row-2", HTML: row("3", "Three")})
	require.Contains(t, string(msg), "\x1eg")
	w.resynced()
	mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionReplace, HTML: "<body>" + row("1", "One") + "</body>"})
	msg = mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionInsertAfter, FragmentID: "row-2", TargetID: "row-1", HTML: row("2", "Two")})
	assert.NotContains(t, string(msg), "\x1eg", "no more gets: %q", msg)
	w.page(basePage, nil)
	assert.Nil(t, w.bases, "nor a page")
}

// pageUpdate makes the update of step s on basePage's elements: inserts of
// rows after and before rows (made of the pool's labels), their replaces,
// texts, attrs and removes, the body replaced.
func pageUpdate(s byte, i int, pool []string) statetemplate.Update {
	n := strconv.Itoa(int(s>>4)%6 + 1)
	label := pool[i%len(pool)]
	switch s % 8 {
	case 0:
		return statetemplate.Update{Action: statetemplate.ActionInsertAfter, FragmentID: "row-" + strconv.Itoa(10+i), TargetID: "row-" + n, HTML: row(strconv.Itoa(10+i), label)}
	case 1:
		return statetemplate.Update{Action: statetemplate.ActionInsertBefore, FragmentID: "row-" + strconv.Itoa(10+i), TargetID: "row-" + n, HTML: row(strconv.Itoa(10+i), label)}
	case 2:
		return statetemplate.Update{Action: statetemplate.ActionReplace, FragmentID: "row-" + n, HTML: row(n, label)}
	case 3:
		return statetemplate.Update{Action: statetemplate.ActionText, FragmentID: []string{"title", "clock", "row-" + n}[i%3], HTML: label}
	case 4:
		return statetemplate.Update{Action: statetemplate.ActionRemove, FragmentID: "row-" + n}
	case 5:
		return statetemplate.Update{Action: statetemplate.ActionAttrs, FragmentID: "row-" + n, HTML: "\n    <div id=\"row-" + n + "\" title=\"" + label + "\">"}
	case 6:
		return statetemplate.Update{Action: statetemplate.ActionReplace, HTML: "<body>" + row(n, label) + row("2", label) + "\n</body>"}
	default:
		return statetemplate.Update{Action: statetemplate.ActionAppend, FragmentID: "list", HTML: row(strconv.Itoa(10+i), label)}
	}
}

// FuzzPageEncoderDecoder runs batches of updates of a page's elements
// through the encoder of a connection that holds the page, with or without
// a compression window, and a decoder given the page: every batch decodes
// to itself, but for the html a get record built, which is the html's
// serialization as the browser's (and parses to the same elements).
func FuzzPageEncoderDecoder(f *testing.F) {
	f.Add(false, []byte{0x00, 0x10, 0x82, 0x23, 0x13, 0x80, 0x05, 0x84, 0x16, 0x87}, "Three|Four &amp; more|😀 five|caf\xe9")
	f.Add(true, []byte{0x80, 0x90, 0x12, 0x83, 0x03, 0x26, 0x80, 0x81}, "Tasks (3 total)|Tasks (4 total)|9:27:14 AM")
	f.Add(true, []byte{0x03, 0x07, 0x83, 0x03, 0x07, 0x83}, "Tasks (3 total)|Tasks (4 total)|9:27:14 AM|a longer label for the row that fills the message")
	f.Fuzz(func(t *testing.T, window bool, steps []byte, texts string) {
		pool := strings.Split(texts, "|")
		w, d := pagePipe(window)
		var batch []statetemplate.Update
		for i, s := range steps {
			batch = append(batch, pageUpdate(s, i, pool))
			if s&0x80 == 0 && i < len(steps)-1 {
				continue
			}
			b, err := w.encode(batch, int64(i+1))
			require.NoError(t, err)
			got, err := d.Decode(b)
			require.NoError(t, err, "%q", b)
			require.Len(t, got.Updates, len(batch), "%q", b)
			for j, u := range batch {
				u.FragmentID, u.TargetID, u.HTML = valid(u.FragmentID), valid(u.TargetID), valid(u.HTML)
				g := got.Updates[j]
				if g.HTML != u.HTML && (u.Action == statetemplate.ActionReplace || u.Action == statetemplate.ActionInsertAfter || u.Action == statetemplate.ActionInsertBefore) {
					want, ok := built(u.HTML, u.FragmentID, "div")
					require.True(t, ok, "%q built from a base, which it cannot be", u.HTML)
					u.HTML = want
				}
				require.Equal(t, u, g, "%q", b)
			}
			batch = nil
		}
	})
}

// FuzzPageDecoder runs a decoder that holds basePage on any two messages:
// each fails with ErrBadUpdates or gives a batch, get records included.
func FuzzPageDecoder(f *testing.F) {
	f.Add([]byte("\x1egrow-1\x1f0\x1f0\x1f0\x1fx\x1eirow-9\x1frow-1\x1f"), []byte("\x1eGa\x1f1\x1f0\x1f0\x1f"))
	f.Add([]byte("\x1epclock\x1f5\x1f2\x1f14"), []byte("\x1er\x1f<body><p id=a>b</p></body>\x1epa\x1f0\x1f1\x1fc"))
	f.Add([]byte("\x1eptitle\x1f7\x1f1\x1f3\x1f"+checksum("Tasks (3 total)")), []byte("\x1eP0\x1f7\x1f1\x1f4\x1eptitle\x1f0\x1f0\x1fx\x1f1"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		d := &Decoder{}
		d.Page(basePage)
		for _, m := range [][]byte{a, b} {
			if _, err := d.Decode(m); err != nil && !errors.Is(err, ErrBadUpdates) {
				t.Fatalf("error %v does not wrap ErrBadUpdates", err)
			}
		}
	})
}

func TestPageBases_StayWithinTheAppsBudget(t *testing.T) {
	budget := &basesBudget{limit: DefaultPageBasesBytes}
	p := newPageBases(basePage, budget)
	_, _, ok := p.base("row-1")
	require.True(t, ok)
	held := budget.used.Load()
	assert.Positive(t, held, "the serialization and index are charged")
	p.note(touch{op: opInsertAfter, id: "row-3", target: "row-2"})
	p.given("row-3", "\n    <div id=\"row-3\"></div>", "div")
	assert.Greater(t, budget.used.Load(), held, "a base given since is charged")
	p.release()
	assert.Zero(t, budget.used.Load(), "all given back")
	_, _, ok = p.base("row-1")
	assert.False(t, ok, "no bases after")

	budget.used.Store(DefaultPageBasesBytes - 10)
	full := newPageBases(basePage, budget)
	_, _, ok = full.base("row-1")
	assert.False(t, ok, "past the budget: no bases")
	assert.Equal(t, int64(DefaultPageBasesBytes-10), budget.used.Load(), "nothing charged")
}

func TestWithPageBases_ZeroKeepsNoPages(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		kept bool
	}{
		{"default", nil, true},
		{"zero", []Option{WithPageBases(0)}, false},
		{"negative", []Option{WithPageBases(-1)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s servedPages
			s.bases.limit = newConfig(tc.opts).pageBases
			now := time.Now()
			s.put("ref", basePage, now)
			assert.Equal(t, tc.kept, s.take("ref", now) == basePage)
		})
	}
}

func TestWireState_AResyncThatEndsThePredictionsGivesBackTheirBudget(t *testing.T) {
	budget := &basesBudget{limit: DefaultPageBasesBytes}
	w := newWireState(false)
	w.page(basePage, budget)
	msg := mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionInsertAfter, FragmentID: "row-3", TargetID: "row-2", HTML: row("3", "Three")})
	require.Contains(t, string(msg), "\x1eg")
	require.Positive(t, budget.used.Load(), "the page's bases are charged")

	w.resynced()
	assert.Zero(t, budget.used.Load(), "bases dropped by a resync are given back at once")
	w.releaseBases() // as the connection closes
	assert.Zero(t, budget.used.Load(), "and not twice")
}

func TestPageBases_ABodyReplaceIsParsedOnlyWhenABaseIsWanted(t *testing.T) {
	body := "<body>" + row("1", "One") + "\n</body>"
	for _, tc := range []struct {
		name  string
		first func(p *pageBases) // what the connection did before the resync
	}{
		{"before the page was parsed", func(*pageBases) {}},
		{"after", func(p *pageBases) { p.base("row-1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			budget := &basesBudget{limit: DefaultPageBasesBytes}
			p := newPageBases(basePage, budget)
			tc.first(p)
			p.note(touch{op: opReplace, html: body})
			assert.Empty(t, p.s, "not parsed yet: the page it replaced is not parsed either")
			assert.Empty(t, p.pending)
			assert.Equal(t, int64(len(body)), budget.used.Load(), "the body is charged as a page waiting")

			got, _, ok := p.base("row-1")
			require.True(t, ok)
			want, _ := built(row("1", "One"), "row-1", "div")
			assert.Equal(t, strings.TrimLeft(want, " \n"), got)
			_, _, ok = p.base("row-2")
			assert.False(t, ok, "the page replaced gives no bases")
			p.release()
			assert.Zero(t, budget.used.Load())
		})
	}
}

func TestWireState_AResyncAfterNoGetKeepsThePredictions(t *testing.T) {
	w, _ := pagePipe(false)
	// A base is found and a get built, but the record whole is shorter:
	// no get is sent.
	msg := mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionReplace, FragmentID: "clock", HTML: `<b id="clock">1</b>`})
	require.NotContains(t, string(msg), "\x1eg", "%q", msg)
	w.resynced()
	require.NotNil(t, w.bases, "no get was sent: a resync has nothing to distrust")
	msg = mustEncode(t, w, statetemplate.Update{Action: statetemplate.ActionInsertAfter, FragmentID: "row-3", TargetID: "row-2", HTML: row("3", "Three")})
	assert.Contains(t, string(msg), "\x1eg", "gets go on: %q", msg)
}

// built answers from its memo what it answers without it, and remembers
// what it parsed: the tabs of a publish are given the same html.
func TestBuilt_RemembersWhatItParsed(t *testing.T) {
	for _, c := range []struct{ html, id, parent string }{
		{"\n    <div id=\"row-9\" class='item'><input type=checkbox checked /><label>Nine &amp; on</label></div>", "row-9", "div"},
		{`<td id="p-AAPL" class="up">485.31</td>`, "p-AAPL", "tr"},
		{`<b id="x" title="a" lang="b">x</b>`, "x", "p"}, // attributes x/net/html reorders: no prediction
		{`<p id="y">a</p><p id="z">b</p>`, "z", "div"},   // two elements: none
	} {
		made, ok := buildOnce(c.html, c.id, c.parent)
		k := builtKey{html: c.html, id: c.id, parent: c.parent}
		for range 2 {
			got, gotOK := built(c.html, c.id, c.parent)
			assert.Equal(t, ok, gotOK, "%q", c.html)
			assert.Equal(t, made, got, "%q", c.html)
		}
		r, held := builtMemo.Get(k)
		require.True(t, held, "%q remembered", c.html)
		assert.Equal(t, builtAnswer{made, ok}, r)
	}
}

// A budget that runs out says so once, at warning level; a budget of 0
// (bases turned off) never does.
func TestPageBases_ABudgetThatRunsOutWarnsOnce(t *testing.T) {
	for _, c := range []struct {
		limit int64
		warns int
	}{{limit: 10, warns: 1}, {limit: 0, warns: 0}} {
		var logs testlog.Buffer
		budget := &basesBudget{limit: c.limit, logger: slog.New(slog.NewTextHandler(&logs, nil))}
		for range 3 {
			p := newPageBases(basePage, budget)
			_, _, ok := p.base("row-1")
			assert.False(t, ok, "past the budget: no bases")
		}
		assert.Equal(t, c.warns, strings.Count(logs.String(), "level=WARN"), "limit %d: %s", c.limit, logs.String())
		if c.warns > 0 {
			assert.Contains(t, logs.String(), "WithPageBases")
		}
	}
}

// The records a connection notes before its page is parsed are kept
// without their html: until the page is parsed no base was given since
// it, which is all their html is read for, and a connection that only
// appends (a log, a chat) held up to maxPending records' html, outside
// the App's budget.
func TestPageBases_RecordsNotedBeforeTheParseKeepNoHTML(t *testing.T) {
	p := newPageBases(basePage, nil)
	line := "<p id=\"line\">" + strings.Repeat("x", 64<<10) + "</p>"
	for range maxPending - 1 {
		p.note(touch{op: opAppend, id: "list", html: line})
	}
	require.False(t, p.loaded, "not parsed yet")
	require.Len(t, p.pending, maxPending-1)
	held := 0
	for _, t := range p.pending {
		held += len(t.html)
	}
	assert.Zero(t, held, "no record's html is kept")
	_, _, ok := p.base("list")
	assert.False(t, ok, "the appends noted once the page is parsed")
	_, _, ok = p.base("row-1")
	assert.True(t, ok)
}

// The pages waiting for their connection stay within WithPageBases too,
// when it is below their own bound (maxServedBytes): a bound of 64 KiB
// kept 16 MiB of pages.
func TestWithPageBases_BoundsThePagesWaitingToo(t *testing.T) {
	var s servedPages
	s.bases.limit = newConfig([]Option{WithPageBases(64 << 10)}).pageBases
	now := time.Now()
	page := basePage + strings.Repeat(" ", 16<<10)
	for i := range 64 {
		s.put("ref-"+strconv.Itoa(i), page, now)
	}
	assert.LessOrEqual(t, s.bytes, 64<<10)
	assert.Equal(t, page, s.take("ref-63", now), "the latest are kept")
}

// cellsPage is a page of n table cells with ids, as a ticker's: an id
// every 27 bytes.
func cellsPage(n int) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><body><table><tr>")
	for i := range n {
		b.WriteString(`<td id="p-` + strconv.Itoa(10000+i) + `">123.45</td>`)
	}
	b.WriteString("</tr></table></body></html>")
	return b.String()
}

// What a connection's parsed page holds in the heap is what it charges
// the App's budget, within a quarter, however many ids the page has: a
// page of table cells with ids held 4.2 times its charge (two bytes for
// each byte of the page), past WithPageBases.
func TestPageBases_TheParsedPageIsChargedWhatItHolds(t *testing.T) {
	for _, page := range []string{rowsPage(50), cellsPage(2000)} {
		const conns = 20
		keep := make([]*pageBases, conns)
		budget := &basesBudget{limit: 1 << 40}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range keep {
			keep[i] = newPageBases(strings.Clone(page), budget)
			keep[i].load()
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held := float64(after.HeapAlloc-before.HeapAlloc) / conns
		charged := float64(budget.used.Load()) / conns
		require.Positive(t, charged)
		assert.LessOrEqual(t, held, 1.25*charged, "a page of %d bytes, %d ids", len(page), len(keep[0].spans))
		runtime.KeepAlive(keep)
	}
}
