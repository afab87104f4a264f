// Package datapath finds which parts of a data value changed between two
// renders, as dotted paths of Go field names ("Counter", "User.Name",
// "Tasks.3.Completed"), for the data_changed field of an update.
//
// Only exported struct fields are compared; functions and channels are
// ignored. Pointers and interfaces are followed (a nil and a non-nil one
// differ at their own path); time.Time values are compared with Equal;
// a nil slice or map equals an empty one; NaN equals NaN.
//
// Slices and arrays of equal length are compared element by element
// ("Tasks.3.Completed"). When lengths differ and the shorter is an
// unchanged prefix of the longer (items appended or cut at the end), each
// added or removed index is reported ("Tasks.5"); otherwise the items
// shifted and the slice itself is reported ("Tasks"). Map entries are
// addressed by their key ("Statistics.users"); keys are listed in sorted
// order.
//
// Paths come in a stable order (field order, then index, then sorted key).
// At most MaxPaths paths are reported: beyond that, the changed top-level
// fields are reported instead. Comparison depth is bounded by MaxDepth;
// deeper values, and cyclic ones, are compared with reflect.DeepEqual and
// reported at the path where the bound was reached.
package datapath
