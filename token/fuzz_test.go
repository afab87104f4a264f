package token_test

import (
	"errors"
	"testing"

	"github.com/livefir/statetemplate/token"
)

// FuzzOpen feeds arbitrary strings to Open: it must never panic, and must
// either return claims or an error that is ErrInvalid or ErrExpired. A
// string that opens must be a genuine token: re-sealing its claims and
// opening again gives the same claims.
func FuzzOpen(f *testing.F) {
	k, err := token.NewKeyring(keyA, keyB)
	if err != nil {
		f.Fatal(err)
	}
	prev, _ := token.NewKeyring(keyB)
	f.Add(k.Seal(claims()))
	f.Add(prev.Seal(claims()))
	f.Add("")
	f.Add("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("not a token")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := k.Open(tok, now)
		if err != nil {
			if !errors.Is(err, token.ErrInvalid) && !errors.Is(err, token.ErrExpired) {
				t.Fatalf("Open(%q): error %v is neither ErrInvalid nor ErrExpired", tok, err)
			}
			return
		}
		if !c.ExpiresAt.After(now) {
			t.Fatalf("Open(%q) accepted a token expired at %v", tok, c.ExpiresAt)
		}
		again, err := k.Open(k.Seal(c), now)
		if err != nil || again.SessionID != c.SessionID || again.Gen != c.Gen || !again.ExpiresAt.Equal(c.ExpiresAt) {
			t.Fatalf("claims of %q do not survive a reseal: %v", tok, err)
		}
	})
}
