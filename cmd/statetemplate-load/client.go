package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate/live"
)

// sessionRef is what the client keeps of a session it created: what a
// browser tab would need to open its WebSocket.
type sessionRef struct {
	cookie string   // Cookie header value
	wsURL  string   // ws://…/ws?ref=…
	tasks  []string // task ids on the page, to tell a new one apart
}

// createResult is the outcome of creating sessions.
type createResult struct {
	refs      []sessionRef // the first keep sessions created
	created   int64
	errs      int64
	firstErr  error
	pageBytes int
}

// createSessions GETs the page n times with conc requests in flight, each
// GET creating a session, and keeps what is needed to connect to the first
// keep of them.
func createSessions(ctx context.Context, hc *http.Client, pageURL string, n, keep, conc int, rec *recorder, prog *progress) createResult {
	res := createResult{refs: make([]sessionRef, 0, keep)}
	var (
		mu     sync.Mutex
		next   atomic.Int64
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				start := time.Now()
				ref, size, err := getPage(ctx, hc, pageURL, i < int64(keep))
				lat := time.Since(start)
				mu.Lock()
				if err != nil {
					res.errs++
					if res.firstErr == nil {
						res.firstErr = err
					}
					mu.Unlock()
					prog.Err()
					// A server that fails every request is not load-tested by
					// hammering it further.
					if failed.Add(1) >= 100 && res.created == 0 {
						return
					}
					continue
				}
				rec.Record(lat)
				res.created++
				if res.pageBytes == 0 {
					res.pageBytes = size
				}
				if ref.wsURL != "" {
					res.refs = append(res.refs, ref)
				}
				mu.Unlock()
				prog.Step(1)
			}
		}()
	}
	wg.Wait()
	return res
}

// getPage fetches the page once, as a new browser would. Only with keep
// does it work out what a WebSocket to the session needs.
func getPage(ctx context.Context, hc *http.Client, pageURL string, keep bool) (sessionRef, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return sessionRef{}, 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return sessionRef{}, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return sessionRef{}, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return sessionRef{}, 0, fmt.Errorf("GET %s: %s: %.200s", pageURL, resp.Status, bytes.TrimSpace(body))
	}
	var cookies []string
	for _, c := range resp.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if len(cookies) == 0 {
		return sessionRef{}, 0, fmt.Errorf("GET %s: the server set no session cookie", pageURL)
	}
	if !keep {
		return sessionRef{}, len(body), nil
	}
	wsURL, err := socketURL(pageURL, body)
	if err != nil {
		return sessionRef{}, 0, err
	}
	return sessionRef{cookie: strings.Join(cookies, "; "), wsURL: wsURL, tasks: taskIDs(body, nil)}, len(body), nil
}

var (
	dataRefRe = regexp.MustCompile(`data-ref="([^"]*)"`)
	dataURLRe = regexp.MustCompile(`data-url="([^"]*)"`)
)

// socketURL derives a tab's WebSocket address from its page, as the
// browser client does: the script tag's data-url (default /ws) with the
// wire protocol's version and the tab's data-ref.
func socketURL(pageURL string, page []byte) (string, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return "", err
	}
	path := "/ws"
	if m := dataURLRe.FindSubmatch(page); m != nil {
		path = htmlUnescape(string(m[1]))
	}
	ws, err := u.Parse(path)
	if err != nil {
		return "", fmt.Errorf("page's data-url %q: %w", path, err)
	}
	switch ws.Scheme {
	case "https":
		ws.Scheme = "wss"
	default:
		ws.Scheme = "ws"
	}
	q := ws.Query()
	q.Set("v", strconv.Itoa(live.ProtocolVersion))
	if m := dataRefRe.FindSubmatch(page); m != nil {
		q.Set("ref", htmlUnescape(string(m[1])))
	}
	ws.RawQuery = q.Encode()
	return ws.String(), nil
}

var htmlAttrUnescaper = strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&quot;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">")

func htmlUnescape(s string) string { return htmlAttrUnescaper.Replace(s) }

// taskIDs returns the ids of task rows in b that are not in known, in
// order. It finds them in a page and in a batch of updates, whose html is
// the page's (id="task-7"). It runs on every add_task answer, so it scans
// with bytes.Index, not a regexp, which cost most of the load generator's
// CPU.
func taskIDs(b []byte, known []string) []string {
	var out []string
	for i := 0; ; {
		j := bytes.Index(b[i:], taskPrefix)
		if j < 0 {
			return out
		}
		j += i
		start := j + len(taskPrefix)
		end := start
		for end < len(b) && isIDByte(b[end]) {
			end++
		}
		i = max(end, start)
		if end == start || !idAttrBefore(b[:j]) {
			continue
		}
		id := string(b[start:end])
		if id == "list" || id == "check" || containsStr(known, id) || containsStr(out, id) {
			continue
		}
		out = append(out, id)
	}
}

var (
	taskPrefix = []byte("task-")
	idAttrs    = [][]byte{[]byte(`id="`), []byte(`id=&#34;`)}
)

func idAttrBefore(b []byte) bool {
	for _, a := range idAttrs {
		if bytes.HasSuffix(b, a) {
			return true
		}
	}
	return false
}

func isIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func containsStr(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// dialAll opens a WebSocket to each session with conc dials in flight.
// It returns the connections that opened, in no particular order.
func dialAll(ctx context.Context, refs []sessionRef, conc int, prog *progress) ([]*conn, int64, error) {
	var (
		mu       sync.Mutex
		conns    = make([]*conn, 0, len(refs))
		errs     int64
		firstErr error
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	for range min(conc, len(refs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(refs)) {
					return
				}
				c, err := dial(ctx, refs[i])
				mu.Lock()
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					prog.Err()
					continue
				}
				conns = append(conns, c)
				mu.Unlock()
				prog.Step(1)
			}
		}()
	}
	wg.Wait()
	if len(conns) == 0 && len(refs) > 0 {
		if firstErr == nil {
			firstErr = ctx.Err()
		}
		return nil, errs, fmt.Errorf("no WebSocket opened: %w", firstErr)
	}
	if errs > 0 {
		prog.Logf("%d of %d WebSocket dials failed; first: %v", errs, len(refs), firstErr)
	}
	return conns, errs, nil
}

// dialClient is shared by all dials; its transport is only used for the
// upgrade request, after which each connection is hijacked.
var dialClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: dialTCP}}

// tcpConnKey is the key of the context value a dial's TCP connection is
// put in (a *net.Conn), for the readers that take it over (tabReaders).
type tcpConnKey struct{}

// dialTCP dials as http.Transport does by default, and puts the
// connection where the dial's context asks.
func dialTCP(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if p, ok := ctx.Value(tcpConnKey{}).(*net.Conn); ok {
		cc := &countedConn{Conn: c}
		*p, c = cc, cc
	}
	return c, nil
}

func dial(ctx context.Context, ref sessionRef) (*conn, error) {
	var tcp net.Conn
	dctx, cancel := context.WithTimeout(context.WithValue(ctx, tcpConnKey{}, &tcp), 30*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(dctx, ref.wsURL, &websocket.DialOptions{
		HTTPClient:      dialClient,
		HTTPHeader:      http.Header{"Cookie": {ref.cookie}},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dialing %s: %s: %w", ref.wsURL, resp.Status, err)
		}
		return nil, fmt.Errorf("dialing %s: %w", ref.wsURL, err)
	}
	ws.SetReadLimit(16 << 20)
	// The server's first message says the session is open (package live's
	// "ready", with its protocol version); actions are only timed after it.
	typ, msg, err := ws.Read(dctx)
	if err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("waiting for the ready message on %s: %w", ref.wsURL, err)
	}
	if typ != websocket.MessageText || string(msg) != readyMessage {
		ws.CloseNow()
		return nil, fmt.Errorf("%s: first message %.100q, want the ready message %q", ref.wsURL, msg, readyMessage)
	}
	if !strings.HasPrefix(ref.wsURL, "ws:") {
		tcp = nil // TLS: the socket carries records, not frames (tabReaders)
	}
	return &conn{ws: ws, tcp: tcp, framed: frameLen(len(msg)), known: ref.tasks}, nil
}

// readyMessage is what a server sends first on a new connection.
var readyMessage = `{"v":` + strconv.Itoa(live.ProtocolVersion) + `}`
