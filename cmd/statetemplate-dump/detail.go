package main

import (
	"encoding/base64"
	"time"

	"github.com/livefir/statetemplate/session"
)

// detail is a whole session as show and export print it: the summary,
// the data decoded generically, and the fragment state.
type detail struct {
	row
	// Data is the session data decoded without its Go type (DataType
	// names it): structs are objects keyed by field name.
	Data      any            `json:"data"`
	DataError string         `json:"data_error,omitempty"`
	Fragments *fragmentsView `json:"fragments"`
	Redacted  bool           `json:"redacted,omitempty"`
}

// corruptDetail is what show and export print for a record that does not
// decode. Raw is omitted when redacting: it holds the data's strings.
type corruptDetail struct {
	ID    string `json:"id"`
	Bytes int    `json:"bytes"`
	Error string `json:"error"`
	Raw   string `json:"raw_base64,omitempty"`
}

// newDetail builds the detail of e, which must have decoded. With
// redactStrings, every text and byte string in the data and the fragment
// state is replaced (see redact).
func newDetail(e entry, now time.Time, redactStrings bool) detail {
	d := detail{row: newRow(e, now), Redacted: redactStrings}
	v, err := session.DecodeGeneric(e.Rec.Data)
	if err != nil {
		d.DataError = err.Error()
	} else {
		if redactStrings {
			v = redact(v)
		}
		d.Data = jsonValue(v)
	}
	d.Fragments = fragmentDetail(e.Rec.Fragments, redactStrings)
	return d
}

func newCorruptDetail(e entry, redactStrings bool) corruptDetail {
	c := corruptDetail{ID: e.ID.String(), Bytes: e.Bytes, Error: e.Err.Error()}
	if !redactStrings {
		c.Raw = base64.StdEncoding.EncodeToString(e.Raw)
	}
	return c
}
