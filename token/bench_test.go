package token_test

import (
	"testing"
)

func BenchmarkSeal(b *testing.B) {
	k := keyring(b, keyA)
	c := claims()
	b.ReportAllocs()
	for b.Loop() {
		_ = k.Seal(c)
	}
}

func BenchmarkOpen(b *testing.B) {
	k := keyring(b, keyA, keyB)
	tok := k.Seal(claims())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(tok, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen_Tampered(b *testing.B) {
	k := keyring(b, keyA)
	tok := []byte(k.Seal(claims()))
	tok[40] ^= 1
	bad := string(tok)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = k.Open(bad, now)
	}
}
