// Package markup generates random HTML pages, and random edits of them,
// for the tests of the update engine: as trees whose nodes keep their
// identity (UID) from one step of an edit sequence to the next, so that a
// failing sequence can be shrunk by removing one node from every step.
//
// The pages are mostly what template authors write — lists, tables with
// and without <tbody>, forms with every control, SVG, MathML and
// foreignObject, <template>, <noscript>, <pre>, raw-text elements,
// comments, character references, inline whitespace — so that well-formed
// pages exercise fragment-level updates; a generator with Odd set also
// writes markup browsers do not nest as written.
//
//	g := markup.NewGen(seed)
//	steps := g.Steps(6)        // a page and six edits of it
//	body := steps[3].Body()    // the body markup of step 3
//
// ParseSteps turns page bodies written by hand into the same trees, byte
// for byte, matching nodes across steps by id or position.
package markup
