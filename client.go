package statetemplate

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"net/http"
	"time"
)

// The browser client, built from the modules in client/src by
// client/build.sh.
var (
	//go:embed client/statetemplate.min.js
	clientJS []byte
	//go:embed client/statetemplate-plus.min.js
	clientPlusJS []byte
)

// ClientScript serves the browser client's core (under 8 KB minified).
// Package live mounts it and points its pages at it; mount it yourself when
// you write your own transport. Responses carry an ETag and may be cached
// for an hour, then revalidated.
var ClientScript http.Handler = script(clientJS)

// ClientPlusScript serves the client's plus extension — hooks, live
// navigation, live inputs, field errors, flash notices and uploads — which
// the core loads only for a page that uses them, from the path of
// ClientScript with "-plus" before ".js" ("/statetemplate-plus.js").
var ClientPlusScript http.Handler = script(clientPlusJS)

// script serves a file of the client with a strong validator derived from
// its bytes.
func script(js []byte) http.Handler {
	sum := sha256.Sum256(js)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=3600, must-revalidate")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		// ServeContent answers If-None-Match against the ETag with 304.
		http.ServeContent(w, r, "statetemplate.js", time.Time{}, bytes.NewReader(js))
	})
}
