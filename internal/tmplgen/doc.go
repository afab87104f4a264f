// Package tmplgen writes random templates and random data for the property
// tests of incremental rendering: Template writes the source of a page
// that only uses what Data has, so every template executes, and Mutate
// changes Data as an app's action would. The templates cover parts
// (id'd elements) with data in their ids and attributes, ranges over
// slices and maps with and without variables, if/else, with, template
// calls with and without a pipeline, variables, continue, pointer-receiver
// methods, template.HTML, data-cache="false", raw text and void elements.
// A range's rows are often id'd elements with whitespace between them,
// large enough (static markup) that Diff updates rows rather than the
// list, and with an id'd cell of their own; Mutate changes one item or
// several at once, as a tick of live data does.
package tmplgen
