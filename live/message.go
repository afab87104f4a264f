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
const actionResync = "_resync"

// Message is one action sent by the browser: its name and its fields.
type Message struct {
	// Action is the action's name.
	Action string
	fields map[string]json.RawMessage
	raw    []byte
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
	return Message{Action: action, fields: fields, raw: b}, nil
}

// Decode unmarshals the whole message, action included, into v.
func (m Message) Decode(v any) error {
	if err := json.Unmarshal(m.raw, v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	return nil
}

// String returns the field key as a string: a JSON string's value, or the
// JSON text of any other value ("3", "true"); "" when absent or null.
func (m Message) String(key string) string {
	raw, ok := m.fields[key]
	if !ok || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// Int returns the field key as an integer, accepting a JSON number or a
// string holding one ("3"), as data-* attributes send.
func (m Message) Int(key string) (int, error) {
	n, err := strconv.Atoi(m.String(key))
	if err != nil {
		return 0, fmt.Errorf("%w: field %q: %v", ErrBadMessage, key, err)
	}
	return n, nil
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

// errorMessage is what the server sends when it cannot act on a message.
type errorMessage struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Action  string `json:"action,omitempty"`
}

// The error codes of errorMessage.
const (
	errCodeBadMessage    = "bad_message"
	errCodeUnknownAction = "unknown_action"
	errCodeRateLimited   = "rate_limited"
	errCodeActionFailed  = "action_failed"
	errCodeConflict      = "conflict"
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
