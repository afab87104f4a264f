package redis

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"

	"github.com/livefir/statetemplate/session"
)

// A stored value is session.SealValue's frame: a two-byte header — the
// value format (valueFormat) and its flags — the CRC-32C of header and
// body, and the body: the CBOR record of session.EncodeRecord (the bytes
// the bolt store writes), or with flagDeflate its raw DEFLATE stream, for
// records longer than the compression threshold. The checksum covers the
// stored bytes, so a changed byte is found before anything is inflated or
// decoded.
const (
	valueFormat    = 0x02
	flagDeflate    = 0x01
	valueHeaderLen = 2
)

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // constant level: cannot fail
	return w
}}

// encodeValue returns the stored form of rec: compressed when the record
// is longer than compressAbove (> 0) and compression makes it shorter.
func encodeValue(rec *session.Record, compressAbove int) ([]byte, error) {
	plain, err := session.SealRecord([]byte{valueFormat, 0}, rec)
	if err != nil {
		return nil, err
	}
	raw := plain[valueHeaderLen+session.ChecksumLen:]
	if compressAbove <= 0 || len(raw) <= compressAbove {
		return plain, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(raw) / 2)
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
		return plain, nil // incompressible data: keep the plain record
	}
	return session.SealValue([]byte{valueFormat, flagDeflate}, buf.Bytes()), nil
}

// decodeValue decodes a stored value. Values come from the network: any
// damage — a changed byte, a compressed stream that inflates past
// maxBytes, a value of another format — yields an error wrapping
// session.ErrCorruptRecord, never a panic.
func decodeValue(b []byte, maxBytes int) (*session.Record, error) {
	if len(b) > 0 && b[0] != valueFormat {
		return nil, fmt.Errorf("%w: unknown value format %#02x", session.ErrCorruptRecord, b[0])
	}
	header, body, err := session.OpenValue(b, valueHeaderLen)
	if err != nil {
		return nil, err
	}
	switch header[1] {
	case 0:
	case flagDeflate:
		r := flate.NewReader(bytes.NewReader(body))
		defer r.Close()
		raw, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
		if err != nil {
			return nil, fmt.Errorf("%w: inflating: %v", session.ErrCorruptRecord, err)
		}
		if len(raw) > maxBytes {
			return nil, fmt.Errorf("%w: inflates past %d bytes", session.ErrCorruptRecord, maxBytes)
		}
		body = raw
	default:
		return nil, fmt.Errorf("%w: unknown value flags %#02x", session.ErrCorruptRecord, header[1])
	}
	return session.DecodeRecord(body)
}
