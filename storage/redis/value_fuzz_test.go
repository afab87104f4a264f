package redis

import (
	"errors"
	"testing"
	"time"

	"github.com/livefir/statetemplate/session"
)

// FuzzDecodeValue feeds arbitrary bytes, as a hostile or damaged Redis
// value, to decodeValue: it must fail with ErrCorruptRecord or return a
// record that re-encodes, and never panic or inflate past its limit.
func FuzzDecodeValue(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	rec := &session.Record{Format: session.FormatVersion, ID: session.ID{1}, Rev: 7,
		Created: now, LastAccess: now, ExpiresAt: now.Add(time.Hour), DataType: "int", Data: []byte{0x05}}
	plain, err := encodeValue(rec, -1)
	if err != nil {
		f.Fatal(err)
	}
	packed, err := encodeValue(rec, 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(plain)
	f.Add(packed)
	f.Add([]byte{valueFormat, flagDeflate})
	f.Add([]byte{valueFormat})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeValue(b, 1<<20)
		if err != nil {
			if !errors.Is(err, session.ErrCorruptRecord) {
				t.Fatalf("error does not wrap ErrCorruptRecord: %v", err)
			}
			return
		}
		if _, err := session.EncodeRecord(r); err != nil {
			t.Fatalf("decoded record does not re-encode: %v", err)
		}
	})
}

func TestEncodeValue_IncompressibleRecordStaysPlain(t *testing.T) {
	rec := &session.Record{Format: session.FormatVersion, ID: session.ID{2}, Rev: 1, DataType: "x", Data: []byte{0x41, 0x00}}
	plain, err := session.EncodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeValue(rec, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := session.SealValue([]byte{valueFormat, 0}, plain); string(got) != string(want) {
		t.Fatalf("a record compression does not shrink must be stored plain: got % x", got)
	}
}
