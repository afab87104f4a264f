package plan

import (
	"bytes"
	"text/template/parse"
)

// The scanner follows the HTML structure of a template's node list well
// enough to find its parts: elements with an id attribute whose start tag
// begins and whose end tag ends in the static text of one list, with only
// balanced template actions between them. It errs towards finding fewer
// parts. It need not be exact: a part's output is checked at run time to
// be exactly one fragment subtree before anything relies on it.

type scanState uint8

const (
	sData scanState = iota
	sTagOpen
	sEndTagOpen
	sTag
	sAttrName
	sAfterAttrName
	sBeforeValue
	sValueDQ
	sValueSQ
	sValueUQ
	sSelfClose
	sEndTag
	sComment
	sBogus
	sRaw
)

// pos is a byte position in a list: node index and offset in its text.
type pos struct{ node, off int }

// span is an element found in a list: from its start tag's "<" to just
// after its end tag's ">".
type span struct {
	start, end pos
	tag        string
}

type openEl struct {
	name  string
	start pos
	id    bool
}

type scanner struct {
	st      scanState
	name    []byte // tag or attribute name being read
	tagName string // the current tag's name
	tagAt   pos
	end     bool // the tag being read is an end tag
	id      bool // the current start tag has an id attribute
	raw     string
	stack   []openEl
	lost    bool // the state can no longer be followed
	spans   []span
	minDep  int // parts start at this stack depth or deeper
	calls   func(name string) bool
	dashes  int // trailing '-' count in a comment
}

// scanList returns the outermost parts of l: id'd elements starting at
// stack depth minDepth or deeper. balanced reports whether a template
// called in l outputs balanced markup (for template calls in text).
func scanList(l *parse.ListNode, minDepth int, balanced func(string) bool) []span {
	sc := &scanner{minDep: minDepth, calls: balanced}
	sc.list(l)
	return sc.spans
}

// balancedList reports whether l, scanned from text, ends in text with no
// element left open and none closed that it did not open.
func balancedList(l *parse.ListNode, balanced func(string) bool) bool {
	sc := &scanner{minDep: 1 << 30, calls: balanced}
	sc.list(l)
	return !sc.lost && sc.st == sData && len(sc.stack) == 0
}

func (sc *scanner) list(l *parse.ListNode) {
	if l == nil {
		return
	}
	for i, n := range l.Nodes {
		if sc.lost {
			return
		}
		switch n := n.(type) {
		case *parse.TextNode:
			sc.text(i, n.Text)
		case *parse.ActionNode, *parse.CommentNode:
			// Prints into whatever the state is, or nothing.
		default:
			sc.hole(n)
		}
	}
}

// hole handles a control structure or template call at the current state.
func (sc *scanner) hole(n parse.Node) {
	lists := branchLists(n)
	if lists == nil {
		switch n := n.(type) {
		case *parse.TemplateNode:
			if sc.st != sData || !sc.calls(n.Name) {
				sc.dirty()
			}
		case *parse.BreakNode, *parse.ContinueNode:
		default:
			sc.dirty()
		}
		return
	}
	end := sc.st
	for i, l := range lists {
		st := sc.st
		if l != nil {
			sub := &scanner{st: sc.st, raw: sc.raw, tagName: sc.tagName, minDep: 1 << 30, calls: sc.calls}
			sub.list(l)
			if sub.lost || len(sub.stack) != 0 || !compatible(sub.st, sc.st) {
				sc.dirty()
				return
			}
			st = sub.st
		}
		if i == 0 {
			end = st
		} else if st != end {
			end = sTag // branches that end between attributes differently
		}
	}
	sc.st = end
}

// compatible reports whether a branch that starts in state a and ends in
// b leaves the markup around it intact: both in text, in the same quoted
// value or raw text, or both between the attributes of one tag.
func compatible(a, b scanState) bool {
	return a == b || inTag(a) && inTag(b)
}

func inTag(s scanState) bool {
	switch s {
	case sTag, sAttrName, sAfterAttrName, sBeforeValue, sValueUQ:
		return true
	}
	return false
}

// dirty gives up on the elements open so far: the structure around this
// point is not known.
func (sc *scanner) dirty() {
	if sc.st != sData {
		sc.lost = true
		return
	}
	sc.stack = sc.stack[:0]
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func (sc *scanner) text(node int, b []byte) {
	for i := 0; i < len(b) && !sc.lost; i++ {
		c := b[i]
		switch sc.st {
		case sData:
			if c != '<' {
				continue
			}
			if i+1 >= len(b) {
				sc.dirty() // a tag name made by an action
				continue
			}
			switch d := b[i+1]; {
			case isLetter(d):
				sc.st, sc.name, sc.end, sc.id, sc.tagAt = sTagOpen, sc.name[:0], false, false, pos{node, i}
			case d == '/':
				if i+2 >= len(b) || !isLetter(b[i+2]) {
					sc.dirty()
					continue
				}
				sc.st, sc.name, sc.end = sEndTagOpen, sc.name[:0], true
				i++
			case d == '!':
				if bytes.HasPrefix(b[i+1:], []byte("!--")) {
					sc.st, sc.dashes = sComment, 0
					i += 3
				} else {
					sc.st = sBogus
				}
			case d == '?':
				sc.st = sBogus
			}
		case sTagOpen, sEndTagOpen:
			switch {
			case isSpaceByte(c) || c == '/':
				sc.tagName = string(sc.name)
				switch {
				case sc.end:
					sc.st = sEndTag
				case c == '/':
					sc.st = sSelfClose
				default:
					sc.st = sTag
				}
			case c == '>':
				sc.tagName = string(sc.name)
				sc.emit(node, i, false)
			default:
				sc.name = append(sc.name, lower(c))
			}
		case sTag, sAfterAttrName:
			switch {
			case isSpaceByte(c):
			case c == '/':
				sc.st = sSelfClose
			case c == '>':
				sc.emit(node, i, false)
			case c == '=' && sc.st == sAfterAttrName:
				sc.st = sBeforeValue
			default:
				sc.st, sc.name = sAttrName, append(sc.name[:0], lower(c))
			}
		case sAttrName:
			switch {
			case isSpaceByte(c):
				sc.attrDone()
				sc.st = sAfterAttrName
			case c == '=':
				sc.attrDone()
				sc.st = sBeforeValue
			case c == '/':
				sc.attrDone()
				sc.st = sSelfClose
			case c == '>':
				sc.attrDone()
				sc.emit(node, i, false)
			default:
				sc.name = append(sc.name, lower(c))
			}
		case sBeforeValue:
			switch {
			case isSpaceByte(c):
			case c == '"':
				sc.st = sValueDQ
			case c == '\'':
				sc.st = sValueSQ
			case c == '>':
				sc.emit(node, i, false)
			default:
				sc.st = sValueUQ
			}
		case sValueDQ:
			if c == '"' {
				sc.st = sTag
			}
		case sValueSQ:
			if c == '\'' {
				sc.st = sTag
			}
		case sValueUQ:
			switch {
			case isSpaceByte(c):
				sc.st = sTag
			case c == '>':
				sc.emit(node, i, false)
			}
		case sSelfClose:
			if c == '>' {
				sc.emit(node, i, true)
			} else {
				sc.st = sTag
				i--
			}
		case sEndTag:
			if c == '>' {
				sc.emit(node, i, false)
			}
		case sComment:
			switch {
			case c == '-':
				sc.dashes++
			case c == '>' && sc.dashes >= 2:
				sc.st = sData
			default:
				sc.dashes = 0
			}
		case sBogus:
			if c == '>' {
				sc.st = sData
			}
		case sRaw:
			if c != '<' || i+1 >= len(b) || b[i+1] != '/' {
				continue
			}
			n := len(sc.raw)
			if i+2+n <= len(b) && bytes.EqualFold(b[i+2:i+2+n], []byte(sc.raw)) &&
				(i+2+n == len(b) || isSpaceByte(b[i+2+n]) || b[i+2+n] == '/' || b[i+2+n] == '>') {
				sc.st, sc.end, sc.tagName = sEndTag, true, sc.raw
				i += 1 + n
			}
		}
	}
	if sc.st == sTagOpen || sc.st == sEndTagOpen {
		sc.lost = true // a tag name continued by an action: unknown
	}
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func (sc *scanner) attrDone() {
	if string(sc.name) == "id" {
		sc.id = true
	}
}

// emit ends the tag whose ">" is at node, i.
func (sc *scanner) emit(node, i int, selfClosing bool) {
	sc.st = sData
	name := sc.tagName
	if sc.end {
		sc.pop(name, pos{node, i + 1})
		return
	}
	if selfClosing || voidElement[name] {
		return
	}
	sc.stack = append(sc.stack, openEl{name: name, start: sc.tagAt, id: sc.id})
	if rawTextElement[name] {
		sc.st, sc.raw = sRaw, name
	}
}

func (sc *scanner) pop(name string, end pos) {
	n := len(sc.stack)
	if n == 0 || sc.stack[n-1].name != name {
		sc.dirty()
		return
	}
	el := sc.stack[n-1]
	sc.stack = sc.stack[:n-1]
	if !el.id || n-1 < sc.minDep {
		return
	}
	// Outermost only: drop the parts found inside this one.
	k := len(sc.spans)
	for k > 0 && !before(sc.spans[k-1].start, el.start) {
		k--
	}
	sc.spans = append(sc.spans[:k], span{start: el.start, end: end, tag: name})
}

func before(a, b pos) bool { return a.node < b.node || a.node == b.node && a.off < b.off }

var voidElement = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "keygen": true, "link": true, "meta": true, "param": true, "source": true,
	"track": true, "wbr": true, "basefont": true, "bgsound": true, "frame": true,
}

// rawTextElement are the elements whose content the tokenizer does not
// parse as markup.
var rawTextElement = map[string]bool{
	"script": true, "style": true, "textarea": true, "title": true, "xmp": true, "iframe": true,
	"noembed": true, "noframes": true, "noscript": true, "plaintext": true,
}
