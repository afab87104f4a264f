package main

import (
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

// The short forms of wire version 3 — an id by its number, a text by what
// changed in it — applied by the client in Chromium give the element the
// text the whole record would have: UTF-16 offsets past characters
// outside the BMP included. Each step checks that the encoder did use the
// short form, so that the test can fail when it does not.
func TestClient_AppliesReferencesAndSplices(t *testing.T) {
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	ws := s.conn(t)
	enc := &live.Encoder{}
	send := func(u statetemplate.Update) string {
		t.Helper()
		b, err := enc.Encode(live.Batch{Updates: []statetemplate.Update{u}})
		require.NoError(t, err)
		require.NoError(t, ws.Write(t.Context(), websocket.MessageText, b))
		return string(b)
	}
	text := func(id, s string) statetemplate.Update {
		return statetemplate.Update{FragmentID: id, Action: statetemplate.ActionText, HTML: s}
	}
	is := func(id, want string) string {
		return `document.getElementById(` + quote(id) + `)?.textContent === ` + quote(want)
	}

	// A long id, numbered by its first record.
	send(statetemplate.Update{FragmentID: "list", Action: statetemplate.ActionAppend, HTML: `<li id="tasks-title-of-the-list">Tasks (50 total)</li>`})
	tb.waitFor(`!!document.getElementById("tasks-title-of-the-list")`)
	send(text("tasks-title-of-the-list", "Tasks (50 total)"))

	steps := []struct {
		name, text string
	}{
		{"digits in the middle", "Tasks (49 total)"},
		{"an insertion", "Tasks (149 total)"},
		{"a deletion", "Tasks (9 total)"},
		{"characters outside the BMP before the change", "😀 Tasks (9 total)"},
		{"a change after a surrogate pair", "😀 Tasks (8 total)"},
		{"a pair replaced by a pair", "😃 Tasks (8 total)"},
		{"markup characters stay text", "😃 Tasks <b>&amp;</b> (8 total)"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			msg := send(text("tasks-title-of-the-list", st.text))
			tb.waitFor(is("tasks-title-of-the-list", st.text))
			assert.Less(t, len(msg), len(st.text)+len("tasks-title-of-the-list"), "a splice by reference: %q", msg)
			assert.Contains(t, msg, "P", "a splice by reference: %q", msg)
		})
	}

	// A replace re-creates elements: the next text is sent whole.
	send(statetemplate.Update{FragmentID: "tasks-title-of-the-list", Action: statetemplate.ActionReplace, HTML: `<li id="tasks-title-of-the-list">Tasks (7 total)</li>`})
	tb.waitFor(is("tasks-title-of-the-list", "Tasks (7 total)"))
	msg := send(text("tasks-title-of-the-list", "Tasks (6 total)"))
	assert.Contains(t, msg, "Tasks (6 total)", "whole after html")
	tb.waitFor(is("tasks-title-of-the-list", "Tasks (6 total)"))

	msg = send(statetemplate.Update{FragmentID: "tasks-title-of-the-list", Action: statetemplate.ActionRemove})
	assert.NotContains(t, msg, "tasks-title", "removed by reference")
	tb.waitFor(`!document.getElementById("tasks-title-of-the-list")`)
	select {
	case m := <-s.recv:
		t.Fatalf("the client asked for %s after valid updates", m)
	default:
	}
}

// An html splice (q) — a replace sent as what changed in the html the
// element was last given by a replace or an attrs record — applied by the
// client in Chromium gives the element the html the whole replace would:
// a class and a text at once, UTF-16 offsets past characters outside the
// BMP, from a start tag that an attrs record gave. Html that may hold the
// element makes its next replace whole. Each step checks the form used.
func TestClient_AppliesHTMLSplices(t *testing.T) {
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	ws := s.conn(t)
	enc := &live.Encoder{}
	send := func(u statetemplate.Update) string {
		t.Helper()
		b, err := enc.Encode(live.Batch{Updates: []statetemplate.Update{u}})
		require.NoError(t, err)
		require.NoError(t, ws.Write(t.Context(), websocket.MessageText, b))
		return string(b)
	}
	replace := func(html string) statetemplate.Update {
		return statetemplate.Update{FragmentID: "p-AAPL", Action: statetemplate.ActionReplace, HTML: html}
	}
	is := func(want string) string {
		return `document.getElementById("p-AAPL")?.outerHTML === ` + quote(want)
	}

	send(statetemplate.Update{FragmentID: "list", Action: statetemplate.ActionAppend, HTML: `<li id="p-AAPL" class="up">485.31</li>`})
	tb.waitFor(is(`<li id="p-AAPL" class="up">485.31</li>`))
	msg := send(replace(`<li id="p-AAPL" class="up">485.30</li>`))
	assert.Contains(t, msg, "\x1f<li", "appended, not replaced: the first replace is whole: %q", msg)
	tb.waitFor(is(`<li id="p-AAPL" class="up">485.30</li>`))

	steps := []struct {
		name string
		rec  statetemplate.Update
		want string
	}{
		{"a class and a text", replace(`<li id="p-AAPL" class="down">484.99</li>`), `<li id="p-AAPL" class="down">484.99</li>`},
		{"characters outside the BMP before the change", replace(`<li id="p-AAPL" class="down" title="😀">484.99 ▼</li>`), `<li id="p-AAPL" class="down" title="😀">484.99 ▼</li>`},
		{"a change after a surrogate pair", replace(`<li id="p-AAPL" class="down" title="😀">484.98 ▼</li>`), `<li id="p-AAPL" class="down" title="😀">484.98 ▼</li>`},
		{"markup in the splice", replace(`<li id="p-AAPL" class="down" title="😀">484.98 <b>&amp;</b> ▼</li>`), `<li id="p-AAPL" class="down" title="😀">484.98 <b>&amp;</b> ▼</li>`},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			msg := send(st.rec)
			tb.waitFor(is(st.want))
			assert.Contains(t, msg, "\x1eQ", "an html splice by reference: %q", msg)
			assert.Less(t, len(msg), len(st.rec.HTML), "%q", msg)
		})
	}

	// An attrs record gives the element a start tag: the next replace
	// splices that.
	send(statetemplate.Update{FragmentID: "p-AAPL", Action: statetemplate.ActionAttrs, HTML: `<li id="p-AAPL" class="flat">`})
	tb.waitFor(is(`<li id="p-AAPL" class="flat">484.98 <b>&amp;</b> ▼</li>`))
	msg = send(replace(`<li id="p-AAPL" class="flat">484.98 ▲</li>`))
	assert.Contains(t, msg, "\x1eQ", "spliced from the start tag: %q", msg)
	tb.waitFor(is(`<li id="p-AAPL" class="flat">484.98 ▲</li>`))

	// Html that holds the element re-creates it: its next replace is whole.
	send(statetemplate.Update{FragmentID: "list", Action: statetemplate.ActionReplace, HTML: `<ul id="list"><li id="p-AAPL" class="up">1.00</li></ul>`})
	tb.waitFor(is(`<li id="p-AAPL" class="up">1.00</li>`))
	msg = send(replace(`<li id="p-AAPL" class="up">1.01</li>`))
	assert.Contains(t, msg, `<li id="p-AAPL" class="up">1.01</li>`, "whole after html that holds it")
	tb.waitFor(is(`<li id="p-AAPL" class="up">1.01</li>`))
	select {
	case m := <-s.recv:
		t.Fatalf("the client asked for %s after valid updates", m)
	default:
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
