// Package live is the delivery loop statetemplate's design leaves to apps:
// it serves the page, the browser client and a WebSocket endpoint, and
// dispatches the browser's actions to app handlers, pushing back the
// fragment updates each one causes.
//
//	app, err := live.New(renderer, newData)          // newData(*http.Request) (*Data, error)
//	app.Handle("increment", func(ctx context.Context, d *Data, m live.Message) error {
//		d.Count++
//		return nil
//	})
//	http.ListenAndServe(":8080", app)
//
// # Routes
//
// App serves the page at "/" (WithPagePath), the WebSocket at "/ws"
// (WithSocketPath) and the client at "/statetemplate.js" (WithScriptPath).
// Each page load creates a new session: every browser tab has its own.
//
// # Tabs and the cookie
//
// The page never contains a session token. The browser holds one HttpOnly
// cookie (default name "st_browser": 32 random bytes, Path=/, SameSite=Lax,
// Secure under TLS or when a proxy's X-Forwarded-Proto or Forwarded header
// says https; WithSecureCookie forces it) shared by its tabs. Each page carries a tab reference:
// the session token sealed with AES-256-GCM under a key derived (HKDF-SHA256)
// from that cookie. The WebSocket handshake sends the reference in its URL
// and the cookie with it; the server opens the reference with the cookie's
// key and resumes the session. The page's HTML alone — a leaked copy, a
// proxy cache, a screenshot of the source — is useless without the cookie,
// which script cannot read; a cookie alone names no session. The cookie is
// SameSite=Lax rather than Strict so that following a link from another
// site does not mint a new cookie and orphan the references of open tabs.
// Pages are sent with Cache-Control: no-store.
//
// # Wire format
//
// Browser to server, one JSON object per text message:
//
//	{"action": "add_task", "title": "Write docs"}   an app action and its fields
//	{"action": "_resync"}                          re-render the whole page
//
// Action names starting with "_" are reserved for the transport. The client
// asks for _resync after every reconnect and whenever an update cannot be
// applied (html_hash mismatch, missing element); the answer is a body
// replace (fragment_id "") with the session's full page.
//
// Server to browser, one JSON value per text message:
//
//	[]                                                              ready: the session is open (always first)
//	[{"fragment_id": ..., "action": ..., "html": ..., ...}, ...]   updates, applied in order
//	{"error": "unknown_action", "message": "...", "action": "frob"} an error; the connection stays up
//
// Error codes: "bad_message" (not a JSON object with a string action),
// "unknown_action", "rate_limited" (the action was dropped),
// "action_failed" (the handler returned an error), "internal" (rendering or
// storage failed).
//
// # Close codes
//
//	4401  session gone: expired, invalidated, unknown, or the reference does
//	      not open with this browser's cookie. The client reloads the page
//	      once, which starts a new session.
//	1001  going away: App.Close, typically a server shutdown. The client
//	      reconnects with backoff and resumes the session.
//	1009  message too big (WithMaxMessageBytes). The client reconnects.
//	1013  try again later: the client did not keep up and its send buffer
//	      overflowed. The client reconnects and resynchronizes.
//
// Any other close makes the client reconnect with exponential backoff
// (250 ms doubling to 5 s, with jitter).
//
// # Server push
//
// Pages subscribe to topics; a publish runs the topic's handler on the
// data of every subscribed session and pushes each one's updates:
//
//	live.HandleTopic(app, "quotes", func(ctx context.Context, d *Tab, q Quotes) error {
//		d.Quotes = q // the page's data, as an action changes it
//		return nil
//	})
//	app.OnConnect(func(ctx context.Context, d *Tab, r *http.Request) error {
//		live.Subscribe(ctx, "quotes") // at every connection; handlers may Subscribe too
//		return nil
//	})
//	app.Publish(ctx, "quotes", latest)              // every subscribed tab, on every server
//	app.PushTo(ctx, sessionID, "alert", alert)      // one session (live.SessionID in a handler)
//
// Publish encodes the payload (CBOR), hands it to the App's push workers
// and returns; it never waits for a session. The workers, GOMAXPROCS of
// them by default (WithPushWorkers), take the sessions with a push waiting
// in turn, one push each, so that a thousand tabs share the cores fairly;
// a push runs under the session's lock, one at a time and in order with
// its actions. Every session decodes its own copy of the payload: a
// handler may keep it in its data.
//
// A session that falls behind — its page reads slowly, or the workers are
// busy — does not queue pushes without bound. While its push of a topic
// waits, a newer one of the topic replaces it (payloads are states: the
// latest wins), and while one of its connections has half its send
// buffer queued, its topic pushes wait for the connection to drain. What
// a session applies is therefore always the publishes it was subscribed
// to, in publish order, some skipped, ending with the latest of each
// topic. Its backlog holds at most WithPushBacklog pushes (one per topic
// plus UpdateAll calls); past that its pages are closed with 1013, and
// they reconnect and reload the whole page.
//
// With WithBroker, publishes cross servers (live/redisbroker, over Redis
// Pub/Sub): at most once, in order per publishing App, the publishing
// server's tabs served directly; see the redisbroker documentation for
// what a tab sees after a Redis outage. PushStats counts pushes and
// WithPushObserver times each push frame from Publish to the socket.
//
// # Guarantees and costs
//
// The Origin header must match the request's host or a WithOrigins
// pattern. Each connection has a bounded send queue and a write timeout, so
// a slow browser never blocks another: it is disconnected instead. Actions
// on one session run one at a time, and their updates reach every
// connection of that session in order. A connection costs two goroutines;
// pushes cost the App its workers (started with the first push) and, with
// a broker, one sending goroutine and the broker's subscription.
package live
