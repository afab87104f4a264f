// Package live is the delivery loop statetemplate's design leaves to apps:
// it serves the pages, the browser client and a WebSocket endpoint, and
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
// The guides in the repository's docs directory show the common tasks:
// forms, pushes, navigation, hooks, uploads and deployment.
//
// # Routes
//
// App serves its pages (App.Page; without any, the Renderer's template at
// "/", WithPagePath), the WebSocket at "/ws" (WithSocketPath), uploads at
// "/ws/upload", and the client at "/statetemplate.js" (WithScriptPath) with
// its plus extension at "/statetemplate-plus.js".
//
// # Sessions, tabs and reloads
//
// Each browser tab has its own session. A page load creates a provisional
// session, held in memory only: it is stored when the page's WebSocket
// connects, so a page load that never connects writes nothing (see
// statetemplate.Provisional). A reload continues the tab's session: as its
// page goes away the client leaves the page's tab reference in a cookie
// for ten seconds ("st_browser_resume": ref, a nonce kept in the tab's
// sessionStorage, and the page's URL); a load of that URL with that cookie
// renders the session as it was. Only the tab that left the nonce keeps
// the session: a new tab that picks the cookie up asks for a session of
// its own. A reload that missed the cookie (the server was down for more
// than ten seconds, say) finds its session through the previous page's
// reference in sessionStorage; a tab the browser duplicated, which copies
// sessionStorage, starts a session of its own from a copy of the
// original's data. Two tabs never share a session.
//
// A session outlives its last connection by a lease (WithOrphanTimeouts):
// 5 minutes when the browser said it left the page, an hour when the
// connection dropped without a word. While connected it never ends by
// lease.
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
// The handshake: GET /ws?v=5&ref=REF&url=URL, with the browser cookie and
// an Origin of this host (or WithOrigins). v is the client's protocol
// version (ProtocolVersion; a client of version 2 is served in version 2,
// any other is closed with 4401 and reloads once). URL is the page's path
// and query; at most one of resumed=1, fresh=1 and prev=REF2 follows (the
// reload protocol above; a non-browser client sends none).
//
// Browser to server, one JSON object per text message:
//
//	{"action": "add_task", "title": "Write docs", "_seq": 7}   an app action, its fields, and a number for its reply
//	{"action": "_nav", "_url": "/boards/3", "_seq": 8}         live navigation to a page of the App
//	{"action": "_resync"}                                     re-render the whole page
//
// Action names and fields starting with "_" are reserved for the
// transport. The client asks for _resync after every reconnect and
// whenever an update cannot be applied (a missing element); the answer is
// a body replace (fragment_id "") with the session's full page. Until it
// comes, the client applies no other record: those the server sent in the
// meantime may splice a text or html the page never got.
//
// Server to browser, one text message each:
//
//	{"v":5}                                 ready: the session is open (always first), in the client's version
//	a batch of updates                      the wire form (EncodeBatch, and Decoder for version 5's references, splices and gets), applied in order; it may end with an action's ack
//	{"ref": "..."}                          the tab reference the page holds from now on
//	{"ack": 7, "flash": [...], "events": [...], "nav": "/boards/3", "redirect": "..."}
//	{"ack": 7, "error": "invalid", "message": "...", "action": "save", "fields": {"title": "Enter a title."}}
//
// A batch never starts with "{"; a reply always does. A batch is encoded
// for each connection: version 5 numbers the ids a connection's records
// carry and names them by number later, sends a text that a text record
// set before as a splice of it, and a replace of an element that a
// replace or attrs record gave html before as a splice of that html (with
// no html that may hold the element since), where either is shorter; on
// a compressed connection only where deflate would not take the record
// from the message before (see Decoder), and it may pad a message with
// empty data_changed records (before its ack), which keeps it compressed.
// A client applies every form anywhere. On a connection whose handshake
// names its page's URL (the browser client's does), version 5 also builds
// html from what the browser holds of the page it was served (kept from
// the page load until the connection, on the same server) and of html
// sent since: a get record (g) splices the outerHTML of an element the
// browser serializes as the server predicts (package internal/serialize)
// into the html of the record after it (an insert after or before that
// element, or its replace), with a checksum of the html it builds; and a
// text that came with the page is spliced with a checksum of the text it
// builds (a splice record's fourth field), since page script may have
// changed the text. A get or a splice whose checksum fails is a record
// that cannot be applied: the client asks for _resync, and the server
// builds no more html from bases on that connection. A Go client that names its URL gives its Decoder the page
// (Decoder.Page).
// An action's updates go to every connection of its session; its reply
// (the object with "ack") to the connection it came from, after the
// updates. A push's reply carries no ack and goes to every connection.
// Error codes: "bad_message" (not a JSON object with a string action),
// "unknown_action", "rate_limited" (the action was dropped),
// "action_failed" (the handler returned an error: a UserError's message,
// else a generic one), "invalid" (the handler returned FieldErrors),
// "conflict" (another server changed the session first; the page was
// resent), "internal" (rendering or storage failed). A failed action
// changes nothing: the session's data is rolled back.
//
// # Close codes
//
//	4401  session gone: expired, invalidated, unknown, or the reference does
//	      not open with this browser's cookie. The client reloads the page
//	      once, which starts a new session.
//	4409  replaced: a newer page of the same tab (a reload) took the session
//	      over. The client does not reconnect.
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
// in turn, one push each, so that a thousand tabs share the cores fairly,
// and let each session's frame leave before they render the next: a
// publish's frames go out as its sessions render, not after the last. A
// push runs under the session's lock, one at a time and in order with
// its actions, and a worker never waits for a session busy with an action:
// the session's pushes wait for the action instead, and other tabs go on.
// Every session decodes its own copy of the payload: a handler may keep
// it in its data. A handler registered with SharedPayload gets one value
// decoded once per publish and shared by every session, which it must not
// change (copy what it changes).
//
// A push's change to a session is stored lazily: the store may write it
// later than an action's (session.WithLazyWrite; the bolt store within
// bolt.WithLazyWindow, 1 s, instead of its 100 ms update window), so that
// a session pushed several times a second is written about once a
// second. A kill -9 loses at most that window of pushes' changes, and
// never an action's: an action's write takes the pushes before it along.
// Pushes are states the page gets again when it reconnects — from
// OnConnect, as it must for the publishes made while it was away.
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
// # Limits
//
// Every limit has a default and an option: page loads per client address
// (WithPageRateLimit, 20/s with bursts of 60; WithClientAddr behind a
// proxy), live connections per browser cookie
// (WithMaxConnectionsPerBrowser, 64), actions per connection
// (WithRateLimit, 20/s, bursts of 40), the size of a message
// (WithMaxMessageBytes, 16 KiB) and the time it may take to arrive once
// begun (WithReadTimeout, 10 s), uploads (WithUploadLimits), and the size
// of a session's data (statetemplate.WithMaxDataBytes, 1 MiB).
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
// Failures are logged at warning level (WithLogger, default
// slog.Default()); normal events at debug level.
package live
