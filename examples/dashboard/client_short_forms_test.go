package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

// The short forms of the wire (version 3 on) — an id by its number, a text by what
// changed in it — applied by the client in Chromium give the element the
// text the whole record would have: UTF-16 offsets past characters
// outside the BMP included. Each step checks that the encoder did use the
// short form, so that the test can fail when it does not.
func TestClient_AppliesReferencesAndSplices(t *testing.T) {
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	ws := s.conn(t)
	send := encodeTo(t, ws)
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
	send := encodeTo(t, ws)
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

// encodeTo returns a function that sends an update to ws in the wire form
// of the browser client (live.Encoder, one for the connection), and
// returns what it sent.
func encodeTo(t *testing.T, ws *websocket.Conn) func(statetemplate.Update) string {
	enc := &live.Encoder{}
	return func(u statetemplate.Update) string {
		t.Helper()
		b, err := enc.Encode(live.Batch{Updates: []statetemplate.Update{u}})
		require.NoError(t, err)
		require.NoError(t, ws.Write(t.Context(), websocket.MessageText, b))
		return string(b)
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// After a record it cannot apply, the client asks for a resync and applies
// nothing until its answer, a replace of the whole body: the records the
// server sent in between may build on what the page lacks. Here a text the
// failed batch carried never reached the page, and the next batch splices
// it: applied, it would make "A world" of the "A" the page shows.
func TestClient_AfterAFailedRecordWaitsForTheResync(t *testing.T) {
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	ws := s.conn(t)
	enc := &live.Encoder{}
	send := func(b live.Batch) string {
		t.Helper()
		msg, err := enc.Encode(b)
		require.NoError(t, err)
		require.NoError(t, ws.Write(t.Context(), websocket.MessageText, msg))
		return string(msg)
	}
	text := func(s string) statetemplate.Update {
		return statetemplate.Update{FragmentID: "a", Action: statetemplate.ActionText, HTML: s}
	}
	isA := func(want string) string { return `document.getElementById("a")?.textContent === ` + quote(want) }

	send(live.Batch{Updates: []statetemplate.Update{text("A")}})
	tb.waitFor(isA("A"))
	send(live.Batch{Updates: []statetemplate.Update{
		{FragmentID: "missing", Action: statetemplate.ActionRemove},
		text("Hello"),
	}})
	s.expectRecv(t, `{"action":"_resync"}`)

	// An action's acknowledgment ends the batch: once the action has been
	// answered, the client has read the batch.
	eval[bool](tb, `statetemplate.send("ping", {}).finally(() => (window.answered = true)), true`)
	var action struct {
		Seq int64 `json:"_seq"`
	}
	select {
	case m := <-s.recv:
		require.NoError(t, json.Unmarshal([]byte(m), &action), m)
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not send its action")
	}
	msg := send(live.Batch{Updates: []statetemplate.Update{text("Hello world")}, Ack: action.Seq})
	require.Contains(t, msg, "\x1epa\x1f", "the encoder splices the text it believes the page has: %q", msg)
	tb.waitFor(`window.answered === true`)
	assert.Equal(t, "A", eval[string](tb, `document.getElementById("a").textContent`), "a record sent before the resync's answer waits for it")

	send(live.Batch{Updates: []statetemplate.Update{{Action: statetemplate.ActionReplace, HTML: "<body>\n<p id=\"a\">Hello world</p>\n<ul id=\"list\"></ul>\n</body>"}}})
	tb.waitFor(isA("Hello world"))
	msg = send(live.Batch{Updates: []statetemplate.Update{text("Hello world!")}})
	tb.waitFor(isA("Hello world!"))
	assert.Contains(t, msg, "Hello world!", "whole: the body's html held the element")
	select {
	case m := <-s.recv:
		t.Fatalf("the client asked for %s after the resync", m)
	default:
	}
}
