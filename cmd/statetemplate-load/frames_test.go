package main

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frame is a server's frame of opcode op and payload p, the last of its
// message when fin.
func frame(fin bool, op byte, p string) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var out []byte
	switch {
	case len(p) < 126:
		out = []byte{b0, byte(len(p))}
	case len(p) < 1<<16:
		out = binary.BigEndian.AppendUint16([]byte{b0, 126}, uint16(len(p)))
	default:
		out = binary.BigEndian.AppendUint64([]byte{b0, 127}, uint64(len(p)))
	}
	return append(out, p...)
}

func TestFrameReader_SplitsMessagesHoweverTheBytesArrive(t *testing.T) {
	long, longer := strings.Repeat("a", 300), strings.Repeat("b", 70000)
	var stream []byte
	for _, f := range [][]byte{
		frame(true, 1, "\x1ettick\x1f#1"),
		frame(true, 1, long),
		frame(false, 1, "first "),
		frame(true, 9, "ping"),
		frame(false, 0, "second "),
		frame(true, 0, "third"),
		frame(true, 10, "pong"),
		frame(true, 2, longer),
		frame(true, 1, ""),
	} {
		stream = append(stream, f...)
	}
	want := []string{"\x1ettick\x1f#1", long, "first second third", longer, ""}
	for _, chunk := range []int{1, 2, 3, 7, 100, 4096, len(stream)} {
		var fr frameReader
		var got, pings []string
		for at := 0; at < len(stream); at += chunk {
			data := append([]byte(nil), stream[at:min(at+chunk, len(stream))]...)
			require.NoError(t, fr.feed(data, func(m []byte) { got = append(got, string(m)) }, func(p []byte) { pings = append(pings, string(p)) }))
		}
		assert.Equal(t, want, got, "in chunks of %d bytes", chunk)
		assert.Equal(t, []string{"ping"}, pings, "in chunks of %d bytes", chunk)
		assert.Empty(t, fr.pending, "in chunks of %d bytes", chunk)
	}
}

func TestFrameReader_RefusesWhatIsNotAServersFrame(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"masked", []byte{0x81, 0x81, 0, 0, 0, 0, 'x'}},
		{"compressed (rsv1)", []byte{0xc1, 0x01, 'x'}},
		{"a continuation outside a message", frame(true, 0, "x")},
		{"a message inside a fragmented one", append(frame(false, 1, "x"), frame(true, 1, "y")...)},
		{"a fragmented ping", frame(false, 9, "x")},
		{"a long ping", frame(true, 9, strings.Repeat("x", 126))},
		{"an unknown opcode", frame(true, 3, "x")},
		{"over the read limit", binary.BigEndian.AppendUint64([]byte{0x81, 127}, maxFrameMessage+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fr frameReader
			err := fr.feed(tt.in, func([]byte) {}, func([]byte) {})
			require.Error(t, err)
			assert.NotErrorIs(t, err, errClosed)
		})
	}
	var fr frameReader
	var got []string
	err := fr.feed(append(frame(true, 1, "last"), frame(true, 8, "\x03\xe8")...), func(m []byte) { got = append(got, string(m)) }, func([]byte) {})
	require.ErrorIs(t, err, errClosed)
	assert.Equal(t, []string{"last"}, got, "the frames before the close are read")
}

func TestPongFrame_IsAMaskedPongOfThePayload(t *testing.T) {
	assert.Equal(t, []byte{0x8a, 0x84, 0, 0, 0, 0, 'p', 'i', 'n', 'g'}, pongFrame([]byte("ping")))
}
