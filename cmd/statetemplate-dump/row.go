package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// row is the summary of one session: a line of list, the head of an
// export line. JSON field names are part of the tool's interface.
type row struct {
	ID          string `json:"id"`
	Created     string `json:"created"`
	LastAccess  string `json:"last_access"`
	ExpiresAt   string `json:"expires_at"`
	IdleTimeout string `json:"idle_timeout,omitempty"`
	// Deadline is when the session expires unless accessed again: the
	// earlier of ExpiresAt and LastAccess+IdleTimeout.
	Deadline  string `json:"deadline"`
	Expired   bool   `json:"expired"`
	DataType  string `json:"data_type"`
	Bytes     int    `json:"bytes"`
	Fragments int    `json:"fragments"`
	Rev       uint64 `json:"rev"`
	KeyID     keyID  `json:"key_id"`
	TokenGen  uint32 `json:"token_gen"`
	Format    uint8  `json:"format"`
}

func newRow(e entry, now time.Time) row {
	r := e.Rec
	out := row{
		ID:         e.ID.String(),
		Created:    jsonTime(r.Created),
		LastAccess: jsonTime(r.LastAccess),
		ExpiresAt:  jsonTime(r.ExpiresAt),
		Deadline:   jsonTime(r.Deadline()),
		Expired:    r.Expired(now),
		DataType:   r.DataType,
		Bytes:      e.Bytes,
		Fragments:  fragmentCount(r.Fragments),
		Rev:        r.Rev,
		KeyID:      keyID(r.KeyID),
		TokenGen:   r.TokenGen,
		Format:     r.Format,
	}
	if r.IdleTimeout > 0 {
		out.IdleTimeout = r.IdleTimeout.String()
	}
	return out
}

const listHeader = "ID        CREATED               LAST_ACCESS           EXPIRES               STATE       BYTES  FRAGS  TYPE"

// writeListLine writes the text form of a session: fixed-width columns,
// the variable-width type last.
func writeListLine(w io.Writer, e entry, now time.Time) error {
	r := e.Rec
	state := "live"
	if r.Expired(now) {
		state = "expired"
	}
	_, err := fmt.Fprintf(w, "%-8s  %-20s  %-20s  %-20s  %-7s  %8d  %5d  %s\n",
		e.ID.Short(), fmtTime(r.Created), fmtTime(r.LastAccess), fmtTime(r.Deadline()),
		state, e.Bytes, fragmentCount(r.Fragments), r.DataType)
	return err
}

// typeMatches reports whether a session's data type name matches the
// --type argument: the full name ("*github.com/acme/app.Dashboard"), or
// its tail after a "/" or "." ("app.Dashboard", "Dashboard"). A leading
// "*" is ignored on both sides.
func typeMatches(name, want string) bool {
	name, want = strings.TrimPrefix(name, "*"), strings.TrimPrefix(want, "*")
	if want == "" {
		return false
	}
	if name == want {
		return true
	}
	return strings.HasSuffix(name, "/"+want) || strings.HasSuffix(name, "."+want)
}

// corruptWarning reports a corrupt record on stderr for the commands
// that skip it (list, export, stats); check reports it as a finding.
func (a *app) corruptWarning(cmd *command, e entry) {
	a.errorf(cmd, "session %s: %v (skipped; run check)", e.ID, e.Err)
}

// keyID is a token key id (token.Keyring), printed as 8 hex digits in
// text and JSON alike so the two can be compared.
type keyID uint32

func (k keyID) String() string { return fmt.Sprintf("%08x", uint32(k)) }

// MarshalText makes JSON print a keyID as its string form.
func (k keyID) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses the form MarshalText prints.
func (k *keyID) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 16, 32)
	if err != nil {
		return fmt.Errorf("key id %q: %w", b, err)
	}
	*k = keyID(v)
	return nil
}
