package session

// DamagePacked flips a byte of r's packed form, as damaged memory would,
// for tests of what a packed record that does not unpack does.
func DamagePacked(r *Record) {
	r.packed[len(r.packed)/2] ^= 0xff
}
