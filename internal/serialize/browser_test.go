package serialize_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/livefir/statetemplate/internal/browsertest"
	"github.com/livefir/statetemplate/internal/serialize"
)

// Chromium's own serialization of markup parsed in a <body> is the one the
// package predicts: the escapes of attribute values (Chromium escapes "<"
// and ">" in them too) and of text, void and boolean attributes, raw text
// elements, <template>, foreign content, what the parser fixes.
func TestOuter_IsChromiumsSerialization(t *testing.T) {
	tab := browsertest.Start(t).NewTab(t)
	tab.Navigate("about:blank")
	for _, markup := range []string{
		`<div id="task-1" class='item ' data-x=a&amp;b data-y="&quot;q&quot; <x> &nbsp;"><input type=checkbox checked /><label for="c">A &lt; B&nbsp;&gt; "C" 'D' &amp; E</label></div>`,
		`<p title="a > b < c">x</p><img src="/a.png" alt=""><br/><hr><wbr>`,
		`<style>a > b { content: "&amp;" }</style><script>if (a < b && c) {}</script>`,
		`<noscript><b>n</b> & m</noscript><xmp><b>x</b></xmp><iframe><p>i</p></iframe>`,
		`<template><tr id="r"><td>&lt;</td></tr></template>`,
		`<table><tr><td id=p>1</td></tr></table><select><option selected>a</option></select>`,
		`<svg viewbox="0 0 1 1" xmlns:xlink="http://www.w3.org/1999/xlink"><foreignobject><p>f</p></foreignobject><use xlink:href="#a"/></svg>`,
		`<math><mi xml:lang="en">x</mi><annotation-xml encoding="text/html"><p>h</p></annotation-xml></math>`,
		"<pre>\n\nx</pre><textarea>\nq &amp; r</textarea><listing>\nl</listing>",
		`<!-- a & b --><p>unclosed <b>bold <i>both</b> italic</i></p>`,
		`<ul><li>one<li>two</ul><dl><dt>t<dd>d</dl>`,
		"<p>\u00a0\u00a0 tabs\tand\r\nreturns</p>",
		`<div data-emoji="😀">😀 é</div>`,
	} {
		markup := markup
		t.Run(markup, func(t *testing.T) {
			js, err := json.Marshal(markup)
			assert.NoError(t, err)
			got := browsertest.Eval[string](tab, `document.body.innerHTML = `+string(js)+`, document.body.innerHTML`)
			assert.Equal(t, got, serialize.Inner(serialize.Body(t, markup)))
		})
	}
}
