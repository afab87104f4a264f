package plan

// SmallLayouts makes renders keep and use layouts for encodings and lists
// of any size (the thresholds of layout.go keep small data out of them),
// so that tests of other packages, whose data is small, run through
// layouts; the function it returns restores the thresholds. It must not
// be called while renders run.
func SmallLayouts() (restore func()) {
	enc, bytes, elems := layoutMinEnc, layoutMinBytes, layoutMinElems
	layoutMinEnc, layoutMinBytes, layoutMinElems = 0, 1, 1
	return func() { layoutMinEnc, layoutMinBytes, layoutMinElems = enc, bytes, elems }
}
