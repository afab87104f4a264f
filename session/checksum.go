package session

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// ChecksumLen is the size of the checksum SealValue puts in a value.
const ChecksumLen = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// SealValue returns header | checksum | body, the checksum being CRC-32C
// (Castagnoli, big-endian) over header and body. Stores keep records in
// this form, with a header of their own (a format byte, the fields they
// read without decoding), so that OpenValue detects any change of up to
// 32 consecutive bits anywhere in the value — every single-byte change
// among them — before the record is decoded.
func SealValue(header, body []byte) []byte {
	v := make([]byte, len(header)+ChecksumLen+len(body))
	copy(v, header)
	copy(v[len(header)+ChecksumLen:], body)
	sealInPlace(v, len(header))
	return v
}

// sealInPlace writes the checksum of v, a header of headerLen bytes, room
// for the checksum and the body, into that room.
func sealInPlace(v []byte, headerLen int) {
	binary.BigEndian.PutUint32(v[headerLen:], checksum(v[:headerLen], v[headerLen+ChecksumLen:]))
}

// OpenValue verifies a value SealValue made with a header of headerLen
// bytes and returns its header and body, which alias v. A value too short
// to hold them, or whose checksum does not match, is an error wrapping
// ErrCorruptRecord.
func OpenValue(v []byte, headerLen int) (header, body []byte, err error) {
	if len(v) < headerLen+ChecksumLen {
		return nil, nil, fmt.Errorf("%w: value of %d bytes is shorter than its %d-byte header and checksum",
			ErrCorruptRecord, len(v), headerLen+ChecksumLen)
	}
	header, body = v[:headerLen], v[headerLen+ChecksumLen:]
	stored := binary.BigEndian.Uint32(v[headerLen:])
	if sum := checksum(header, body); sum != stored {
		return nil, nil, fmt.Errorf("%w: checksum mismatch (stored %08x, computed %08x): the stored bytes changed",
			ErrCorruptRecord, stored, sum)
	}
	return header, body, nil
}

func checksum(header, body []byte) uint32 {
	return crc32.Update(crc32.Checksum(header, castagnoli), castagnoli, body)
}
