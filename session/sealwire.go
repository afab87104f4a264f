package session

import (
	"bytes"
	"time"
)

// recordHead and recordTail are a Record's fields before and after its
// fragment state (keys 0–10 and 12–14), with the Record's tags: the codec
// writes a Record as one map in key order, so the head's pairs, key 11
// with the state's encoding, and the tail's pairs, under one map head,
// are the Record's encoding byte for byte. The Sealer builds records so:
// the codec checks every Marshaler's bytes for well-formedness, and a
// state held as a cbor.RawMessage was checked again in every record that
// held it (~0.7 µs a record in a lazy flush of the ticker), though the
// Sealer checked it once when it encoded it.
// TestRecordWire_HeadAndTailHoldEveryFieldButTheState keeps the split in
// step with Record.
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

// recordParts holds a record's head and tail while the codec encodes
// them: a Sealer keeps one, so that handing them to the codec (as an
// interface) allocates nothing per record.
type recordParts struct {
	head recordHead
	tail recordTail
}

// stateKey is the encoding of the key of Record.Fragments.
const stateKey = 11

// mapHead is the first byte of a CBOR map of fewer than 24 pairs.
const mapHead = 0xa0

// encodeSpliced appends to buf the encoding of r (whose Format is set)
// with st, the encoding of its fragment state (nil: none), as key 11's
// value, using parts (which it overwrites) to hand the fields to the
// codec. It reports false, leaving buf's bytes past its length as they
// may be, when a map head is not the one byte it expects (it always is:
// a Record has 15 fields); the caller then encodes r as a whole.
func encodeSpliced(buf *bytes.Buffer, r *Record, st []byte, parts *recordParts) (bool, error) {
	enc := getCodec().enc
	start := buf.Len()
	parts.head = recordHead{
		Format: r.Format, ID: r.ID, KeyID: r.KeyID, TokenGen: r.TokenGen, Rev: r.Rev,
		Created: r.Created, LastAccess: r.LastAccess, ExpiresAt: r.ExpiresAt,
		IdleTimeout: r.IdleTimeout, DataType: r.DataType, Data: r.Data,
	}
	parts.tail = recordTail{Template: r.Template, Lease: r.Lease, Title: r.Title}
	defer func() { *parts = recordParts{} }() // no data kept past the call
	if err := enc.MarshalToBuffer(&parts.head, buf); err != nil {
		return false, err
	}
	n := int(buf.Bytes()[start]) - mapHead
	if st != nil {
		buf.WriteByte(stateKey)
		buf.Write(st)
		n++
	}
	tailAt := buf.Len()
	if err := enc.MarshalToBuffer(&parts.tail, buf); err != nil {
		return false, err
	}
	b := buf.Bytes()
	nt := int(b[tailAt]) - mapHead
	if n < 0 || nt < 0 || n+nt >= 24 {
		return false, nil
	}
	copy(b[tailAt:], b[tailAt+1:]) // the tail's pairs, without their map head
	buf.Truncate(len(b) - 1)
	b[start] = byte(mapHead + n + nt)
	return true, nil
}
