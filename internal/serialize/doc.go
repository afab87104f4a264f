// Package serialize writes a parsed HTML tree (golang.org/x/net/html) as a
// browser serializes it: the HTML standard's fragment serialization
// algorithm, which Element.outerHTML and innerHTML run. Package live uses
// it to predict the outerHTML of an element of a page it served, so that an
// update can be sent as a change of html the browser already holds.
//
// The rules, as Chromium applies them (checked against it by the tests of
// package examples/dashboard): an element is its start tag, its children
// and its end tag; void elements have no end tag and no children; a
// <template>'s content serializes as its children. Attribute values are in
// double quotes, with "&", U+00A0, '"', "<" and ">" escaped; text escapes
// "&", U+00A0, "<" and ">", but in raw text elements (<style>, <script>,
// <xmp>, <iframe>, <noembed>, <noframes>, <plaintext>, and <noscript> with
// scripting on) it is written as it is. Comments are "<!--" data "-->".
// A boolean attribute is written with an empty value: checked="".
// Attributes of foreign content keep their namespace prefix (xlink:href,
// xml:lang, xmlns:xlink).
//
// The prediction is exact only where the parser the tree came from built
// the tree the browser built; callers check the result (package live sends
// a checksum of the html it builds from a prediction).
package serialize
