package live_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/browsertest"
)

// counterTab opens base in a new browser tab, runs the inc action from
// the page and waits for its update.
func counterTab(t *testing.T, base string) *browsertest.Tab {
	tb := browsertest.Start(t).NewTab(t)
	tb.Navigate(base + "/")
	tb.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	tb.Exec(`statetemplate.send("inc")`)
	tb.WaitFor(`document.querySelector("#count").textContent === "Count: 1"`)
	return tb
}

func TestBrowser_NegotiatesCompressionWithContextTakeover(t *testing.T) {
	ts := newTestServer(t)
	tb := counterTab(t, ts.URL)
	hs := tb.Handshakes()
	require.Len(t, hs, 1)
	assert.Equal(t, "permessage-deflate", hs[0].Get("Sec-WebSocket-Extensions"))
}

// Safari offers no permessage-deflate: a proxy that drops Chromium's
// offer stands in for it.
func TestBrowser_ABrowserThatOffersNoCompressionIsServed(t *testing.T) {
	ts := newTestServer(t)
	target, err := url.Parse(ts.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Sec-WebSocket-Extensions")
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	tb := counterTab(t, front.URL)
	hs := tb.Handshakes()
	require.Len(t, hs, 1)
	assert.Empty(t, hs[0].Get("Sec-WebSocket-Extensions"), "no compression")
	tb.Exec(`statetemplate.send("note", {text: "x".repeat(500)})`)
	tb.WaitFor(`document.querySelector("#note").textContent.length === 500`)
}
