package statetemplate_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

const maxClientBytes = 8 << 10

func TestClientScript_MinifiedSizeWithinBudget(t *testing.T) {
	min, err := os.ReadFile("client/statetemplate.min.js")
	require.NoError(t, err)
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(min)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	t.Logf("client: %d bytes minified, %d bytes gzip -9", len(min), gz.Len())
	assert.LessOrEqual(t, len(min), maxClientBytes, "minified client over 8 KB")
	ext, err := os.ReadFile("client/statetemplate-plus.min.js")
	require.NoError(t, err)
	t.Logf("plus extension: %d bytes minified", len(ext))
	assert.Less(t, len(ext), 4<<10, "the plus extension stays small")
	assert.Less(t, gz.Len(), len(min), "gzip size must be measurable and smaller")
}

// The build script stamps the sources' SHA-256 (client/src/*.js
// concatenated in name order) into the minified file, so a source edit
// without ./client/build.sh fails here without needing npm.
func TestClientScript_MinifiedBuildsMatchTheSources(t *testing.T) {
	files, err := filepath.Glob("client/src/*.js")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	sort.Strings(files)
	var src []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src = append(src, b...)
	}
	sum := sha256.Sum256(src)
	for _, built := range []string{"client/statetemplate.min.js", "client/statetemplate-plus.min.js"} {
		min, err := os.ReadFile(built)
		require.NoError(t, err)
		m := regexp.MustCompile(`^/\*statetemplate ([0-9a-f]{16})\*/\n`).FindSubmatch(min)
		require.NotNil(t, m, "%s lacks the source stamp; run client/build.sh", built)
		assert.Equal(t, hex.EncodeToString(sum[:8]), string(m[1]), "%s is stale; run client/build.sh", built)
	}
}

func TestClientScript_ServesWithETagAndCaching(t *testing.T) {
	min, err := os.ReadFile("client/statetemplate.min.js")
	require.NoError(t, err)

	rec := httptest.NewRecorder()
	statetemplate.ClientScript.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/statetemplate.js", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, min, rec.Body.Bytes())
	assert.Equal(t, "text/javascript; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Contains(t, rec.Header().Get("Cache-Control"), "max-age=")
	etag := rec.Header().Get("ETag")
	require.Regexp(t, `^"[A-Za-z0-9_-]+"$`, etag)

	tests := []struct {
		name     string
		method   string
		ifNone   string
		wantCode int
	}{
		{"matching ETag gives 304", http.MethodGet, etag, http.StatusNotModified},
		{"other ETag gives 200", http.MethodGet, `"other"`, http.StatusOK},
		{"HEAD is allowed", http.MethodHead, "", http.StatusOK},
		{"POST is refused", http.MethodPost, "", http.StatusMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/statetemplate.js", nil)
			if tc.ifNone != "" {
				req.Header.Set("If-None-Match", tc.ifNone)
			}
			rec := httptest.NewRecorder()
			statetemplate.ClientScript.ServeHTTP(rec, req)
			assert.Equal(t, tc.wantCode, rec.Code)
		})
	}
}
