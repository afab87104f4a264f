package main

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// jsonValue turns a value decoded by session.DecodeGeneric into one that
// encoding/json renders faithfully and deterministically:
//   - text with invalid UTF-8 shows U+FFFD for the invalid bytes;
//   - maps become objects with string keys (non-string keys are formatted,
//     byte-string keys base64-encoded; a key that collides after formatting
//     gets a " #2" suffix, assigned in sorted order);
//   - byte strings become standard base64;
//   - times become RFC 3339 with nanoseconds, keeping their offset;
//   - NaN and infinities become the strings "NaN", "+Inf", "-Inf";
//   - bignums become decimal strings (JSON numbers lose precision in most
//     readers);
//   - unknown tags become {"cbor_tag": N, "content": ...}.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, string, uint64, int64:
		return x
	case float64:
		return jsonFloat(x)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case cbor.ByteString:
		return base64.StdEncoding.EncodeToString([]byte(x))
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case big.Int:
		return x.String()
	case *big.Int:
		return x.String()
	case cbor.SimpleValue:
		return map[string]any{"cbor_simple": uint8(x)}
	case cbor.Tag:
		return map[string]any{"cbor_tag": x.Number, "content": jsonValue(x.Content)}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[any]any:
		return jsonObject(x)
	default:
		// DecodeGeneric produces none of these; show what it is rather
		// than fail the whole record.
		return fmt.Sprintf("%v (%T)", x, x)
	}
}

func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return f
}

func jsonObject(m map[any]any) map[string]any {
	type pair struct {
		key string
		val any
	}
	pairs := make([]pair, 0, len(m))
	for k, v := range m {
		pairs = append(pairs, pair{jsonKey(k), v})
	}
	// Sort by the formatted key, then by a canonical rendering of the value,
	// so that collision suffixes do not depend on map iteration order.
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].key != pairs[j].key {
			return pairs[i].key < pairs[j].key
		}
		return fmt.Sprint(pairs[i].val) < fmt.Sprint(pairs[j].val)
	})
	out := make(map[string]any, len(pairs))
	for _, p := range pairs {
		k := p.key
		for n := 2; ; n++ {
			if _, taken := out[k]; !taken {
				break
			}
			k = p.key + " #" + strconv.Itoa(n)
		}
		out[k] = jsonValue(p.val)
	}
	return out
}

func jsonKey(k any) string {
	switch x := k.(type) {
	case string:
		// Invalid UTF-8 is shown as U+FFFD, as encoding/json shows it in
		// values, before collisions are resolved: keys that differ only in
		// invalid bytes stay apart.
		return strings.ToValidUTF8(x, "\uFFFD")
	case cbor.ByteString:
		return base64.StdEncoding.EncodeToString([]byte(x))
	case nil:
		return "null"
	default:
		if j, ok := jsonValue(x).(string); ok {
			return j
		}
		return fmt.Sprint(x)
	}
}
