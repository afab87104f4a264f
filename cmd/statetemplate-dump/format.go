package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Text output is meant to be read and scripted: times are UTC RFC 3339
// to the second, sizes are exact byte counts (humanBytes only in stats,
// next to the exact figure), columns are fixed-width and the variable-width
// one comes last, so that a line can be cut or awk'd.

const textTime = "2006-01-02T15:04:05Z07:00"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(textTime)
}

// jsonTime is the JSON form of a time: RFC 3339 with nanoseconds, UTC.
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// humanBytes formats n with a binary unit: "512 B", "1.5 KiB", "3.2 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// jsonArray streams a JSON array: one element per Add, each on its own
// line, so that a large listing never sits in memory and the output is
// still one valid JSON document (an empty listing prints "[]").
type jsonArray struct {
	w   io.Writer
	n   int
	err error
}

func (a *jsonArray) Add(v any) error {
	if a.err != nil {
		return a.err
	}
	b, err := marshalLine(v)
	if err != nil {
		a.err = err
		return err
	}
	sep := ",\n"
	if a.n == 0 {
		sep = "[\n"
	}
	a.n++
	_, a.err = fmt.Fprintf(a.w, "%s  %s", sep, b)
	return a.err
}

func (a *jsonArray) Close() error {
	if a.err != nil {
		return a.err
	}
	if a.n == 0 {
		_, a.err = io.WriteString(a.w, "[]\n")
	} else {
		_, a.err = io.WriteString(a.w, "\n]\n")
	}
	return a.err
}

// marshalLine returns v as compact JSON without a trailing newline. HTML
// characters are not escaped: the output is for terminals and files.
func marshalLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
