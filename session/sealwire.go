package session

import (
	"encoding/binary"
	"math"
	"time"
)

// recordHead and recordTail are a Record's fields before and after its
// fragment state (keys 0–10 and 12–14), with the Record's tags: the codec
// writes a Record as one map in key order, so the head's pairs, key 11
// with the state's encoding, and the tail's pairs, under one map head,
// are the Record's encoding byte for byte. appendSpliced writes exactly
// these fields so, by hand: the codec's reflection over them, and its
// time.Time's text (an allocation per time), were ~3 µs a record in run
// B's lazy flush, and it checks every Marshaler's bytes for
// well-formedness, where the Sealer checked the state once.
// TestRecordWire_HeadAndTailHoldEveryFieldButTheState keeps the split in
// step with Record, and the property tests appendSpliced with the codec.
type recordHead struct {
	Format      uint8         `cbor:"0,keyasint"`
	ID          ID            `cbor:"1,keyasint"`
	KeyID       uint32        `cbor:"2,keyasint"`
	TokenGen    uint32        `cbor:"3,keyasint"`
	Rev         uint64        `cbor:"4,keyasint"`
	Created     time.Time     `cbor:"5,keyasint"`
	LastAccess  time.Time     `cbor:"6,keyasint"`
	ExpiresAt   time.Time     `cbor:"7,keyasint"`
	IdleTimeout time.Duration `cbor:"8,keyasint,omitempty"`
	DataType    string        `cbor:"9,keyasint"`
	Data        []byte        `cbor:"10,keyasint"`
}

type recordTail struct {
	Template string    `cbor:"12,keyasint,omitempty"`
	Lease    time.Time `cbor:"13,keyasint,omitzero"`
	Title    string    `cbor:"14,keyasint,omitempty"`
}

// stateKey is the encoding of the key of Record.Fragments.
const stateKey = 11

// mapHead is the first byte of a CBOR map of fewer than 24 pairs.
const mapHead = 0xa0

// CBOR's major types, as the first byte of an item's head, and its null.
const (
	cborUint    = 0x00
	cborNegInt  = 0x20
	cborBytes   = 0x40
	cborText    = 0x60
	cborTag     = 0xc0
	cborNull    = 0xf6
	rfc3339Year = len("9999")
	rfc3339Zone = len("+07:00")
)

// appendSpliced appends to dst the encoding of r (whose Format is set)
// with st, the encoding of its fragment state (empty: none, as the codec
// omits an empty cbor.RawMessage), as key 11's value: the pairs of
// recordHead, key 11 and recordTail under one map head, each written as
// the codec writes it (the integer keys in order, a time as tag 0 and its
// RFC 3339 text with nanoseconds, a zero time as null, a nil Data as
// null), without reflection and without allocating beyond dst's growth. It
// reports false when a time lies beyond what RFC 3339 can write (a year
// past 9999, an offset of a day or more): the caller then encodes r with
// the codec, which says why it cannot.
func appendSpliced(dst []byte, r *Record, st []byte) ([]byte, bool) {
	n := 10 // keys 0–7, 9 and 10 are always written
	for _, set := range [...]bool{r.IdleTimeout != 0, len(st) > 0, r.Template != "", !r.Lease.IsZero(), r.Title != ""} {
		if set {
			n++
		}
	}
	start := len(dst)
	dst = append(dst, byte(mapHead+n), 0)
	dst = appendCBORHead(dst, cborUint, uint64(r.Format))
	dst = append(dst, 1)
	dst = appendCBORHead(dst, cborBytes, uint64(len(r.ID)))
	dst = append(dst, r.ID[:]...)
	dst = append(dst, 2)
	dst = appendCBORHead(dst, cborUint, uint64(r.KeyID))
	dst = append(dst, 3)
	dst = appendCBORHead(dst, cborUint, uint64(r.TokenGen))
	dst = append(dst, 4)
	dst = appendCBORHead(dst, cborUint, r.Rev)
	ok := true
	for k, t := range [...]time.Time{r.Created, r.LastAccess, r.ExpiresAt} {
		dst = append(dst, byte(5+k))
		dst, ok = appendCBORTime(dst, t)
		if !ok {
			return dst[:start], false
		}
	}
	if r.IdleTimeout != 0 {
		dst = append(dst, 8)
		if d := int64(r.IdleTimeout); d >= 0 {
			dst = appendCBORHead(dst, cborUint, uint64(d))
		} else {
			dst = appendCBORHead(dst, cborNegInt, uint64(^d))
		}
	}
	dst = append(dst, 9)
	dst = appendCBORHead(dst, cborText, uint64(len(r.DataType)))
	dst = append(dst, r.DataType...)
	dst = append(dst, 10)
	if r.Data == nil {
		dst = append(dst, cborNull)
	} else {
		dst = appendCBORHead(dst, cborBytes, uint64(len(r.Data)))
		dst = append(dst, r.Data...)
	}
	if len(st) > 0 {
		dst = append(dst, stateKey)
		dst = append(dst, st...)
	}
	if r.Template != "" {
		dst = append(dst, 12)
		dst = appendCBORHead(dst, cborText, uint64(len(r.Template)))
		dst = append(dst, r.Template...)
	}
	if !r.Lease.IsZero() {
		dst = append(dst, 13)
		if dst, ok = appendCBORTime(dst, r.Lease); !ok {
			return dst[:start], false
		}
	}
	if r.Title != "" {
		dst = append(dst, 14)
		dst = appendCBORHead(dst, cborText, uint64(len(r.Title)))
		dst = append(dst, r.Title...)
	}
	return dst, true
}

// appendCBORHead appends the head of an item of major type major and
// argument v, in the fewest bytes, as the codec writes it.
func appendCBORHead(dst []byte, major byte, v uint64) []byte {
	switch {
	case v < 24:
		return append(dst, major|byte(v))
	case v <= math.MaxUint8:
		return append(dst, major|24, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, major|25), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, major|26), uint32(v))
	default:
		return binary.BigEndian.AppendUint64(append(dst, major|27), v)
	}
}

// appendCBORTime appends t as the codec's encoding mode writes a
// time.Time: null when zero, else tag 0 and t's RFC 3339 text with
// nanoseconds, in its own offset. It reports false, for a time RFC 3339
// cannot write, as the codec refuses it.
func appendCBORTime(dst []byte, t time.Time) ([]byte, bool) {
	if t.IsZero() {
		return append(dst, cborNull), true
	}
	var a [64]byte
	s := t.AppendFormat(a[:0], time.RFC3339Nano)
	if len(s) <= rfc3339Year+rfc3339Zone || s[rfc3339Year] != '-' {
		return dst, false
	}
	if s[len(s)-1] != 'Z' {
		z := s[len(s)-rfc3339Zone:]
		if (z[0] != '+' && z[0] != '-') || z[1] > '2' || (z[1] == '2' && z[2] >= '4') {
			return dst, false
		}
	}
	dst = append(dst, cborTag|0)
	dst = appendCBORHead(dst, cborText, uint64(len(s)))
	return append(dst, s...), true
}
