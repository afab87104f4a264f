package session

import (
	"bytes"
	"html"

	"github.com/livefir/statetemplate/fragments"
)

// The fragments engine tracks the body only; the document's title is the
// one part of the head a page changes with its data ("(3) Inbox"), and the
// part a navigation between templates must change. A session keeps the
// title it last rendered (Record.Title) and reports a change with one
// update whose action is fragments.ActionTitle.

// maxTitleScan bounds the search for <title>: it sits in the head, near
// the start of the page.
const maxTitleScan = 64 << 10

// PageTitle returns the text of the page's first <title> element before
// its body, with character references decoded, as document.title reads it
// (whitespace collapsed, trimmed); "" when there is none.
func PageTitle(page []byte) string {
	head := page[:min(len(page), maxTitleScan)]
	start := indexFold(head, "<title")
	if start < 0 {
		return ""
	}
	if body := indexFold(head[:start], "<body"); body >= 0 {
		return ""
	}
	gt := bytes.IndexByte(head[start:], '>')
	if gt < 0 {
		return ""
	}
	text := head[start+gt+1:]
	end := indexFold(text, "</title")
	if end < 0 {
		return ""
	}
	return string(bytes.Join(bytes.Fields([]byte(html.UnescapeString(string(text[:end])))), []byte(" ")))
}

// indexFold is bytes.Index with an ASCII case-insensitive match of the
// lower-case needle.
func indexFold(b []byte, needle string) int {
	for i := 0; i+len(needle) <= len(b); i++ {
		j := 0
		for j < len(needle) && b[i+j]|0x20 == needle[j] {
			j++
		}
		if j == len(needle) {
			return i
		}
	}
	return -1
}

// titleUpdate appends the update that changes the document's title when
// the page's title is not prev's.
func titleUpdate(prev *Record, title string, updates []fragments.Update) []fragments.Update {
	if prev.Fragments != nil && title != prev.Title {
		updates = append(updates, fragments.Update{Action: fragments.ActionTitle, HTML: title})
	}
	return updates
}
