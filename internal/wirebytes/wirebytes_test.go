package wirebytes

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// messages are what the test server sends: a small one (left
// uncompressed), a repetitive one, and one past 64 KiB (the 8-byte
// length form).
var messages = []string{
	"hi",
	strings.Repeat("<li class=\"item\">row</li>\n", 40),
	strings.Repeat("x", 70000),
}

func serve(t *testing.T, mode websocket.CompressionMode) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: mode})
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		for _, m := range messages {
			if ws.Write(ctx, websocket.MessageText, []byte(m)) != nil {
				return
			}
		}
		ws.Read(ctx) // until the client closes
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestRecorder_MeasuresEachMessageAsItCrossedTheNetwork(t *testing.T) {
	tests := []struct {
		name       string
		mode       websocket.CompressionMode
		compressed []bool
	}{
		{"compressed", websocket.CompressionContextTakeover, []bool{false, true, true}},
		{"uncompressed", websocket.CompressionDisabled, []bool{false, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, tc.mode)
			var rec Recorder
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ws, _, err := rec.Dial(ctx, url, &websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover})
			require.NoError(t, err)
			ws.SetReadLimit(1 << 20)
			for _, want := range messages {
				_, b, err := ws.Read(ctx)
				require.NoError(t, err)
				require.Equal(t, want, string(b))
			}
			ws.Close(websocket.StatusNormalClosure, "")

			got, err := rec.Data()
			require.NoError(t, err)
			require.Len(t, got, len(messages))
			for i, m := range got {
				assert.True(t, m.Text)
				assert.Equal(t, tc.compressed[i], m.Compressed, "message %d", i)
				if m.Compressed {
					assert.Less(t, m.Payload, len(messages[i])/10, "message %d", i)
				} else {
					assert.Equal(t, len(messages[i]), m.Payload, "message %d", i)
				}
			}
		})
	}
}

func TestRecorder_ATruncatedFrameIsReported(t *testing.T) {
	var r Recorder
	r.buf = []byte("HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x05hel")
	_, err := r.Messages()
	assert.ErrorIs(t, err, ErrTruncated)
	r.buf = append(r.buf, "lo\x88\x02\x03\xe8"...)
	got, err := r.Messages()
	require.NoError(t, err)
	assert.Equal(t, []Message{{Text: true, Payload: 5, Frames: 1}, {Control: true, Payload: 2, Frames: 1}}, got)
}
