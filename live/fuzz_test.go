package live

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantAction string
		wantErr    bool
	}{
		{"action with fields", `{"action":"add_task","title":"x"}`, "add_task", false},
		{"action only", `{"action":"inc"}`, "inc", false},
		{"empty action", `{"action":""}`, "", true},
		{"numeric action", `{"action":1}`, "", true},
		{"null", `null`, "", true},
		{"array", `[]`, "", true},
		{"truncated", `{"action":"inc"`, "", true},
		{"action too long", `{"action":"` + string(make([]byte, 0)) + repeat("a", 129) + `"}`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseMessage([]byte(tc.in))
			if tc.wantErr {
				require.ErrorIs(t, err, ErrBadMessage)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantAction, m.Action)
		})
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, n*len(s))
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func TestMessage_FieldAccessors(t *testing.T) {
	m, err := parseMessage([]byte(`{"action":"a","s":"text","n":3,"ns":"42","b":true,"z":null}`))
	require.NoError(t, err)
	assert.Equal(t, "text", m.String("s"))
	assert.Equal(t, "3", m.String("n"))
	assert.Equal(t, "true", m.String("b"))
	assert.Equal(t, "", m.String("z"))
	assert.Equal(t, "", m.String("missing"))
	n, err := m.Int("ns")
	require.NoError(t, err)
	assert.Equal(t, 42, n)
	_, err = m.Int("s")
	assert.ErrorIs(t, err, ErrBadMessage)
	var v struct {
		Action string `json:"action"`
		N      int    `json:"n"`
	}
	require.NoError(t, m.Decode(&v))
	assert.Equal(t, "a", v.Action)
	assert.Equal(t, 3, v.N)
}

func TestMessage_StringIsValidUTF8ForEveryValue(t *testing.T) {
	m, err := parseMessage([]byte("{\"action\":\"a\",\"s\":\"x\xff\xfey\",\"arr\":[\"\xff\xfe\"],\"obj\":{\"k\xc3\":1}}"))
	require.NoError(t, err)
	for key, want := range map[string]string{"s": "x\uFFFD\uFFFDy", "arr": "[\"\uFFFD\"]", "obj": "{\"k\uFFFD\":1}"} {
		got := m.String(key)
		assert.True(t, utf8.ValidString(got), "field %s: %q", key, got)
		assert.Equal(t, want, got, "field %s", key)
	}
}

func TestRef_OpensOnlyWithItsSecret(t *testing.T) {
	s1, s2 := make([]byte, secretSize), make([]byte, secretSize)
	s2[0] = 1
	ref, err := sealRef(s1, "token-123")
	require.NoError(t, err)
	tok, err := openRef(s1, ref)
	require.NoError(t, err)
	assert.Equal(t, "token-123", tok)
	_, err = openRef(s2, ref)
	assert.ErrorIs(t, err, ErrBadReference)
	again, err := sealRef(s1, "token-123")
	require.NoError(t, err)
	assert.NotEqual(t, ref, again, "references are randomized")
}

func TestBucket_AllowsBurstThenRate(t *testing.T) {
	b := newBucket(2, 3)
	now := time.Unix(0, 0)
	for range 3 {
		assert.True(t, b.allow(now))
	}
	assert.False(t, b.allow(now), "burst exhausted")
	assert.True(t, b.allow(now.Add(500*time.Millisecond)), "one token after 1/rate")
	assert.False(t, b.allow(now.Add(500*time.Millisecond)))
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{`{"action":"inc"}`, `{"action":"add","title":"x","n":1}`, `[]`, `null`, `{"action":`, `{"action":{"a":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v does not wrap ErrBadMessage", err)
			}
			return
		}
		if m.Action == "" || len(m.Action) > maxActionLen {
			t.Fatalf("accepted action %q", m.Action)
		}
		for key := range m.fields {
			if s := m.String(key); !utf8.ValidString(s) {
				t.Fatalf("String(%q) = %q is not valid UTF-8", key, s)
			}
		}
		_, _ = m.Int("x")
	})
}

func FuzzOpenRef(f *testing.F) {
	secret := make([]byte, secretSize)
	good, _ := sealRef(secret, "tok")
	for _, s := range []string{good, "", "AAAA", "!!!", good[:10], repeat("A", 2000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		tok, err := openRef(secret, ref)
		if err != nil {
			if !errors.Is(err, ErrBadReference) {
				t.Fatalf("error %v does not wrap ErrBadReference", err)
			}
			return
		}
		if tok != "tok" {
			t.Fatalf("opened a forged reference to %q", tok)
		}
	})
}

func BenchmarkParseMessage(b *testing.B) {
	msg := []byte(`{"action":"add_task","title":"Write the docs","priority":"medium"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseMessage(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenRef is the per-connection cost of resolving a tab reference.
func BenchmarkOpenRef(b *testing.B) {
	secret := make([]byte, secretSize)
	ref, err := sealRef(secret, repeat("t", 100))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openRef(secret, ref); err != nil {
			b.Fatal(err)
		}
	}
}
