package main

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

func TestJSONValue_RendersEveryGenericCBORValue(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, `null`},
		{"bool", true, `true`},
		{"text", "héllo <b>", `"héllo <b>"`},
		{"positive integer", uint64(math.MaxUint64), `18446744073709551615`},
		{"negative integer", int64(-7), `-7`},
		{"float", 0.5, `0.5`},
		{"NaN", math.NaN(), `"NaN"`},
		{"infinities", []any{math.Inf(1), math.Inf(-1)}, `["+Inf","-Inf"]`},
		{"byte string as base64", []byte{0, 1, 0xfe, 0xff}, `"AAH+/w=="`},
		{"time keeps its offset and nanoseconds", time.Date(2026, 1, 2, 3, 4, 5, 600, est), `"2026-01-02T03:04:05.0000006-05:00"`},
		{"bignum as decimal text", *new(big.Int).Lsh(big.NewInt(1), 70), `"1180591620717411303424"`},
		{"bignum pointer", big.NewInt(-3), `"-3"`},
		{"unknown tag", cbor.Tag{Number: 99, Content: "x"}, `{"cbor_tag":99,"content":"x"}`},
		{"simple value", cbor.SimpleValue(16), `{"cbor_simple":16}`},
		{"map with mixed keys", map[any]any{"b": uint64(1), uint64(2): "two", int64(-1): nil, cbor.ByteString("\x01"): true},
			`{"-1":null,"2":"two","AQ==":true,"b":1}`},
		{"colliding keys get a suffix in sorted order", map[any]any{"1": "text", uint64(1): "number"},
			`{"1":"number","1 #2":"text"}`},
		{"nested", map[any]any{"a": []any{map[any]any{"t": time.Unix(0, 0).UTC()}}}, `{"a":[{"t":"1970-01-01T00:00:00Z"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(jsonValue(tc.in))
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))
		})
	}
}

// TestJSONValue_DecodesWhatSessionDataEncodes goes through the real codec:
// a struct stored by the renderer shows with its field names and values.
func TestJSONValue_DecodesWhatSessionDataEncodes(t *testing.T) {
	enc, err := session.EncodeData(fixtureDashboard())
	require.NoError(t, err)
	v, err := session.DecodeGeneric(enc)
	require.NoError(t, err)
	b, err := marshalLine(jsonValue(v))
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, "Quarterly-Report-Zephyr", got["Title"])
	assert.EqualValues(t, 42, got["Counter"])
	assert.Equal(t, "2026-01-02T02:04:05Z", got["Updated"])
	assert.Equal(t, "YXZhdGFyLWJ5dGVzLVBORy0wMDQy", got["Avatar"])
	assert.Equal(t, map[string]any{"home": 3.0, "settings": 1.0}, got["Visits"])
}

func TestRedact_ReplacesStringsKeepsEverythingElse(t *testing.T) {
	when := time.Unix(5, 0)
	in := map[any]any{
		"name":   "secret",
		"blob":   []byte("xyz"),
		"empty":  "",
		"n":      uint64(3),
		"at":     when,
		"list":   []any{"a", int64(-1), cbor.Tag{Number: 7, Content: "tagged"}},
		"nested": map[any]any{uint64(1): "deep"},
	}
	want := map[any]any{
		"name":   "<redacted 6 bytes>",
		"blob":   "<redacted 3 bytes>",
		"empty":  "",
		"n":      uint64(3),
		"at":     when,
		"list":   []any{"<redacted 1 bytes>", int64(-1), cbor.Tag{Number: 7, Content: "<redacted 6 bytes>"}},
		"nested": map[any]any{uint64(1): "<redacted 4 bytes>"},
	}
	assert.Equal(t, want, redact(in))
	assert.Equal(t, "secret", in["name"], "the input is not modified")
}

func TestTypeMatches_FullNameOrTail(t *testing.T) {
	const name = "*github.com/acme/app.Dashboard"
	cases := []struct {
		want  string
		match bool
	}{
		{name, true},
		{"github.com/acme/app.Dashboard", true},
		{"app.Dashboard", true},
		{"Dashboard", true},
		{"*Dashboard", true},
		{"board", false},
		{"Dash", false},
		{"other.Dashboard", false},
		{"", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.match, typeMatches(name, tc.want), "%q", tc.want)
	}
}

func TestPercentiles_NearestRank(t *testing.T) {
	sizes := make([]int, 0, 100)
	for i := 100; i >= 1; i-- {
		sizes = append(sizes, i)
	}
	assert.Equal(t, sizeStats{Total: 5050, Min: 1, P50: 50, P90: 90, P99: 99, Max: 100}, percentiles(sizes))
	assert.Equal(t, sizeStats{Total: 7, Min: 7, P50: 7, P90: 7, P99: 7, Max: 7}, percentiles([]int{7}))
	assert.Equal(t, sizeStats{}, percentiles(nil))
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		assert.Equal(t, want, humanBytes(n), "%d", n)
	}
}
