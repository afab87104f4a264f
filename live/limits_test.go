package live_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/live"
)

func TestPageRateLimit_RefusesLoadsPastTheBurstPerAddress(t *testing.T) {
	ts := newTestServer(t, live.WithPageRateLimit(0.001, 3),
		live.WithClientAddr(func(r *http.Request) string { return r.Header.Get("X-Test-Addr") }))
	get := func(addr string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
		require.NoError(t, err)
		req.Header.Set("X-Test-Addr", addr)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := range 3 {
		assert.Equal(t, http.StatusOK, get("1.2.3.4").StatusCode, "load %d", i)
	}
	resp := get("1.2.3.4")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, get("5.6.7.8").StatusCode, "another address has its own budget")
	st, err := ts.r.Stats(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 4, st.Provisional, "a refused load creates no session")
}

func TestMaxConnectionsPerBrowser_RefusesTheHandshakePastIt(t *testing.T) {
	ts := newTestServer(t, live.WithMaxConnectionsPerBrowser(2))
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	b.mustDial(ts.URL, ref)
	b.mustDial(ts.URL, ref)
	_, resp, err := b.dial(ts.URL, ref, nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)

	other := newBrowser(t)
	ref2, _ := other.load(ts.URL)
	other.mustDial(ts.URL, ref2) // the limit is per browser
}

func TestReadTimeout_ClosesAConnectionWhoseMessageStalls(t *testing.T) {
	ts := newTestServer(t, live.WithReadTimeout(200*time.Millisecond))
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	conn, rd := rawHandshake(t, ts.URL, "/ws?v="+strconv.Itoa(live.ProtocolVersion)+"&ref="+url.QueryEscape(ref), b.cookieHeader(ts.URL))
	defer conn.Close()
	readFrame(t, rd) // the ready message

	// A masked text frame announcing 1,000 bytes, then 10 of them.
	frame := []byte{0x81, 0x80 | 126, 0x03, 0xe8, 1, 2, 3, 4}
	_, err := conn.Write(append(frame, make([]byte, 10)...))
	require.NoError(t, err)

	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = io.Copy(io.Discard, rd)
	require.NoError(t, err, "the server closed the connection well before the 10 s deadline")
	assert.Eventually(t, func() bool { return ts.app.Connections() == 0 }, 5*time.Second, 10*time.Millisecond)
}

// rawHandshake opens a WebSocket on a bare TCP connection, so that a test
// can write and read frames byte by byte. headers are extra header lines
// ("Sec-WebSocket-Extensions: permessage-deflate").
func rawHandshake(t testing.TB, base, path, cookie string, headers ...string) (net.Conn, *bufio.Reader) {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	key := make([]byte, 16)
	rand.Read(key)
	var extra strings.Builder
	for _, h := range headers {
		extra.WriteString(h + "\r\n")
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nCookie: %s\r\n%s\r\n",
		path, u.Host, base64.StdEncoding.EncodeToString(key), cookie, extra.String())
	rd := bufio.NewReader(conn)
	resp, err := http.ReadResponse(rd, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	return conn, rd
}

// readFrame reads one unmasked server frame of under 126 bytes.
func readFrame(t *testing.T, rd *bufio.Reader) string {
	t.Helper()
	var h [2]byte
	_, err := io.ReadFull(rd, h[:])
	require.NoError(t, err)
	require.Less(t, int(h[1]&0x7f), 126)
	body := make([]byte, h[1]&0x7f)
	_, err = io.ReadFull(rd, body)
	require.NoError(t, err)
	return strings.TrimSpace(string(body))
}
