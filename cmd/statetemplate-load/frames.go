package main

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// frameReader splits the bytes a server sends on one WebSocket connection
// into its messages, for the tabs whose frames the tool reads off their
// sockets itself (see tabReaders): RFC 6455 frames as a server writes
// them, unmasked and uncompressed (the tool dials with compression off),
// a message in one frame or in several.
type frameReader struct {
	pending []byte // the bytes of a frame not complete yet
	frag    []byte // the message of the fragments so far
	inFrag  bool
}

// errClosed is a close frame received: the connection ends.
var errClosed = errors.New("the server closed the connection")

// maxFrameMessage is the longest message read, as the dialed connections'
// read limit (dial).
const maxFrameMessage = 16 << 20

// feed splits data, the bytes read next from the connection, into
// messages, and calls msg with each (the slice is valid during the call
// only) and pong with the payload of each ping. Bytes of an incomplete
// frame are kept for the next call. An error ends the connection.
func (fr *frameReader) feed(data []byte, msg func([]byte), pong func([]byte)) error {
	if len(fr.pending) > 0 {
		fr.pending = append(fr.pending, data...)
		data = fr.pending
	}
	n, err := fr.frames(data, msg, pong)
	rest := data[n:]
	switch {
	case len(rest) == 0:
		fr.pending = fr.pending[:0]
	case len(fr.pending) > 0:
		fr.pending = append(fr.pending[:0], rest...) // copy overlapping: append copies forward
	default:
		fr.pending = append(fr.pending, rest...)
	}
	return err
}

// frames calls msg and pong for the complete frames at the start of data
// and returns the bytes they take.
func (fr *frameReader) frames(data []byte, msg func([]byte), pong func([]byte)) (int, error) {
	at := 0
	for {
		b := data[at:]
		if len(b) < 2 {
			return at, nil
		}
		fin, rsv, op := b[0]&0x80 != 0, b[0]&0x70, b[0]&0x0f
		if b[1]&0x80 != 0 {
			return at, errors.New("a masked frame from the server")
		}
		if rsv != 0 {
			return at, fmt.Errorf("a frame with reserved bits %#x", rsv)
		}
		size, head := uint64(b[1]&0x7f), 2
		switch size {
		case 126:
			if len(b) < 4 {
				return at, nil
			}
			size, head = uint64(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			if len(b) < 10 {
				return at, nil
			}
			size, head = binary.BigEndian.Uint64(b[2:]), 10
		}
		if size > maxFrameMessage || op >= 8 && (size > 125 || !fin) {
			return at, fmt.Errorf("a frame of opcode %d and %d bytes", op, size)
		}
		if uint64(len(b)-head) < size {
			return at, nil
		}
		payload := b[head : head+int(size)]
		at += head + int(size)
		switch op {
		case 0x1, 0x2: // text, binary
			if fr.inFrag {
				return at, errors.New("a new message inside a fragmented one")
			}
			if fin {
				msg(payload)
				continue
			}
			fr.frag, fr.inFrag = append(fr.frag[:0], payload...), true
		case 0x0: // continuation
			if !fr.inFrag {
				return at, errors.New("a continuation frame outside a message")
			}
			if len(fr.frag)+len(payload) > maxFrameMessage {
				return at, fmt.Errorf("a message over %d bytes", maxFrameMessage)
			}
			fr.frag = append(fr.frag, payload...)
			if fin {
				msg(fr.frag)
				fr.frag, fr.inFrag = fr.frag[:0], false
			}
		case 0x8: // close
			return at, errClosed
		case 0x9: // ping
			pong(payload)
		case 0xa: // pong
		default:
			return at, fmt.Errorf("a frame of unknown opcode %d", op)
		}
	}
}

// pongFrame is the frame that answers a ping of payload p, masked as a
// client's frames must be (with a zero key: the payload is as it is).
func pongFrame(p []byte) []byte {
	return append([]byte{0x8a, 0x80 | byte(len(p)), 0, 0, 0, 0}, p...)
}
