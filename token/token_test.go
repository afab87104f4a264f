package token_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/token"
)

var (
	keyA = bytes.Repeat([]byte("a"), 32)
	keyB = bytes.Repeat([]byte("b"), 32)
	keyC = bytes.Repeat([]byte("c"), 48) // longer secrets are used in full
	now  = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
)

func claims() token.Claims {
	return token.Claims{
		SessionID: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		Gen:       7,
		IssuedAt:  now,
		ExpiresAt: now.Add(time.Hour),
	}
}

func keyring(t testing.TB, cur []byte, prev ...[]byte) *token.Keyring {
	t.Helper()
	k, err := token.NewKeyring(cur, prev...)
	require.NoError(t, err)
	return k
}

func TestSealOpen_RoundTripsClaims(t *testing.T) {
	k := keyring(t, keyA)
	tok := k.Seal(claims())
	got, err := k.Open(tok, now)
	require.NoError(t, err)
	want := claims()
	want.KeyID = k.CurrentKeyID()
	require.Equal(t, want, got)
}

func TestSeal_TokenIsURLSafeAndCookieSized(t *testing.T) {
	k := keyring(t, keyA)
	tok := k.Seal(claims())
	require.Len(t, tok, token.EncodedLen)
	require.Less(t, len(tok), 120)
	require.NotContains(t, tok, "=")
	require.Equal(t, -1, strings.IndexFunc(tok, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}), "token %q has a character outside base64url", tok)
}

func TestSeal_SameClaimsGiveDifferentTokens(t *testing.T) {
	k := keyring(t, keyA)
	require.NotEqual(t, k.Seal(claims()), k.Seal(claims()), "a fresh nonce per token")
}

func TestOpen_EveryFlippedByteIsInvalid(t *testing.T) {
	k := keyring(t, keyA)
	raw, err := base64.RawURLEncoding.DecodeString(k.Seal(claims()))
	require.NoError(t, err)
	for i := range raw {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(raw)
			bad[i] ^= mask
			_, err := k.Open(base64.RawURLEncoding.EncodeToString(bad), now)
			require.ErrorIs(t, err, token.ErrInvalid, "byte %d ^ %#x", i, mask)
		}
	}
}

func TestOpen_MalformedTokensAreInvalid(t *testing.T) {
	k := keyring(t, keyA)
	good := k.Seal(claims())
	for _, tc := range []struct{ name, tok string }{
		{"empty", ""},
		{"truncated by one", good[:len(good)-1]},
		{"truncated to half", good[:len(good)/2]},
		{"one extra character", good + "A"},
		{"padded", good + "=="},
		{"standard base64 alphabet", "+" + good[1:]},
		{"not base64", strings.Repeat("!", len(good))},
		{"whitespace inside", good[:10] + " " + good[11:]},
		{"all zero bytes", base64.RawURLEncoding.EncodeToString(make([]byte, 69))},
		{"garbage of the right length", strings.Repeat("Zm9v", len(good)/4) + good[:len(good)%4]},
		{"unicode", strings.Repeat("é", len(good)/2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.tok == good {
				t.Fatalf("case %q does not alter the token", tc.name)
			}
			_, err := k.Open(tc.tok, now)
			require.ErrorIs(t, err, token.ErrInvalid)
			require.False(t, errors.Is(err, token.ErrExpired))
		})
	}
}

func TestOpen_ForeignKeyIsInvalid(t *testing.T) {
	tok := keyring(t, keyB).Seal(claims())
	_, err := keyring(t, keyA).Open(tok, now)
	require.ErrorIs(t, err, token.ErrInvalid)
}

func TestOpen_KeyIDOfAnotherKeyInTheRingFailsAuthentication(t *testing.T) {
	// A token whose clear key id is rewritten to another key of the ring
	// is opened with that one key only, and fails.
	k := keyring(t, keyA, keyB)
	tok := k.Seal(claims())
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	other := keyring(t, keyB).CurrentKeyID()
	raw[1], raw[2], raw[3], raw[4] = byte(other>>24), byte(other>>16), byte(other>>8), byte(other)
	_, err := k.Open(base64.RawURLEncoding.EncodeToString(raw), now)
	require.ErrorIs(t, err, token.ErrInvalid)
}

func TestKeyring_Rotation(t *testing.T) {
	old := keyring(t, keyA)
	rotated := keyring(t, keyB, keyA)
	oldTok := old.Seal(claims())

	got, err := rotated.Open(oldTok, now)
	require.NoError(t, err, "a token of the previous key still opens")
	require.Equal(t, old.CurrentKeyID(), got.KeyID, "and names the key that sealed it")

	newTok := rotated.Seal(claims())
	got, err = rotated.Open(newTok, now)
	require.NoError(t, err)
	require.Equal(t, rotated.CurrentKeyID(), got.KeyID, "new tokens use the current key")
	require.NotEqual(t, old.CurrentKeyID(), rotated.CurrentKeyID())
	_, err = old.Open(newTok, now)
	require.ErrorIs(t, err, token.ErrInvalid, "the old ring cannot open tokens of the new key")

	retired := keyring(t, keyC, keyB) // keyA dropped
	_, err = retired.Open(oldTok, now)
	require.ErrorIs(t, err, token.ErrInvalid, "a dropped key's tokens stop opening")
	_, err = retired.Open(newTok, now)
	require.NoError(t, err)
}

func TestKeyring_KeyIDDependsOnlyOnTheSecret(t *testing.T) {
	require.Equal(t, keyring(t, keyA).CurrentKeyID(), keyring(t, keyA, keyB).CurrentKeyID())
	require.NotEqual(t, keyring(t, keyA).CurrentKeyID(), keyring(t, keyB).CurrentKeyID())
}

func TestNewKeyring_RejectsShortKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		cur  []byte
		prev [][]byte
	}{
		{"nil current", nil, nil},
		{"31-byte current", keyA[:31], nil},
		{"short previous", keyA, [][]byte{keyB[:16]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := token.NewKeyring(tc.cur, tc.prev...)
			require.ErrorIs(t, err, token.ErrShortKey)
		})
	}
}

func TestOpen_Expiry(t *testing.T) {
	k := keyring(t, keyA)
	c := claims()
	tok := k.Seal(c)
	for _, tc := range []struct {
		name    string
		at      time.Time
		expired bool
	}{
		{"before expiry", c.ExpiresAt.Add(-time.Nanosecond), false},
		{"at expiry", c.ExpiresAt, true},
		{"after expiry", c.ExpiresAt.Add(time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := k.Open(tok, tc.at)
			if !tc.expired {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, token.ErrExpired)
			require.False(t, errors.Is(err, token.ErrInvalid), "a genuine expired token is not invalid")
			require.Equal(t, c.SessionID, got.SessionID, "claims are returned with ErrExpired")
		})
	}
}

func TestNewSecret_IsRandomAndLongEnough(t *testing.T) {
	a, b := token.NewSecret(), token.NewSecret()
	require.Len(t, a, token.MinKeyLen)
	require.NotEqual(t, a, b)
	_, err := token.NewKeyring(a)
	require.NoError(t, err)
}

func TestKeyring_ConcurrentUse(t *testing.T) {
	k := keyring(t, keyA, keyB)
	want := claims()
	want.KeyID = k.CurrentKeyID()
	done := make(chan error, 4)
	for w := range 4 {
		go func() {
			c := claims()
			c.Gen = uint32(w) // each goroutine's own claims
			for range 200 {
				got, err := k.Open(k.Seal(c), now)
				if err != nil {
					done <- err
					return
				}
				if got.Gen != c.Gen || got.SessionID != want.SessionID || got.KeyID != want.KeyID {
					done <- fmt.Errorf("goroutine %d opened %+v", w, got)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		require.NoError(t, <-done)
	}
}
