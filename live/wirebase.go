package live

import (
	"hash/maphash"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/livefir/statetemplate/internal/genmap"
	"github.com/livefir/statetemplate/internal/serialize"
)

// Bases from the page. An element that came with the page the connection
// serves, and that no record has changed since, holds the html the
// browser parsed; its outerHTML, as the browser serializes it, is what the
// server predicts from that html (internal/serialize). A record g ("get")
// builds html out of that prediction, spliced by hunks, for the record
// after it: an insert of a row made from its neighbour, a replace of an
// element made from itself. It carries a checksum of the html it builds
// (see checksum), which the client verifies: on a mismatch (page script
// changed the element, or the prediction was wrong) the record fails and
// the client asks for a resync; the server then predicts no more on that
// connection. Measured in BENCHMARKS.md, "Wire bytes".
const (
	opGet        = 'g'
	maxPageBytes = 256 << 10 // the largest page whose bases a connection keeps
	maxPending   = 256       // records noted before the page is parsed
)

// pageBases is what a connection knows of the page its browser holds: the
// page's html until a base is first wanted, then the serialization of its
// body and where each element with an id is in it, for the elements no
// record has touched since.
type pageBases struct {
	src     string
	srcBody bool    // src is the html of a body replace, not a whole page
	pending []touch // records to note once src is parsed, without their html
	s       string
	spans   map[string]span
	indexed int // what s and spans are charged (see indexCost)
	loaded  bool
	// sent are the bases of elements the connection's records gave html
	// since, by id: their html as the browser serializes it, and their
	// parent's tag, within maxSentBytes.
	sent      map[string]span
	sentHTML  map[string]string
	sentBytes int
	// budget, when set, is what the bases of all of the App's connections
	// hold; charged is this connection's part of it.
	budget  *basesBudget
	charged int64
}

// basesBudget bounds the memory the bases of all of an App's connections
// hold (WithPageBases): pages waiting to be parsed, their serializations
// and indexes (see indexCost), and the html given since. A connection past it has no bases: its records go as before
// version 5. It is safe for concurrent use.
type basesBudget struct {
	used  atomic.Int64
	limit int64
	// logger, when set, is told once that the budget ran out.
	logger *slog.Logger
	warned atomic.Bool
}

// full notes that a charge did not fit: the first time, at warning level,
// as a capacity event the operator may want to act on (WithPageBases).
func (b *basesBudget) full() {
	if b.logger != nil && b.limit > 0 && b.warned.CompareAndSwap(false, true) {
		b.logger.Warn("live: the page bases are at their bound (WithPageBases); connections past it are sent their first updates without bases, in more bytes",
			"bound_bytes", b.limit)
	}
}

// charge takes n bytes of the budget for p, or reports that there are not
// so many left.
func (p *pageBases) charge(n int) bool {
	if p.budget == nil {
		return true
	}
	if p.budget.used.Add(int64(n)) > p.budget.limit {
		p.budget.used.Add(-int64(n))
		p.budget.full()
		return false
	}
	p.charged += int64(n)
	return true
}

func (p *pageBases) refund(n int) {
	if p.budget != nil {
		p.budget.used.Add(-int64(n))
		p.charged -= int64(n)
	}
}

// release gives back all p holds of the budget; p has no bases after it.
func (p *pageBases) release() {
	if p.budget != nil {
		p.budget.used.Add(-p.charged)
	}
	*p = pageBases{loaded: true}
}

// maxSentBytes bounds the html of the elements given since the page that a
// connection keeps as bases.
const maxSentBytes = 32 << 10

// span is where an element's outerHTML is in pageBases.s, and the element
// its html is parsed in (its parent). usable is false for an element whose
// prediction cannot be trusted: its id is not unique, it is in foreign
// content, or x/net/html did not keep its attributes' order.
type span struct {
	start, end int
	parent     string
	usable     bool
	// text is the element's text when its content is one text node (or
	// none) that its markup spells as it is: what the browser's
	// textContent gives, for a checked splice (c) of it.
	text    string
	hasText bool
}

// touch is a record, for pageBases.note: its operation (of version 2), its
// id, its target and its html.
type touch struct {
	op         byte
	id, target string
	html       string
}

func newPageBases(page string, budget *basesBudget) *pageBases {
	p := &pageBases{budget: budget, loaded: page == ""}
	if page != "" && len(page) <= maxPageBytes && p.charge(len(page)) {
		p.src = page
	} else {
		p.loaded = true
	}
	return p
}

// load parses the page and notes the records seen until now.
func (p *pageBases) load() {
	if p.loaded {
		return
	}
	p.loaded = true
	src, pending := p.src, p.pending
	p.src, p.pending = "", nil
	p.refund(len(src))
	p.index(src, p.srcBody)
	for _, t := range pending {
		p.note(t)
	}
}

// index makes the bases of page, a whole page, or (body) the html of a
// body replace.
func (p *pageBases) index(page string, body bool) {
	p.refund(p.indexed)
	p.s, p.spans, p.indexed = "", map[string]span{}, 0
	if page == "" || len(page) > maxPageBytes || !p.charge(2*len(page)) {
		return
	}
	defer func() { // charged for the serialization and the index
		p.refund(2 * len(page))
		if n := indexCost(p.s, len(p.spans)); p.charge(n) {
			p.indexed = n
		} else {
			p.s, p.spans = "", map[string]span{}
		}
	}()
	if body {
		page = "<html>" + page
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return
	}
	b := find(doc, atom.Body)
	if b == nil {
		return
	}
	var out strings.Builder
	var bad []int // where elements whose attributes x/net/html reordered start
	for c := b.FirstChild; c != nil; c = c.NextSibling {
		serialize.Write(&out, c, func(el *html.Node, start, end int) {
			if !serialize.Faithful(&html.Node{Type: html.ElementNode, Data: el.Data, Namespace: el.Namespace, Attr: el.Attr}) {
				bad = append(bad, start)
			}
			id := attr(el, "id")
			if id == "" || inTemplate(el) {
				return
			}
			if _, dup := p.spans[id]; dup {
				sp := p.spans[id]
				sp.usable = false
				p.spans[id] = sp
				return
			}
			par := el.Parent
			sp := span{start: start, end: end, parent: par.Data, usable: el.Namespace == "" && par.Namespace == "" && par.Type == html.ElementNode}
			sp.text, sp.hasText = plainText(el)
			p.spans[id] = sp
		})
	}
	p.s = out.String()
	for id, sp := range p.spans {
		for _, at := range bad {
			if at >= sp.start && at < sp.end {
				sp.usable = false
				p.spans[id] = sp
				break
			}
		}
	}
}

// indexCost is what a page's bases hold in memory: the serialization s
// and an index of n elements, each about spanBytes (its entry in the map
// with the map's room to grow, its id and its text): on a page of table
// cells with ids, the index is four times the serialization.
func indexCost(s string, n int) int { return len(s) + n*spanBytes }

// spanBytes is what an element of the index holds, as measured on pages
// of 100 to 4,000 ids (150 to 200 bytes;
// TestPageBases_TheParsedPageIsChargedWhatItHolds).
const spanBytes = 200

// plainText returns the text of el when its content is at most one text
// node, of HTML outside the elements whose text the parser reads
// differently (raw text, RCDATA, <pre>), without the characters that
// character references or the parser may have made (&, <, >, U+00A0, CR,
// NUL, U+FFFD): the text as the markup spells it, which the browser's
// textContent gives unless page script changed it (the checksum of a
// checked splice tells).
func plainText(el *html.Node) (string, bool) {
	if el.Namespace != "" || plainless[el.Data] || el.FirstChild != nil && (el.FirstChild != el.LastChild || el.FirstChild.Type != html.TextNode) {
		return "", false
	}
	if el.FirstChild == nil {
		return "", true
	}
	t := el.FirstChild.Data
	if len(t) > maxSpliceText || strings.ContainsAny(t, "&<>\u00a0\r\x00\uFFFD") {
		return "", false
	}
	return t, true
}

var plainless = map[string]bool{"script": true, "style": true, "textarea": true, "title": true, "pre": true, "listing": true, "xmp": true, "iframe": true, "noembed": true, "noframes": true, "noscript": true, "plaintext": true, "template": true}

// text returns the text of the element id as the page gave it, when the
// browser holds it so (see plainText) and no record has changed it since.
func (p *pageBases) text(id string) (string, bool) {
	p.load()
	sp, ok := p.spans[id]
	if !ok || !sp.hasText {
		return "", false
	}
	return sp.text, true
}

func find(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, a); f != nil {
			return f
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

func inTemplate(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Template && p.Namespace == "" {
			return true
		}
	}
	return false
}

// note takes a record into account: it drops the bases of the elements it
// changes (the element a record names, its ancestors and descendants; the
// parent of an inserted element and its ancestors), and a body replace
// makes its html the page, parsed when a base is first wanted (a resync
// of a connection that wants none parses nothing).
func (p *pageBases) note(t touch) {
	if t.op == opReplace && t.id == "" {
		p.replaced(t.html)
		return
	}
	if !p.loaded {
		if len(p.pending) >= maxPending {
			p.load()
		} else {
			// Without its html: that is read only for the bases given
			// since the page (dropSent), and none is before it is parsed.
			t.html = ""
			p.pending = append(p.pending, t)
			return
		}
	}
	p.dropSent(t)
	switch t.op {
	case opReplace, opText, opRemove:
		if sp, ok := p.spans[t.id]; ok {
			p.drop(sp.start, sp.end)
		}
	case opAttrs: // the start tag: the element and its ancestors
		if sp, ok := p.spans[t.id]; ok {
			p.drop(sp.start+1, sp.start+1)
			delete(p.spans, t.id)
		}
	case opAppend: // within the element, before its end tag
		if sp, ok := p.spans[t.id]; ok {
			p.drop(sp.end-1, sp.end-1)
		}
	case opInsertAfter, opInsertBefore:
		if sp, ok := p.spans[t.target]; ok {
			at := sp.end
			if t.op == opInsertBefore {
				at = sp.start
			}
			p.drop(at, at)
		}
	}
}

// replaced makes body, the html of a body replace, the page, to be parsed
// when a base is first wanted: what p held is dropped unparsed.
func (p *pageBases) replaced(body string) {
	p.clearSent()
	p.refund(len(p.src) + p.indexed)
	p.src, p.pending, p.s, p.spans, p.indexed = "", nil, "", nil, 0
	p.srcBody, p.loaded = false, true
	if body != "" && len(body) <= maxPageBytes && p.charge(len(body)) {
		p.src, p.srcBody, p.loaded = body, true, false
	}
}

// drop drops the bases of the elements that hold any of [start, end), or
// the point start when the two are equal, strictly inside.
func (p *pageBases) drop(start, end int) {
	for id, sp := range p.spans {
		if start == end && sp.start < start && start < sp.end || start < end && start < sp.end && sp.start < end {
			delete(p.spans, id)
		}
	}
}

// dropSent drops the bases given since the page that a record changes:
// the element it names, the elements its html may hold (see held), and
// the elements that hold the element it names or its target.
func (p *pageBases) dropSent(t touch) {
	if len(p.sent) == 0 {
		return
	}
	p.forgetSent(t.id)
	switch t.op {
	case opReplace, opAppend, opInsertAfter, opInsertBefore:
		if !held(t.html, p.forgetSent) {
			p.clearSent()
			return
		}
	}
	for id, h := range p.sentHTML {
		for _, x := range [...]string{t.id, t.target} {
			if x != "" && x != id && strings.Contains(h, `id="`+x+`"`) {
				p.forgetSent(id)
			}
		}
	}
}

func (p *pageBases) forgetSent(id string) {
	if h, ok := p.sentHTML[id]; ok {
		p.sentBytes -= len(h)
		p.refund(len(h))
		delete(p.sentHTML, id)
		delete(p.sent, id)
	}
}

func (p *pageBases) clearSent() {
	p.refund(p.sentBytes)
	clear(p.sent)
	clear(p.sentHTML)
	p.sentBytes = 0
}

// given keeps made, the lead and outerHTML (as the browser serializes it)
// of the element id that a record gave the browser in an element parent,
// as its base; note must have been told of the record first.
func (p *pageBases) given(id, made, parent string) {
	outer := strings.TrimLeft(made, " \t\n\f\r")
	if id == "" || p.sentBytes+len(outer) > maxSentBytes || strings.ContainsAny(id, wordEnds+"&<>\u00a0\x00\uFFFD") {
		return
	}
	p.forgetSent(id)
	if !p.charge(len(outer)) {
		return
	}
	if p.sent == nil {
		p.sent, p.sentHTML = map[string]span{}, map[string]string{}
	}
	p.sent[id] = span{parent: parent, usable: true}
	p.sentHTML[id] = outer
	p.sentBytes += len(outer)
}

// base returns the predicted outerHTML of the element id, without the
// client's marks (see clientMarks), and the element its html is parsed
// in, when the browser holds it as the page, or a record since, gave it.
func (p *pageBases) base(id string) (string, string, bool) {
	p.load()
	if h, ok := p.sentHTML[id]; ok {
		return clientMarks.ReplaceAllString(h, ""), p.sent[id].parent, true
	}
	sp, ok := p.spans[id]
	if !ok || !sp.usable {
		return "", "", false
	}
	return clientMarks.ReplaceAllString(p.s[sp.start:sp.end], ""), sp.parent, true
}

// clientMarks are the attributes the client itself sets on elements
// (data-st-loading while an action is in flight, aria-invalid and
// data-st-error of a field error, data-st-progress), as an element's
// outerHTML spells them, and any whose name starts alike: both ends take
// them out of a base before it is spliced (client/src/apply.js), so that
// a base holding the button just clicked is the one the server predicts.
var clientMarks = regexp.MustCompile(` (data-st|aria-i)[^=]*="[^"]*"`)

// built returns html, the lead and outerHTML of the element id parsed in
// an element parent, as the browser would serialize it, when that
// serialization parses back to the same element: a page built from it is
// the page html gives.
func built(html_, id, parent string) (string, bool) {
	if len(html_) > maxBuiltKey {
		return buildOnce(html_, id, parent)
	}
	k := builtKey{html: html_, id: id, parent: parent}
	if r, ok := builtMemo.Get(k); ok {
		return r.made, r.ok
	}
	made, ok := buildOnce(html_, id, parent)
	builtMemo.Put(k, builtAnswer{made, ok}, int64(2*len(html_)+len(id)+len(parent)+64))
	return made, ok
}

// builtMemo remembers built's answers, shared by an App's connections and
// Apps: the tabs a publish reaches are given the same html, which built
// would parse twice for each. Its keys are compared whole.
var builtMemo = genmap.New[builtKey, builtAnswer](builtMemoBytes, 16, func(k builtKey) uint64 {
	return maphash.Comparable(builtSeed, k)
})

var builtSeed = maphash.MakeSeed()

const (
	builtMemoBytes = 4 << 20 // of html and what built made of it
	maxBuiltKey    = 16 << 10
)

type builtKey struct{ html, id, parent string }

type builtAnswer struct {
	made string
	ok   bool
}

// buildOnce is built without the memo.
func buildOnce(html_, id, parent string) (string, bool) {
	one := func(s string) (string, bool) {
		ctx := &html.Node{Type: html.ElementNode, Data: parent, DataAtom: atom.Lookup([]byte(parent))}
		nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
		if err != nil || len(nodes) == 0 || len(nodes) > 2 {
			return "", false
		}
		el := nodes[len(nodes)-1]
		if el.Type != html.ElementNode || attr(el, "id") != id || !serialize.Faithful(el) {
			return "", false
		}
		lead := ""
		if len(nodes) == 2 {
			if nodes[0].Type != html.TextNode || strings.Trim(nodes[0].Data, " \t\n\f\r") != "" {
				return "", false
			}
			lead = nodes[0].Data
		}
		return lead + serialize.Outer(el), true
	}
	out, ok := one(html_)
	if !ok {
		return "", false
	}
	again, ok := one(out)
	return out, ok && again == out
}

// checksum is the client's check of html built from a base: a 32-bit
// polynomial hash (times 31, plus the character) of its code points, each
// by its first UTF-16 code unit, in decimal.
func checksum(s string) string {
	var x int32
	for _, r := range s {
		if r >= 0x10000 {
			r = 0xd800 + (r-0x10000)>>10
		}
		x = x*31 + r
	}
	return strconv.FormatInt(int64(x), 10)
}
