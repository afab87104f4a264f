package session

import (
	"bytes"
	"fmt"

	"github.com/fxamacker/cbor/v2"

	"github.com/livefir/statetemplate/fragments"
)

// A Sealer seals records as SealRecord does, encoding each fragment state
// once however many of its records hold it. A push gives the tabs that
// share a transition — about 100 per watchlist in the ticker — one
// *fragments.State, which is immutable once returned, so a store that
// writes their records together (the bolt store's lazy flush) encodes it
// once instead of once per tab. The bytes are exactly SealRecord's.
//
// A Sealer keeps each state it encoded, and its encoding, until it is
// dropped: the states stay alive with it, so no pointer it holds can be
// reused for another State. Use one per batch of records written
// together and drop it with the batch; it holds nothing between batches.
// A Sealer is not safe for concurrent use. A nil *Sealer seals without
// keeping anything.
type Sealer struct {
	states map[*fragments.State]sealedState
}

// sealedState is a fragment state's encoding, or why it cannot be stored.
type sealedState struct {
	enc []byte
	err error
}

// recordWire is a Record as the codec writes it, its fragment state
// already encoded: the embedded Record's own Fragments (the same key) is
// shadowed, and every other field is the Record's, so that the encoding
// is byte for byte the Record's (TestSealer_SealsAsTheCodecEncodesTheRecord).
type recordWire struct {
	*Record
	Fragments cbor.RawMessage `cbor:"11,keyasint,omitempty"`
}

// recordOverhead bounds the encoding of a record but the contents of its
// data, fragment state and strings: the map head and 15 keys (16), the id
// (17), five integers (9 each), four times as tagged RFC 3339 text (38
// each) and four byte or text string heads (9 each), 250 bytes, so that
// the buffer is never grown (a leased record's four times took 160 past).
const recordOverhead = 256

// Seal returns SealRecord(header, r), with the encoding of r.Fragments
// taken from the Sealer when an earlier record of its batch held the same
// State.
func (s *Sealer) Seal(header []byte, r *Record) ([]byte, error) {
	return s.SealInto(nil, header, r)
}

// SealInto is Seal, with the value built in buf's array when it has room
// for it (its length does not matter; nil allocates): a writer that keeps
// the values it has committed for its next batch allocates none. The
// value overwrites buf's array; the caller must not use buf again.
func (s *Sealer) SealInto(buf, header []byte, r *Record) ([]byte, error) {
	v, err := s.encodeAfter(buf, header, ChecksumLen, r)
	if err != nil {
		return nil, err
	}
	sealInPlace(v, len(header))
	return v, nil
}

// encodeAfter returns header, room zeroed bytes, then the encoding of r
// with r.Format set to FormatVersion, in one allocation, or none when
// dst's array has room for the record's bound. A packed record is encoded
// as its unpacked form.
func (s *Sealer) encodeAfter(dst, header []byte, room int, r *Record) ([]byte, error) {
	r, err := r.unpacked()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnstorableData, err)
	}
	st, err := s.state(r.Fragments)
	if err != nil {
		return nil, fmt.Errorf("%w: record of session %s: %v", ErrUnstorableData, r.ID.Short(), err)
	}
	c := *r
	c.Format = FormatVersion
	size := len(header) + room + len(c.Data) + len(st) + len(c.DataType) + len(c.Template) + len(c.Title) + recordOverhead
	if cap(dst) < size {
		dst = make([]byte, 0, size)
	}
	head := dst[:len(header)+room]
	clear(head[copy(head, header):])
	if out, ok := appendSpliced(head, &c, st); ok {
		return out, nil
	}
	w := recordWire{Record: new(Record), Fragments: st} // the codec's: it says why
	*w.Record = c
	buf := bytes.NewBuffer(head)
	if err := getCodec().enc.MarshalToBuffer(w, buf); err != nil {
		return nil, fmt.Errorf("%w: record of session %s: %v", ErrUnstorableData, r.ID.Short(), err)
	}
	return buf.Bytes(), nil
}

// state returns the encoding of st (nil for a nil st), checked against
// the decoding limits: the rest of a record, scalars, strings and its
// data as a byte string, cannot exceed them, so a record whose state
// passes decodes again.
func (s *Sealer) state(st *fragments.State) ([]byte, error) {
	if st == nil {
		return nil, nil
	}
	if s != nil {
		if e, ok := s.states[st]; ok {
			return e.enc, e.err
		}
	}
	var e sealedState
	e.enc, e.err = getCodec().enc.Marshal(st)
	if e.err == nil {
		e.err = getCodec().dec.Wellformed(e.enc)
	}
	if e.err != nil {
		e.enc = nil
		e.err = fmt.Errorf("fragment state: %w", limitError(e.err))
	}
	if s != nil {
		if s.states == nil {
			s.states = make(map[*fragments.State]sealedState)
		}
		s.states[st] = e
	}
	return e.enc, e.err
}
