package redis

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"

	"github.com/livefir/statetemplate/session"
)

// A stored value is either exactly the bytes session.EncodeRecord returns
// (the record the bolt store writes), or, for a record longer than the
// compression threshold, the two bytes compressedMagic, algFlate followed
// by the raw DEFLATE stream of those bytes. 0xFF is the CBOR "break" code,
// which never starts a CBOR item, so the two forms cannot be confused.
const (
	compressedMagic = 0xFF
	algFlate        = 0x01
)

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // constant level: cannot fail
	return w
}}

// encodeValue returns the stored form of rec: compressed when the record
// is longer than compressAbove (> 0) and compression makes it shorter.
func encodeValue(rec *session.Record, compressAbove int) ([]byte, error) {
	raw, err := session.EncodeRecord(rec)
	if err != nil {
		return nil, err
	}
	if compressAbove <= 0 || len(raw) <= compressAbove {
		return raw, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(raw) / 2)
	buf.WriteByte(compressedMagic)
	buf.WriteByte(algFlate)
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("redis store: compressing record: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("redis store: compressing record: %w", err)
	}
	if buf.Len() >= len(raw) {
		return raw, nil // incompressible data: keep the plain record
	}
	return buf.Bytes(), nil
}

// decodeValue decodes a stored value. Values come from the network: any
// damage, including a compressed stream that inflates past maxBytes,
// yields an error wrapping session.ErrCorruptRecord, never a panic.
func decodeValue(b []byte, maxBytes int) (*session.Record, error) {
	if len(b) > 0 && b[0] == compressedMagic {
		if len(b) < 2 || b[1] != algFlate {
			return nil, fmt.Errorf("%w: unknown compression", session.ErrCorruptRecord)
		}
		r := flate.NewReader(bytes.NewReader(b[2:]))
		defer r.Close()
		raw, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
		if err != nil {
			return nil, fmt.Errorf("%w: inflating: %v", session.ErrCorruptRecord, err)
		}
		if len(raw) > maxBytes {
			return nil, fmt.Errorf("%w: inflates past %d bytes", session.ErrCorruptRecord, maxBytes)
		}
		b = raw
	}
	return session.DecodeRecord(b)
}
