package datapath

// TEMPORARY scaffolding; the fragment-engine work replaces this file.

// Changed returns the dotted paths of the exported data that differ
// between prev and next.
func Changed(prev, next any) []string { return nil }
