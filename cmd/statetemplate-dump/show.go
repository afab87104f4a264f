package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

var showCommand = &command{
	name:     "show",
	synopsis: "[--redact] FILE ID",
	summary:  "one session's data and fragments, as JSON",
	help: `Prints one session as indented JSON: its times, data type, revision, key id,
record size, its data decoded from CBOR without the Go type (struct fields by
name; byte strings as base64; times as RFC 3339; the data_type field names the
Go type) and its fragment state (fragment ids and hashes).

ID is the session id or any unique prefix of it, such as the 8-digit short id
that list and the server's logs print. An ambiguous prefix is a usage error
(exit 2); an id that matches nothing exits 1, and so does a session whose
record or data does not decode (show prints what it can).

--redact replaces every text and byte string in the data and the fragment
state with "<redacted N bytes>", so the output can go into a bug report. Map
keys (struct field names), numbers, booleans and times are kept.`,
	run: runShow,
}

// errNoMatch and errAmbiguous are the two ways an ID argument can fail.
var (
	errNoMatch   = errors.New("no session matches")
	errAmbiguous = errors.New("ambiguous id prefix")
)

func runShow(a *app, cmd *command, args []string) int {
	f := newFlags(cmd).withProgress()
	redactStrings := f.Bool("redact", false, "replace string values so the output can go into a bug report")
	pos, code, ok := f.parse(a, args, 2, 2)
	if !ok {
		return code
	}
	prefix := strings.ToLower(strings.TrimSpace(pos[1]))
	if !isHexPrefix(prefix) {
		return f.fail(a, "ID %q: want up to %d hex digits", pos[1], 2*session.IDLen)
	}
	st, code, ok := a.openRead(cmd, pos[0])
	if !ok {
		return code
	}
	e, err := a.findSession(a.ctx, f, st, prefix)
	closeStore(st, err)
	switch {
	case errors.Is(err, errAmbiguous):
		a.errorf(cmd, "%v", err)
		return exitUsage
	case err != nil:
		a.errorf(cmd, "%s: %v", pos[0], err)
		return exitFindings
	}
	if e.Err != nil {
		if err := writeJSON(a.stdout, newCorruptDetail(e, *redactStrings)); err != nil {
			a.errorf(cmd, "writing output: %v", err)
		}
		return exitFindings
	}
	d := newDetail(e, a.now(), *redactStrings)
	if err := writeJSON(a.stdout, d); err != nil {
		a.errorf(cmd, "writing output: %v", err)
		return exitUsage
	}
	if d.DataError != "" {
		return exitFindings // the record decodes, its data does not: the session cannot be restored
	}
	return exitOK
}

func isHexPrefix(s string) bool {
	if s == "" || len(s) > 2*session.IDLen {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// maxCandidates bounds the matches an ambiguous prefix lists.
const maxCandidates = 10

// findSession returns the one session whose id starts with prefix. A full
// id is read directly; a prefix needs a walk of the file.
func (a *app) findSession(ctx context.Context, f *cmdFlags, st *bolt.Store, prefix string) (entry, error) {
	if len(prefix) == 2*session.IDLen {
		id, err := session.ParseID(prefix)
		if err != nil {
			return entry{}, err
		}
		var rec *session.Record
		err = guarded(walkLimit(0), func() error {
			var err error
			rec, err = st.Get(ctx, id)
			return err
		})
		switch {
		case err == nil:
			raw, _ := session.EncodeRecord(rec)
			return entry{ID: id, Bytes: len(raw), Raw: raw, Rec: rec}, nil
		case errors.Is(err, session.ErrCorruptRecord):
			// fall through to the walk, which yields the raw bytes
		case errors.Is(err, session.ErrSessionNotFound):
			return entry{}, fmt.Errorf("%w %s", errNoMatch, prefix)
		default:
			return entry{}, err
		}
	}
	var matches []entry
	err := a.scan(ctx, f, st, "show", func(e entry) error {
		if strings.HasPrefix(e.ID.String(), prefix) {
			matches = append(matches, e)
			if len(matches) > maxCandidates {
				return errStop
			}
		}
		return nil
	})
	if err != nil {
		return entry{}, err
	}
	switch len(matches) {
	case 0:
		return entry{}, fmt.Errorf("%w %s", errNoMatch, prefix)
	case 1:
		return matches[0], nil
	}
	ids := make([]string, 0, len(matches))
	for i, m := range matches {
		if i == maxCandidates {
			ids = append(ids, "...")
			break
		}
		ids = append(ids, m.ID.String())
	}
	return entry{}, fmt.Errorf("%w %s matches %s", errAmbiguous, prefix, strings.Join(ids, ", "))
}
