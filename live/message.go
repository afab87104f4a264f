package live

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/fragments"
)

// ErrBadMessage is returned for a browser message that is not a JSON
// object with a non-empty string "action".
var ErrBadMessage = errors.New("live: bad message")

// maxActionLen bounds action names.
const maxActionLen = 128

// The transport's own actions; app actions may not start with "_".
const (
	actionResync   = "_resync"
	actionNavigate = "_nav"
)

// Message is one action sent by the browser: its name and its fields. The
// field names starting with "_" belong to the transport (_seq numbers the
// action for its acknowledgment; _url is a navigation's URL).
type Message struct {
	// Action is the action's name.
	Action string
	fields map[string]json.RawMessage
	raw    []byte
	seq    int64 // the client's sequence number, 0 when it wants no ack

	uploads *uploads // resolves Files, for session
	session string
}

// parseMessage parses a browser message. Errors wrap ErrBadMessage.
func parseMessage(b []byte) (Message, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if fields == nil {
		return Message{}, fmt.Errorf("%w: not an object", ErrBadMessage)
	}
	var action string
	if err := json.Unmarshal(fields["action"], &action); err != nil || action == "" {
		return Message{}, fmt.Errorf("%w: missing string \"action\"", ErrBadMessage)
	}
	if len(action) > maxActionLen {
		return Message{}, fmt.Errorf("%w: action name over %d bytes", ErrBadMessage, maxActionLen)
	}
	m := Message{Action: action, fields: fields, raw: b}
	if raw, ok := fields[fieldSeq]; ok {
		if err := json.Unmarshal(raw, &m.seq); err != nil || m.seq < 0 {
			return Message{}, fmt.Errorf("%w: %s must be a non-negative integer", ErrBadMessage, fieldSeq)
		}
	}
	return m, nil
}

// The transport's own fields of a message.
const (
	fieldSeq = "_seq"
	fieldURL = "_url"
)

// Has reports whether the message has the field key (null included).
func (m Message) Has(key string) bool {
	_, ok := m.fields[key]
	return ok
}

// String returns the field key as a string: a JSON string's value, or the
// JSON text of any other value ("3", "true", "[1,2]"); "" when absent or
// null. It is always valid UTF-8: invalid bytes become U+FFFD.
func (m Message) String(key string) string {
	raw, ok := m.fields[key]
	if !ok || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s // encoding/json has replaced invalid UTF-8 already
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// Int returns the field key as an integer, accepting a JSON number or a
// string holding one ("3"), as forms and data-* attributes send.
func (m Message) Int(key string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(m.String(key)))
	if err != nil {
		return 0, fmt.Errorf("%w: field %q: %v", ErrBadMessage, key, err)
	}
	return n, nil
}

// Float returns the field key as a float64, from a JSON number or a string
// holding one.
func (m Message) Float(key string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(m.String(key)), 64)
	if err != nil {
		return 0, fmt.Errorf("%w: field %q: %v", ErrBadMessage, key, err)
	}
	return f, nil
}

// Bool reports whether the field key is set and true: JSON true, or one of
// the strings "true", "on", "yes" and "1" (a checked checkbox sends "on").
func (m Message) Bool(key string) bool {
	switch strings.ToLower(strings.TrimSpace(m.String(key))) {
	case "true", "on", "yes", "1":
		return true
	}
	return false
}

// Strings returns the field key as a list: the elements of a JSON array
// (checkbox groups and multiple selects send one), one element for a
// single value, nil when absent or null.
func (m Message) Strings(key string) []string {
	raw, ok := m.fields[key]
	if !ok || string(raw) == "null" {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return []string{m.String(key)}
	}
	out := make([]string, 0, len(list))
	for _, el := range list {
		out = append(out, Message{fields: map[string]json.RawMessage{"v": el}}.String("v"))
	}
	return out
}

// readyMessage, an empty batch, is the first message of every connection
// whose session opened: the client treats the session as live from then on.
var readyMessage = []byte("[]")

// refMessage tells the client the tab reference its page holds from now
// on: after the handshake gave the tab another session (see serveSocket).
func refMessage(ref string) []byte {
	b, _ := json.Marshal(struct {
		Ref string `json:"ref"`
	}{ref})
	return b
}

// The error codes of an error reply.
const (
	errCodeBadMessage    = "bad_message"
	errCodeUnknownAction = "unknown_action"
	errCodeRateLimited   = "rate_limited"
	errCodeActionFailed  = "action_failed"
	errCodeConflict      = "conflict"
	errCodeInvalid       = "invalid"
	errCodeInternal      = "internal"
)

// encodeUpdates is the wire form of a batch of updates. HTML is not
// escaped to \u003c and friends: the JSON goes into a WebSocket frame, never
// into an HTML document, and the escapes would add ~14% to every update.
func encodeUpdates(updates []statetemplate.Update) ([]byte, error) {
	updates = validUTF8(updates)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(updates); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// validUTF8 returns updates with any invalid UTF-8 in their HTML (a stray
// byte in session data passes through html/template) replaced by U+FFFD and
// the hash recomputed: JSON would replace it anyway, and the client checks
// the hash against the HTML it receives. The common case is not copied.
func validUTF8(updates []statetemplate.Update) []statetemplate.Update {
	var out []statetemplate.Update
	for i, u := range updates {
		if utf8.ValidString(u.HTML) {
			continue
		}
		if out == nil {
			out = slices.Clone(updates)
		}
		out[i].HTML = strings.ToValidUTF8(u.HTML, "\uFFFD")
		if u.HTMLHash != "" {
			out[i].HTMLHash = fragments.HashHTML(out[i].HTML)
		}
	}
	if out == nil {
		return updates
	}
	return out
}
