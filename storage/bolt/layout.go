package bolt

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/livefir/statetemplate/session"
)

// LayoutVersion is the bucket layout this build writes. It is stored in
// the meta bucket; a file with a newer layout is refused, a file of
// layout 1 is read and upgraded (see doc.go).
const LayoutVersion = 2

// Bucket names and meta keys (see doc.go for the layout).
var (
	bucketMeta     = []byte("meta")
	bucketSessions = []byte("sessions")
	bucketExpiry   = []byte("expiry")

	metaLayout  = []byte("layout")
	metaCount   = []byte("count")
	metaKey     = []byte("signing-key")
	metaCreated = []byte("created")
	// metaLegacy is present while values of layout 1 (no checksum) may
	// remain in the sessions bucket.
	metaLegacy = []byte("legacy-values")
)

const (
	// valueFormat starts every sessions value of layout 2, followed by the
	// deadline (8 bytes, sortable) and the revision (8 bytes, big-endian),
	// readable without decoding the record, then the CRC-32C of all the
	// rest (session.SealValue) and the CBOR record.
	valueFormat = 0x02
	headerLen   = 1 + 8 + 8
	// legacyHeaderLen is a layout-1 value's header: deadline | revision,
	// then the CBOR record, with no checksum.
	legacyHeaderLen = 8 + 8
	// indexKeyLen is an expiry key: sortable deadline + session ID.
	indexKeyLen = 8 + session.IDLen
)

// sortableTime encodes t so that byte order is time order, negative
// instants included: Unix nanoseconds with the sign bit flipped.
func sortableTime(t time.Time) uint64 { return uint64(t.UnixNano()) ^ (1 << 63) }

func timeFromSortable(u uint64) time.Time { return time.Unix(0, int64(u^(1<<63))).UTC() }

// encodeValue returns the sessions value of rec: its header, the checksum,
// then the CBOR record from session.EncodeRecord.
func encodeValue(rec *session.Record) ([]byte, error) { return sealValue(nil, nil, rec) }

// sealValue is encodeValue with the fragment states of a batch of writes
// encoded once by sl (nil: encoded for rec alone), built in buf's array
// when it has room (see session.Sealer.SealInto).
func sealValue(sl *session.Sealer, buf []byte, rec *session.Record) ([]byte, error) {
	h := valueHeader(sortableTime(rec.Deadline()), rec.Rev)
	return sl.SealInto(buf, h[:], rec)
}

// valueHeader is the header of a layout-2 value.
func valueHeader(deadline, rev uint64) [headerLen]byte {
	var h [headerLen]byte
	h[0] = valueFormat
	binary.BigEndian.PutUint64(h[1:9], deadline)
	binary.BigEndian.PutUint64(h[9:17], rev)
	return h
}

// header is the decoded fixed prefix of a sessions value.
type header struct {
	deadline uint64 // sortable
	rev      uint64
	legacy   bool // a layout-1 value, without checksum
}

// bodyOffset is where the CBOR record starts in a value with header h.
func (h header) bodyOffset() int {
	if h.legacy {
		return legacyHeaderLen
	}
	return headerLen + session.ChecksumLen
}

// readHeader reads a value's header without verifying its checksum: for
// Update's compare-and-set and the index maintenance, which must not cost
// a pass over the record (a damaged header is caught by the next read).
// legacy admits layout-1 values (a file not yet upgraded).
func readHeader(v []byte, legacy bool) (header, error) {
	if len(v) >= headerLen+session.ChecksumLen && v[0] == valueFormat {
		return header{deadline: u64be(v[1:9]), rev: u64be(v[9:17])}, nil
	}
	if legacy && len(v) >= legacyHeaderLen {
		return header{deadline: u64be(v[0:8]), rev: u64be(v[8:16]), legacy: true}, nil
	}
	if len(v) > 0 && v[0] != valueFormat {
		return header{}, fmt.Errorf("%w: unknown value format %#02x", session.ErrCorruptRecord, v[0])
	}
	return header{}, fmt.Errorf("%w: value of %d bytes is shorter than its header and checksum",
		session.ErrCorruptRecord, len(v))
}

// openValue verifies v's checksum and returns its header and the CBOR
// record it holds (aliasing v).
func openValue(v []byte, legacy bool) (header, []byte, error) {
	h, err := readHeader(v, legacy)
	if err != nil {
		return h, nil, err
	}
	if h.legacy {
		return h, v[h.bodyOffset():], nil
	}
	_, body, err := session.OpenValue(v, headerLen)
	return h, body, err
}

// decodeValue decodes a sessions value stored under id. Any change to its
// bytes since it was written yields an error wrapping
// session.ErrCorruptRecord. v must not alias bbolt memory beyond the
// transaction's life if the record is kept; the callers pass a copy.
func decodeValue(id session.ID, v []byte, legacy bool) (*session.Record, error) {
	h, body, err := openValue(v, legacy)
	if err != nil {
		return nil, err
	}
	rec, err := session.DecodeRecord(body)
	if err != nil {
		return nil, err
	}
	switch {
	case rec.ID != id:
		return nil, fmt.Errorf("%w: record of session %s stored under %s", session.ErrCorruptRecord, rec.ID.Short(), id.Short())
	case rec.Rev != h.rev:
		return nil, fmt.Errorf("%w: session %s: record revision %d, header %d", session.ErrCorruptRecord, id.Short(), rec.Rev, h.rev)
	}
	return rec, nil
}

func indexKey(deadline uint64, id session.ID) []byte {
	k := make([]byte, indexKeyLen)
	binary.BigEndian.PutUint64(k[0:8], deadline)
	copy(k[8:], id[:])
	return k
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func u64be(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
