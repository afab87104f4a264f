// Package tmplgen writes random templates and random data for the property
// tests of incremental rendering: Template writes the source of a page
// that only uses what Data has, so every template executes, and Mutate
// changes Data as an app's action would. The templates cover parts
// (id'd elements) with data in their ids and attributes, ranges over
// slices and maps with and without variables, if/else, with, template
// calls with and without a pipeline, variables, continue, pointer-receiver
// methods, template.HTML, data-cache="false", raw text and void elements.
package tmplgen
