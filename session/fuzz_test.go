package session_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/livefir/statetemplate/session"
)

// FuzzDecodeRecord: stored bytes are input like any other. Decoding never
// panics; it yields ErrCorruptRecord or a record that re-encodes, as the
// codec encodes the Record by reflection, and decodes to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	b, err := session.EncodeRecord(sampleRecord(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte{})
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := session.DecodeRecord(b)
		if err != nil {
			if !errors.Is(err, session.ErrCorruptRecord) {
				t.Fatalf("error %v does not wrap ErrCorruptRecord", err)
			}
			if r != nil {
				t.Fatal("a failed decode returned a record")
			}
			return
		}
		again, err := session.EncodeRecord(r)
		if err != nil {
			t.Fatalf("decoded record does not re-encode: %v", err)
		}
		if want, err := session.EncodeRecordByReflection(r); err != nil || !bytes.Equal(want, again) {
			t.Fatalf("EncodeRecord differs from the codec's encoding of the Record: %v", err)
		}
		r2, err := session.DecodeRecord(again)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		third, err := session.EncodeRecord(r2)
		if err != nil || !bytes.Equal(again, third) {
			t.Fatalf("re-encoded record does not decode to the same bytes: %v", err)
		}
	})
}

// FuzzTypesDecode: session data restored from a store decodes into the
// registered type or fails with ErrCorruptRecord, never panics.
func FuzzTypesDecode(f *testing.F) {
	var ts session.Types
	if err := ts.Register(&data{}); err != nil {
		f.Fatal(err)
	}
	r := sampleRecord(f)
	f.Add(r.Data)
	f.Add([]byte{0xf6})
	f.Add([]byte{0xa1, 0x64, 'N', 'a', 'm', 'e', 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ts.Decode(r.DataType, b)
		if err != nil {
			if !errors.Is(err, session.ErrCorruptRecord) {
				t.Fatalf("error %v does not wrap ErrCorruptRecord", err)
			}
			if v != nil {
				t.Fatalf("a failed decode returned %T", v)
			}
			return
		}
		if _, ok := v.(*data); !ok {
			t.Fatalf("decoded %T, want *data", v)
		}
	})
}
