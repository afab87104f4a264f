package plan

import "sync/atomic"

// SmallLayouts makes renders keep and use layouts for lists of any size
// (the thresholds of layout.go keep short lists out of them),
// so that tests of other packages, whose data is small, run through
// layouts; the function it returns restores the thresholds. It must not
// be called while renders run.
func SmallLayouts() (restore func()) {
	bytes, elems := layoutMinBytes, layoutMinElems
	layoutMinBytes, layoutMinElems = 1, 1
	return func() { layoutMinBytes, layoutMinElems = bytes, elems }
}

// keptChecks makes every render that keeps a key, a shell key or a row's
// key without computing it (rootfields.go) compute it too and count those
// that differ: tests turn it on with CheckKeptKeys.
var (
	keptChecks atomic.Bool
	keptCount  atomic.Int64 // keys kept
	keptWrong  atomic.Int64 // keys kept that differ from the computed ones
)

// CheckKeptKeys makes renders check each key they keep against the key
// computed from the data, and returns how many they kept and how many of
// those were wrong so far; restore turns the checks off. A kept key that
// is wrong would skip a part that changed: tests require none.
func CheckKeptKeys() (kept, wrong func() int64, restore func()) {
	k0, w0 := keptCount.Load(), keptWrong.Load()
	keptChecks.Store(true)
	return func() int64 { return keptCount.Load() - k0 }, func() int64 { return keptWrong.Load() - w0 },
		func() { keptChecks.Store(false) }
}

// noteKept counts a kept key, and a wrong one when the checks are on and
// computed, the key computed from the data (ok: it has one), is not it.
func noteKept(key uint64, computed func() (uint64, bool)) {
	if !keptChecks.Load() {
		return
	}
	keptCount.Add(1)
	if c, ok := computed(); !ok || c != key {
		keptWrong.Add(1)
	}
}
