package statetemplate

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"net/http"
	"time"
)

// clientJS is the minified browser client, built from the modules in
// client/src by client/build.sh.
//
//go:embed client/statetemplate.min.js
var clientJS []byte

// clientETag is a strong validator derived from the script's bytes.
var clientETag = func() string {
	sum := sha256.Sum256(clientJS)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
}()

// ClientScript serves the browser client (about 4 KB minified). Package
// live mounts it and points its pages at it; mount it yourself when you
// write your own transport. Responses carry an ETag and may be cached for
// an hour, then revalidated.
var ClientScript http.Handler = http.HandlerFunc(serveClient)

func serveClient(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("ETag", clientETag)
	h.Set("Cache-Control", "public, max-age=3600, must-revalidate")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	// ServeContent answers If-None-Match against the ETag with 304.
	http.ServeContent(w, r, "statetemplate.js", time.Time{}, bytes.NewReader(clientJS))
}
