package session

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/fxamacker/cbor/v2"
)

// Decoding limits. A session file or a Redis value is input like any other:
// a damaged or hostile record must fail to decode, not exhaust memory. The
// encoder knows no limits, so data is checked against them before it is
// stored (CheckStorable): what is stored always decodes.
const (
	maxNestedLevels  = 64
	maxArrayElements = 1 << 17
	maxMapPairs      = 1 << 17
)

// codec holds the CBOR modes, built once: a mode is immutable and safe for
// concurrent use, and building one per call would cost more than encoding.
type codec struct {
	enc cbor.UserBufferEncMode
	dec cbor.DecMode
}

var (
	codecOnce sync.Once
	theCodec  codec
)

func getCodec() *codec {
	codecOnce.Do(func() {
		eo := cbor.CoreDetEncOptions() // deterministic: equal values, equal bytes
		// RFC 3339 with nanoseconds keeps the instant and its UTC offset, so
		// a restored time.Time formats as the original did.
		eo.Time = cbor.TimeRFC3339Nano
		eo.TimeTag = cbor.EncTagRequired
		em, err := eo.UserBufferEncMode()
		if err != nil {
			panic(fmt.Sprintf("session: building CBOR encode mode: %v", err)) // constant options
		}
		dm, err := cbor.DecOptions{
			MaxNestedLevels:  maxNestedLevels,
			MaxArrayElements: maxArrayElements,
			MaxMapPairs:      maxMapPairs,
			// Go strings are byte strings: text the encoder wrote with
			// invalid UTF-8 must come back byte for byte, not fail.
			UTF8: cbor.UTF8DecodeInvalid,
			// Two distinct Go map keys can encode alike (int 1 and uint 1
			// in a map[any]any); the later one wins instead of the whole
			// session failing to decode.
			DupMapKey:   cbor.DupMapKeyQuiet,
			IndefLength: cbor.IndefLengthForbidden,
		}.DecMode()
		if err != nil {
			panic(fmt.Sprintf("session: building CBOR decode mode: %v", err))
		}
		theCodec = codec{enc: em, dec: dm}
	})
	return &theCodec
}

// EncodeRecord returns the CBOR encoding of r, with r.Format set to
// FormatVersion. A record DecodeRecord could not read back (its fragment
// state beyond the decoding limits) is an error wrapping ErrUnstorableData.
func EncodeRecord(r *Record) ([]byte, error) {
	return (*Sealer)(nil).encodeAfter(nil, nil, 0, r)
}

// SealRecord returns SealValue(header, EncodeRecord(r)), encoded in place
// behind the header: the form stores keep, in one allocation. A Sealer
// does the same for records written together that share fragment states.
func SealRecord(header []byte, r *Record) ([]byte, error) {
	return (*Sealer)(nil).Seal(header, r)
}

// DecodeRecord decodes a record written by EncodeRecord. Any damage —
// truncation, flipped bytes, a newer format, trailing garbage — yields an
// error wrapping ErrCorruptRecord; it never panics.
func DecodeRecord(b []byte) (*Record, error) {
	var r Record
	rest, err := getCodec().dec.UnmarshalFirst(b, &r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCorruptRecord, len(rest))
	}
	if r.Format == 0 || r.Format > FormatVersion {
		return nil, fmt.Errorf("%w: format version %d (this build reads up to %d)", ErrCorruptRecord, r.Format, FormatVersion)
	}
	if r.ID.IsZero() {
		return nil, fmt.Errorf("%w: zero session id", ErrCorruptRecord)
	}
	return &r, nil
}

// EncodeData returns the canonical CBOR encoding of session data. Equal
// data gives equal bytes, which is how an unchanged update is detected.
// Data that does not encode is an error wrapping ErrUnstorableData; the
// limits are checked by CheckStorable, once the data is to be stored.
func EncodeData(v any) ([]byte, error) {
	b, err := getCodec().enc.Marshal(v)
	if err != nil {
		return nil, unstorable(v, err)
	}
	return b, nil
}

// encodeDataTo appends the canonical encoding of v to buf. RenderFragments
// encodes into a pooled buffer and copies out only data that changed.
func encodeDataTo(buf *bytes.Buffer, v any) error {
	if err := getCodec().enc.MarshalToBuffer(v, buf); err != nil {
		return unstorable(v, err)
	}
	return nil
}

// CheckStorable reports whether encoded data (EncodeData's output) decodes
// again: an error wrapping ErrUnstorableData names the limit it exceeds.
// It reads the bytes without decoding them, at about a fifth of the cost
// of encoding.
func CheckStorable(b []byte) error {
	if err := getCodec().dec.Wellformed(b); err != nil {
		return fmt.Errorf("%w: %v", ErrUnstorableData, limitError(err))
	}
	return nil
}

func unstorable(v any, err error) error {
	return fmt.Errorf("%w: encoding data of type %T: %v", ErrUnstorableData, v, err)
}

// limitError rephrases the decoder's limit errors in the data's terms.
func limitError(err error) error {
	var (
		nested *cbor.MaxNestedLevelError
		array  *cbor.MaxArrayElementsError
		pairs  *cbor.MaxMapPairsError
	)
	switch {
	case errors.As(err, &nested):
		return fmt.Errorf("nested deeper than %d levels of structs, maps and lists", maxNestedLevels)
	case errors.As(err, &array):
		return fmt.Errorf("a list of more than %d items", maxArrayElements)
	case errors.As(err, &pairs):
		return fmt.Errorf("a map or struct of more than %d entries", maxMapPairs)
	}
	return err
}

// DecodeData decodes b into v (a pointer), with the record limits.
func DecodeData(b []byte, v any) error {
	if err := getCodec().dec.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: data: %v", ErrCorruptRecord, err)
	}
	return nil
}

// DecodeGeneric decodes CBOR without a Go type: maps become map[any]any,
// arrays []any, tagged times time.Time.
// The dump tool uses it to show data whose type it does not know.
func DecodeGeneric(b []byte) (any, error) {
	var v any
	if err := DecodeData(b, &v); err != nil {
		return nil, err
	}
	return v, nil
}
