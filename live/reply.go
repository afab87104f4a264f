package live

import (
	"context"
	"encoding/json"
	"log/slog"
)

// reply is everything the server tells one connection about one action
// besides the page's updates, in one JSON object: its acknowledgment (ack:
// the action's _seq) or its error, and what the handler asked for through
// its context — flash notices, events for page script, a live navigation,
// a redirect. Pushes (UpdateAll) carry replies too, sent to every
// connection of the session, without ack.
type reply struct {
	Ack      int64       `json:"ack,omitempty"`
	Error    string      `json:"error,omitempty"`
	Message  string      `json:"message,omitempty"`
	Action   string      `json:"action,omitempty"`
	Fields   FieldErrors `json:"fields,omitempty"`
	Flash    []notice    `json:"flash,omitempty"`
	Events   []event     `json:"events,omitempty"`
	Nav      string      `json:"nav,omitempty"`
	Redirect string      `json:"redirect,omitempty"`

	session string
	logger  *slog.Logger
}

type notice struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

type event struct {
	Name   string          `json:"name"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// fail makes r an error reply.
func (r *reply) fail(code, text, action string) {
	r.Error, r.Message, r.Action = code, text, action
}

// empty reports whether r has nothing to tell.
func (r *reply) empty() bool {
	return r.Ack == 0 && r.Error == "" && len(r.Flash) == 0 && len(r.Events) == 0 && r.Nav == "" && r.Redirect == ""
}

// encode returns r's wire form, or nil when it is empty.
func (r *reply) encode() []byte {
	if r.empty() {
		return nil
	}
	b, err := json.Marshal(r)
	if err != nil { // every part marshalled already; this cannot fail
		slog.Warn("live: encoding a reply", "err", err)
		return nil
	}
	return b
}

func (r *reply) log() *slog.Logger {
	if r.logger == nil {
		return slog.Default()
	}
	return r.logger
}

// withoutAck returns a copy of r for the session's other connections.
func (r *reply) withoutAck() *reply {
	c := *r
	c.Ack = 0
	return &c
}

type replyKey struct{}

func withReply(ctx context.Context, r *reply) context.Context {
	return context.WithValue(ctx, replyKey{}, r)
}

func replyOf(ctx context.Context) *reply {
	r, _ := ctx.Value(replyKey{}).(*reply)
	return r
}

// Flash shows text to the tab the action came from (for a push, to every
// tab of the session), for a moment, as a notice of the given kind
// ("info", "success", "error"... — any word your CSS knows). The client
// puts it in the page's element marked data-st-flash, with data-kind set
// to kind, and fires the statetemplate:flash event on document. Flash
// works in handlers and push callbacks only: elsewhere it does nothing.
func Flash(ctx context.Context, kind, text string) {
	if r := replyOf(ctx); r != nil {
		r.Flash = append(r.Flash, notice{Kind: kind, Text: text})
	}
}

// PushEvent sends page script an event that is not HTML: the client fires
// "st:"+name on document with detail decoded from its JSON, and calls the
// handlers registered with statetemplate.on(name, fn) and hooks'
// handleEvent. detail must marshal to JSON; when it does not, the event is
// dropped and the failure logged. Outside a handler or a push callback it
// does nothing.
func PushEvent(ctx context.Context, name string, detail any) {
	r := replyOf(ctx)
	if r == nil {
		return
	}
	b, err := json.Marshal(detail)
	if err != nil {
		r.log().Warn("live: PushEvent: detail does not marshal to JSON", "event", name, "err", err)
		return
	}
	r.Events = append(r.Events, event{Name: name, Detail: b})
}

// Navigate moves the tab to url, a page of this App, without a page load:
// once the handler returns, the page's params function runs on the
// session's data, the session switches to the page's template, only what
// differs is sent, and the browser's address changes (history.pushState).
// A url that is not a page of the App becomes a Redirect.
func Navigate(ctx context.Context, url string) {
	if r := replyOf(ctx); r != nil {
		r.Nav = url
	}
}

// Redirect makes the browser load url as a new page, once the handler
// returns.
func Redirect(ctx context.Context, url string) {
	if r := replyOf(ctx); r != nil {
		r.Redirect = url
	}
}

// SessionID returns the ID of the session a handler or push callback runs
// for, for logs and for targeting pushes (App.PushTo); "" elsewhere. It is
// not a credential.
func SessionID(ctx context.Context) string {
	if r := replyOf(ctx); r != nil {
		return r.session
	}
	return ""
}
