package token

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// MinKeyLen is the shortest accepted signing secret, in bytes.
const MinKeyLen = 32

const (
	version    = 1
	headerLen  = 1 + 4
	nonceLen   = 12
	payloadLen = 16 + 4 + 8 + 8
	tagLen     = 16
	rawLen     = headerLen + nonceLen + payloadLen + tagLen
)

// EncodedLen is the length of every token in characters.
var EncodedLen = base64.RawURLEncoding.EncodedLen(rawLen)

var (
	// ErrInvalid is returned for a token that was not sealed by a key of
	// the keyring, or was altered.
	ErrInvalid = errors.New("token: invalid")
	// ErrExpired is returned for a genuine token past its expiry time.
	ErrExpired = errors.New("token: expired")
	// ErrShortKey is returned for a signing secret under MinKeyLen bytes.
	ErrShortKey = errors.New("token: signing key shorter than 32 bytes")
)

// Claims is what a token says.
type Claims struct {
	SessionID [16]byte
	// Gen is the token generation; a session rejects older generations.
	Gen       uint32
	IssuedAt  time.Time
	ExpiresAt time.Time
	// KeyID is the id of the key that sealed the token (set by Open).
	KeyID uint32
}

type key struct {
	id   uint32
	aead cipher.AEAD
}

// Keyring seals tokens with its current key and opens tokens sealed with
// the current or any previous key.
type Keyring struct {
	current key
	byID    map[uint32]cipher.AEAD
}

// NewKeyring builds a keyring from the current secret and the secrets it
// replaced, newest first. Every secret must be at least MinKeyLen bytes.
func NewKeyring(current []byte, previous ...[]byte) (*Keyring, error) {
	k := &Keyring{byID: make(map[uint32]cipher.AEAD, 1+len(previous))}
	for i, secret := range append([][]byte{current}, previous...) {
		kk, err := newKey(secret)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("current key: %w", err)
			}
			return nil, fmt.Errorf("previous key %d: %w", i, err)
		}
		if i == 0 {
			k.current = kk
		}
		if _, dup := k.byID[kk.id]; !dup {
			k.byID[kk.id] = kk.aead
		}
	}
	return k, nil
}

func newKey(secret []byte) (key, error) {
	if len(secret) < MinKeyLen {
		return key{}, fmt.Errorf("%w (got %d)", ErrShortKey, len(secret))
	}
	sum := sha256.Sum256(append([]byte("statetemplate token key id\x00"), secret...))
	aesKey, err := hkdf.Key(sha256.New, secret, nil, "statetemplate token v1", 32)
	if err != nil {
		return key{}, fmt.Errorf("deriving key: %w", err)
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	return key{id: binary.BigEndian.Uint32(sum[:4]), aead: aead}, nil
}

// NewSecret returns MinKeyLen random bytes, for apps and stores that need a
// key and were given none.
func NewSecret() []byte {
	b := make([]byte, MinKeyLen)
	_, _ = rand.Read(b)
	return b
}

// CurrentKeyID returns the id of the key new tokens are sealed with.
func (k *Keyring) CurrentKeyID() uint32 { return k.current.id }

// Seal returns the token for c, sealed with the current key.
func (k *Keyring) Seal(c Claims) string {
	var raw [rawLen]byte
	raw[0] = version
	binary.BigEndian.PutUint32(raw[1:5], k.current.id)
	nonce := raw[headerLen : headerLen+nonceLen]
	_, _ = rand.Read(nonce)

	var p [payloadLen]byte
	copy(p[0:16], c.SessionID[:])
	binary.BigEndian.PutUint32(p[16:20], c.Gen)
	binary.BigEndian.PutUint64(p[20:28], uint64(c.IssuedAt.UnixNano()))
	binary.BigEndian.PutUint64(p[28:36], uint64(c.ExpiresAt.UnixNano()))

	k.current.aead.Seal(raw[:headerLen+nonceLen], nonce, p[:], raw[:headerLen])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// Open verifies tok and returns its claims. A token that fails
// authentication wraps ErrInvalid; a genuine token whose ExpiresAt is not
// after now wraps ErrExpired and still returns its claims.
func (k *Keyring) Open(tok string, now time.Time) (Claims, error) {
	var c Claims
	if len(tok) != EncodedLen {
		return c, fmt.Errorf("%w: length %d", ErrInvalid, len(tok))
	}
	var raw [rawLen]byte
	n, err := base64.RawURLEncoding.Decode(raw[:], []byte(tok))
	if err != nil || n != rawLen {
		return c, fmt.Errorf("%w: not base64url", ErrInvalid)
	}
	if raw[0] != version {
		return c, fmt.Errorf("%w: version %d", ErrInvalid, raw[0])
	}
	id := binary.BigEndian.Uint32(raw[1:5])
	aead, ok := k.byID[id]
	if !ok {
		return c, fmt.Errorf("%w: unknown key id %08x", ErrInvalid, id)
	}
	var p [payloadLen]byte
	nonce := raw[headerLen : headerLen+nonceLen]
	if _, err := aead.Open(p[:0], nonce, raw[headerLen+nonceLen:], raw[:headerLen]); err != nil {
		return c, fmt.Errorf("%w: authentication failed", ErrInvalid)
	}
	copy(c.SessionID[:], p[0:16])
	c.Gen = binary.BigEndian.Uint32(p[16:20])
	c.IssuedAt = time.Unix(0, int64(binary.BigEndian.Uint64(p[20:28]))).UTC()
	c.ExpiresAt = time.Unix(0, int64(binary.BigEndian.Uint64(p[28:36]))).UTC()
	c.KeyID = id
	if !now.Before(c.ExpiresAt) {
		return c, fmt.Errorf("%w at %s", ErrExpired, c.ExpiresAt.Format(time.RFC3339))
	}
	return c, nil
}
