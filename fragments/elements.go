package fragments

import "golang.org/x/net/html/atom"

// The tables below let the extractor tell when the browser's tree would not
// follow the tag nesting (the HTML parser closes, moves or ignores
// elements). They follow the WHATWG "in body" and table insertion modes,
// erring on the side of reporting an anomaly.

// maxDepth is the nesting depth past which browsers stop nesting elements
// (Blink flattens below 512).
const maxDepth = 500

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img,
		atom.Input, atom.Keygen, atom.Link, atom.Meta, atom.Param, atom.Source,
		atom.Track, atom.Wbr, atom.Basefont, atom.Bgsound, atom.Frame:
		return true
	}
	return false
}

// closesP reports whether a start tag a implicitly closes an open <p>.
func closesP(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center,
		atom.Details, atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset,
		atom.Figcaption, atom.Figure, atom.Footer, atom.Header, atom.Hgroup,
		atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Search, atom.Section,
		atom.Summary, atom.Ul, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Pre, atom.Listing, atom.Form, atom.Plaintext, atom.Table, atom.Hr,
		atom.Xmp, atom.Li, atom.Dd, atom.Dt:
		return true
	}
	return false
}

func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// isSpecial is the parser's "special" category (HTML elements only).
func isSpecial(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Applet, atom.Area, atom.Article, atom.Aside, atom.Base,
		atom.Basefont, atom.Bgsound, atom.Blockquote, atom.Body, atom.Br, atom.Button,
		atom.Caption, atom.Center, atom.Col, atom.Colgroup, atom.Dd, atom.Details,
		atom.Dir, atom.Div, atom.Dl, atom.Dt, atom.Embed, atom.Fieldset, atom.Figcaption,
		atom.Figure, atom.Footer, atom.Form, atom.Frame, atom.Frameset, atom.H1, atom.H2,
		atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Header, atom.Hgroup, atom.Hr,
		atom.Html, atom.Iframe, atom.Img, atom.Input, atom.Keygen, atom.Li, atom.Link,
		atom.Listing, atom.Main, atom.Marquee, atom.Menu, atom.Meta, atom.Nav,
		atom.Noembed, atom.Noframes, atom.Noscript, atom.Object, atom.Ol, atom.P,
		atom.Param, atom.Plaintext, atom.Pre, atom.Script, atom.Search, atom.Section,
		atom.Select, atom.Source, atom.Style, atom.Summary, atom.Table, atom.Tbody,
		atom.Td, atom.Template, atom.Textarea, atom.Tfoot, atom.Th, atom.Thead,
		atom.Title, atom.Tr, atom.Track, atom.Ul, atom.Wbr, atom.Xmp:
		return true
	}
	return false
}

// isScopeBoundary is the parser's default "has an element in scope" set,
// plus button (button scope).
func isScopeBoundary(a atom.Atom) bool {
	switch a {
	case atom.Applet, atom.Caption, atom.Html, atom.Table, atom.Td, atom.Th,
		atom.Marquee, atom.Object, atom.Template, atom.Button:
		return true
	}
	return false
}

// isFormattingMarker reports the elements that put a marker on the list of
// active formatting elements.
func isFormattingMarker(a atom.Atom) bool {
	switch a {
	case atom.Applet, atom.Caption, atom.Marquee, atom.Object, atom.Template, atom.Td, atom.Th:
		return true
	}
	return false
}

// breaksOutOfForeign reports the HTML start tags that end SVG/MathML content.
func breaksOutOfForeign(a atom.Atom) bool {
	switch a {
	case atom.B, atom.Big, atom.Blockquote, atom.Body, atom.Br, atom.Center, atom.Code,
		atom.Dd, atom.Div, atom.Dl, atom.Dt, atom.Em, atom.Embed, atom.H1, atom.H2,
		atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Hr, atom.I, atom.Img, atom.Li,
		atom.Listing, atom.Menu, atom.Meta, atom.Nobr, atom.Ol, atom.P, atom.Pre,
		atom.Ruby, atom.S, atom.Small, atom.Span, atom.Strong, atom.Strike, atom.Sub,
		atom.Sup, atom.Table, atom.Tt, atom.U, atom.Ul, atom.Var, atom.Font:
		return true
	}
	return false
}

// isIntegrationPoint reports the foreign elements whose content is HTML:
// SVG foreignObject, desc and title; MathML's text integration points; a
// MathML annotation-xml whose encoding is HTML (html). Tag names arrive
// lower-cased, so foreignObject is atom.Foreignobject.
func isIntegrationPoint(a atom.Atom, svg, html bool) bool {
	if svg {
		return a == atom.Foreignobject || a == atom.Desc || a == atom.Title
	}
	switch a {
	case atom.Mi, atom.Mo, atom.Mn, atom.Ms, atom.Mtext:
		return true
	case atom.AnnotationXml:
		return html
	}
	return false
}

// closesTableBody reports the start tags that end an implied <tbody>.
func closesTableBody(a atom.Atom) bool {
	switch a {
	case atom.Caption, atom.Col, atom.Colgroup, atom.Tbody, atom.Tfoot, atom.Thead:
		return true
	}
	return false
}

// inHead reports the start tags that do not, before <body>, start the body.
func inHead(a atom.Atom) bool {
	switch a {
	case atom.Html, atom.Head, atom.Base, atom.Basefont, atom.Bgsound, atom.Link,
		atom.Meta, atom.Noframes, atom.Script, atom.Style, atom.Template, atom.Title,
		atom.Noscript:
		return true
	}
	return false
}

// allowedIn reports whether start tag a may appear directly in parent
// without the parser inserting, moving or ignoring elements (tables and
// selects). ok is false when parent imposes no restriction.
func allowedIn(parent, a atom.Atom) (allowed, restricted bool) {
	switch parent {
	case atom.Table:
		switch a {
		case atom.Caption, atom.Colgroup, atom.Tbody, atom.Thead, atom.Tfoot,
			atom.Script, atom.Style, atom.Template:
			return true, true
		}
		return false, true
	case atom.Tbody, atom.Thead, atom.Tfoot:
		switch a {
		case atom.Tr, atom.Script, atom.Style, atom.Template:
			return true, true
		}
		return false, true
	case atom.Tr:
		switch a {
		case atom.Td, atom.Th, atom.Script, atom.Style, atom.Template:
			return true, true
		}
		return false, true
	case atom.Colgroup:
		return a == atom.Col || a == atom.Template, true
	case atom.Select, atom.Optgroup:
		switch a {
		case atom.Option, atom.Optgroup, atom.Hr, atom.Script, atom.Template:
			return parent == atom.Select || a != atom.Optgroup, true
		}
		return false, true
	case atom.Option:
		return false, true
	}
	return true, false
}

// misplaced reports the table-part start tags a that the parser would not
// simply nest in parent (it ignores them or inserts implied elements).
func misplaced(a, parent atom.Atom) bool {
	switch a {
	case atom.Caption, atom.Colgroup, atom.Tbody, atom.Thead, atom.Tfoot:
		return parent != atom.Table
	case atom.Tr:
		return parent != atom.Tbody && parent != atom.Thead && parent != atom.Tfoot
	case atom.Td, atom.Th:
		return parent != atom.Tr
	case atom.Col:
		return parent != atom.Colgroup
	}
	return false
}

// tableText reports the elements in which non-whitespace text is foster
// parented out of the table.
func tableText(a atom.Atom) bool {
	switch a {
	case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Colgroup:
		return true
	}
	return false
}
