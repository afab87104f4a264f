// Package truth holds the Chromium-truth suite: it serves pages through
// package live's public API, so that every update travels the real
// WebSocket path and is applied by the shipped, minified browser client
// (statetemplate.ClientScript), and after every step compares the page in
// the browser with a fresh load of RenderPage for the same data, in
// another tab: the same DOM (elements, namespaces, attributes, text,
// comments, <template> content) and the same .value, .checked and
// .selected on form controls.
//
// The cases cover the constructs that trip up DOM patching: forms with
// every control type, tables with and without <tbody>, implied end tags,
// SVG, MathML and foreignObject, <template>, <noscript>, leading newlines
// of <pre> and <textarea>, inline whitespace, comments and character
// references, and keyed lists that reorder, insert and remove many rows at
// once; then generated random markup and edit sequences, seeded.
//
// A divergence is reported as a minimal reproducer: the case is shrunk
// (steps dropped, elements removed or unwrapped, attributes and text cut)
// while the browser still disagrees with the fresh load, and printed as
// the page bodies of each step with the snapshot diff.
//
//	go test ./internal/truth/                              # the CI budget
//	STATETEMPLATE_TRUTH_RUNS=2000 go test -timeout 1h ./internal/truth/ -run Random
//	STATETEMPLATE_TRUTH_SEED=42 ...                         # another seed
//
// The tests need Chromium (see package browsertest); everything here is
// test code.
package truth
