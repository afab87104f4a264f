package redisbroker_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live"
	"github.com/livefir/statetemplate/live/redisbroker"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// The child server: this test binary, run with childEnv set to the Redis
// address, serves a live page whose tabs subscribe to "news" on the Redis
// store and a Redis broker, prints "LISTEN url", and runs until its stdin
// closes.
const (
	childEnv     = "STATETEMPLATE_REDISBROKER_CHILD"
	childChannel = "STATETEMPLATE_REDISBROKER_CHANNEL"
	childPrefix  = "STATETEMPLATE_REDISBROKER_PREFIX"
)

type board struct{ News string }

var boardPage = template.Must(template.New("board").Parse(`<!DOCTYPE html>
<html><head><title>board</title></head><body><p id="news">{{.News}}</p></body></html>`))

func runChild() int {
	if err := serveChild(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

func serveChild() error {
	client := redis.NewClient(&redis.Options{Addr: os.Getenv(childEnv)})
	defer client.Close()
	r, err := statetemplate.New(boardPage, statetemplate.WithRedisClient(client, statetemplate.RedisKeyPrefix(os.Getenv(childPrefix))))
	if err != nil {
		return err
	}
	defer r.Close()
	app, err := live.New(r, func(*http.Request) (*board, error) { return &board{}, nil },
		live.WithBroker(redisbroker.New(client, redisbroker.Config{Channel: os.Getenv(childChannel)})))
	if err != nil {
		return err
	}
	defer app.Close()
	live.HandleTopic(app, "news", func(_ context.Context, b *board, text string) error {
		b.News = text
		return nil
	})
	app.OnConnect(func(ctx context.Context, _ *board, _ *http.Request) error {
		live.Subscribe(ctx, "news")
		return nil
	})
	app.Handle("whoami", func(ctx context.Context, _ *board, _ live.Message) error {
		live.PushEvent(ctx, "id", live.SessionID(ctx))
		return nil
	})
	mux := http.NewServeMux()
	mux.Handle("/", app)
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		var err error
		if id := q.Get("to"); id != "" {
			err = app.PushTo(req.Context(), id, "news", q.Get("text"))
		} else {
			err = app.Publish(req.Context(), "news", q.Get("text"))
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	fmt.Printf("LISTEN http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

// startChild runs a child server and returns its URL; it stops when t ends.
func startChild(t *testing.T, redisAddr, channel, prefix string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+redisAddr, childChannel+"="+channel, childPrefix+"="+prefix)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "the child server exits cleanly")
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Error("the child server did not stop")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	u, ok := strings.CutPrefix(strings.TrimSpace(line), "LISTEN ")
	require.True(t, ok, "child said %q", line)
	return u
}

// tab is a browser tab connected to a server, and its session's ID.
type tab struct {
	*livetest.Tab
	id string
}

// openTab opens a tab on base and returns once its connect hook has run
// (whoami's answer comes after it), so that it is subscribed.
func openTab(t *testing.T, base string) tab {
	t.Helper()
	tb := livetest.Open(t, base, nil)
	tb.Send(t, `{"action":"whoami"}`)
	var events []struct{ Detail string }
	require.NoError(t, json.Unmarshal(tb.Next(t).Reply["events"], &events))
	require.Len(t, events, 1)
	return tab{tb, events[0].Detail}
}

func publish(t *testing.T, base, query string) {
	t.Helper()
	resp, err := http.Post(base+"/publish?"+query, "text/plain", nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
}

// nothingPending checks that no push reached tb: the answer to an action
// sent now is its next message.
func nothingPending(t *testing.T, tb tab) {
	t.Helper()
	tb.Send(t, `{"action":"whoami"}`)
	assert.NotNil(t, tb.Next(t).Reply, "a push arrived")
}

// TestTwoServers_PublishAndPushToCrossServersThroughRedis runs two server
// processes on one Redis (store and broker): a publish on A reaches the
// tabs of A and B once each, and a PushTo made on B reaches a session
// connected to A, and only it.
func TestTwoServers_PublishAndPushToCrossServersThroughRedis(t *testing.T) {
	c := redistest.Client(t)
	addr := c.Options().Addr
	ch, prefix := channel(), redistest.Prefix(t, c)
	a, b := startChild(t, addr, ch, prefix), startChild(t, addr, ch, prefix)
	onA, onB := openTab(t, a), openTab(t, b)

	publish(t, a, "text=from-a")
	for _, tb := range []tab{onA, onB} {
		assert.Contains(t, tb.NextUpdates(t).HTML(), "from-a")
	}
	nothingPending(t, onA) // once each, not twice on A
	nothingPending(t, onB)

	publish(t, b, "to="+onA.id+"&text=direct")
	assert.Contains(t, onA.NextUpdates(t).HTML(), "direct")
	nothingPending(t, onB)
}
