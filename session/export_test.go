package session

// DamagePacked flips a byte of r's packed form, as damaged memory would,
// for tests of what a packed record that does not unpack does.
func DamagePacked(r *Record) {
	r.packed[len(r.packed)/2] ^= 0xff
}

// KeepsListEncodings reports whether h's session keeps the encodings of
// its data's large lists for its next update (listMemo).
func (h *Handle) KeepsListEncodings() bool {
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	return h.e.rec.lists != nil && h.e.rec.lists.memo.Load() != nil
}

// EncodeRecordByReflection is the encoding EncodeRecord must give: the
// codec's mode run over the Record itself, fragment state included, as
// records were encoded before Sealer kept states' encodings.
func EncodeRecordByReflection(r *Record) ([]byte, error) {
	r, err := r.unpacked()
	if err != nil {
		return nil, err
	}
	c := *r
	c.Format = FormatVersion
	return getCodec().enc.Marshal(&c)
}
