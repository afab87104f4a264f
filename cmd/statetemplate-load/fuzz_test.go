package main

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/livefir/statetemplate/live"
)

// FuzzAnswerParsing feeds the parsers of what a server sends back — pages,
// update arrays, error objects, /proc status files — arbitrary bytes: they
// must not panic, and what they return must come from the input.
func FuzzAnswerParsing(f *testing.F) {
	f.Add([]byte(`<div id="task-list"><div id="task-1"><input id="task-check-1"></div></div><script data-ref="r&#43;1" data-url="/ws">`))
	f.Add([]byte("\x1eitask-7\x1ftask-6\x1f<div id=\"task-7\">"))
	f.Add([]byte(`{"error":"rate_limited","message":"too many actions"}`))
	f.Add([]byte("VmRSS:\t 1234 kB\n"))
	f.Add([]byte(`task-task-id="task-`))
	f.Add([]byte(`[{"html":"<span id=\"tick\">#42 · 15:04:05</span>"}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, id := range taskIDs(b, nil) {
			if id == "" || !bytes.Contains(b, []byte("task-"+id)) {
				t.Fatalf("taskIDs returned %q, not in the input", id)
			}
		}
		if code, ok := errorCode(b); ok && code == "" {
			t.Fatal("an error answer without a code")
		}
		if u, err := socketURL("http://127.0.0.1:8080/", b); err == nil {
			p, perr := url.Parse(u)
			if perr != nil || (p.Scheme != "ws" && p.Scheme != "wss") {
				t.Fatalf("socketURL gave %q", u)
			}
		}
		_, _ = parseVmRSS(strings.NewReader(string(b)))
		if seq := tickSeq(new(live.Decoder), b); seq < 0 || seq > 0 && !bytes.Contains(b, []byte(strconv.FormatInt(seq, 10))) {
			t.Fatalf("tickSeq returned %d, not in the input", seq)
		}
	})
}
