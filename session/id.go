package session

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// IDLen is the length of a session ID in bytes: 128 bits from crypto/rand.
const IDLen = 16

// ID identifies a session. It is random, never derived from user input, and
// never shown to the browser except inside a sealed token.
type ID [IDLen]byte

// NewID returns a fresh random ID.
func NewID() ID {
	var id ID
	// crypto/rand.Read never returns an error (Go 1.24+); it crashes the
	// program instead of returning predictable bytes.
	_, _ = rand.Read(id[:])
	return id
}

// String returns the ID as 32 lower-case hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Short returns the first 8 hex digits, for logs and listings.
func (id ID) Short() string { return id.String()[:8] }

// IsZero reports whether id is the zero ID, which no session ever has.
func (id ID) IsZero() bool { return id == ID{} }

// ParseID parses the 32-hex-digit form produced by String.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*IDLen {
		return id, fmt.Errorf("%w: want %d hex digits, got %d", ErrInvalidSessionID, 2*IDLen, len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("%w: %v", ErrInvalidSessionID, err)
	}
	return id, nil
}
