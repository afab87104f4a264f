package main

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// redacted is what a redacted text or byte string shows: its length only,
// which helps a bug report (empty, short, huge) without giving the content.
func redacted(n int) string { return fmt.Sprintf("<redacted %d bytes>", n) }

// redact returns a copy of a generically decoded value in which every text
// and byte string value is replaced by redacted(len). Map keys are kept:
// they are field names for struct data (the structure is what a bug report
// needs). Numbers, booleans and times are kept. Empty strings stay empty:
// there is nothing to hide.
func redact(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" {
			return x
		}
		return redacted(len(x))
	case []byte:
		if len(x) == 0 {
			return x
		}
		return redacted(len(x))
	case cbor.Tag:
		return cbor.Tag{Number: x.Number, Content: redact(x.Content)}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redact(e)
		}
		return out
	case map[any]any:
		out := make(map[any]any, len(x))
		for k, e := range x {
			out[k] = redact(e)
		}
		return out
	default:
		return x
	}
}
