package bolt

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/livefir/statetemplate/session"
)

// LayoutVersion is the bucket layout this build writes and reads. It is
// stored in the meta bucket; a file with a newer layout is refused.
const LayoutVersion = 1

// Bucket names and meta keys (see doc.go for the layout).
var (
	bucketMeta     = []byte("meta")
	bucketSessions = []byte("sessions")
	bucketExpiry   = []byte("expiry")

	metaLayout  = []byte("layout")
	metaCount   = []byte("count")
	metaKey     = []byte("signing-key")
	metaCreated = []byte("created")
)

const (
	// valueHeader is the fixed prefix of a sessions value: the deadline
	// (8 bytes, sortable) and the revision (8 bytes, big-endian), readable
	// without decoding the record.
	valueHeader = 16
	// indexKeyLen is an expiry key: sortable deadline + session ID.
	indexKeyLen = 8 + session.IDLen
)

// sortableTime encodes t so that byte order is time order, negative
// instants included: Unix nanoseconds with the sign bit flipped.
func sortableTime(t time.Time) uint64 { return uint64(t.UnixNano()) ^ (1 << 63) }

func timeFromSortable(u uint64) time.Time { return time.Unix(0, int64(u^(1<<63))).UTC() }

// encodeValue returns the sessions value of rec: header then the CBOR
// record from session.EncodeRecord.
func encodeValue(rec *session.Record) ([]byte, error) {
	body, err := session.EncodeRecord(rec)
	if err != nil {
		return nil, err
	}
	v := make([]byte, valueHeader+len(body))
	binary.BigEndian.PutUint64(v[0:8], sortableTime(rec.Deadline()))
	binary.BigEndian.PutUint64(v[8:16], rec.Rev)
	copy(v[valueHeader:], body)
	return v, nil
}

// header is the decoded fixed prefix of a sessions value.
type header struct {
	deadline uint64 // sortable
	rev      uint64
}

func readHeader(v []byte) (header, error) {
	if len(v) < valueHeader {
		return header{}, fmt.Errorf("%w: value of %d bytes is shorter than its %d-byte header",
			session.ErrCorruptRecord, len(v), valueHeader)
	}
	return header{deadline: binary.BigEndian.Uint64(v[0:8]), rev: binary.BigEndian.Uint64(v[8:16])}, nil
}

// decodeValue decodes a sessions value stored under id. v must not alias
// bbolt memory beyond the transaction's life if the record is kept; the
// callers pass a copy.
func decodeValue(id session.ID, v []byte) (*session.Record, error) {
	if _, err := readHeader(v); err != nil {
		return nil, err
	}
	rec, err := session.DecodeRecord(v[valueHeader:])
	if err != nil {
		return nil, err
	}
	if rec.ID != id {
		return nil, fmt.Errorf("%w: record of session %s stored under %s", session.ErrCorruptRecord, rec.ID.Short(), id.Short())
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
