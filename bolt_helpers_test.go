package statetemplate

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The restart and crash tests run a child process: this test binary again,
// told by boltChildEnv what to do. init runs before any test, so the child
// never runs the tests themselves.
const (
	boltChildEnv = "STATETEMPLATE_BOLT_CHILD" // "restart" or "crash"
	boltPathEnv  = "STATETEMPLATE_BOLT_PATH"
	boltKeyEnv   = "STATETEMPLATE_BOLT_KEY" // hex; empty: key kept in the file
	boltCountEnv = "STATETEMPLATE_BOLT_COUNT"
)

func init() {
	if mode := os.Getenv(boltChildEnv); mode == "load" {
		if err := runLoadChild(os.Getenv(boltPathEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "load child:", err)
			os.Exit(2)
		}
	} else if mode != "" {
		if err := runBoltChild(mode); err != nil {
			fmt.Fprintln(os.Stderr, "bolt child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
}

// boltPage is typed session data: nested structs, times and a method the
// template calls, so that a restart must restore the concrete type.
type boltPage struct {
	Title   string
	User    boltUser
	Items   []boltItem
	Counter int
	Updated time.Time
}

type boltUser struct {
	Name  string
	Since time.Time
}

type boltItem struct {
	ID    int
	Label string
}

// Total is called by the template: only a restored *boltPage has it.
func (p *boltPage) Total() int { return p.Counter * len(p.Items) }

const boltTemplate = `<html><body>
<h1 id="title">{{.Title}}</h1>
<div id="user">{{.User.Name}} since {{.User.Since.Format "2006-01-02 15:04:05.000000 MST -0700"}}</div>
<div id="counter">{{.Counter}} of {{.Total}}</div>
<ul id="items">{{range .Items}}<li id="item-{{.ID}}">{{.Label}}</li>{{end}}</ul>
<p id="updated">{{.Updated.Format "Mon Jan 2 15:04:05.000000000 2006"}}</p>
</body></html>`

var boltBase = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)

// boltData returns session i's data after step updates: a pure function,
// so parent and child agree on it.
func boltData(i, step int) *boltPage {
	p := &boltPage{
		Title:   fmt.Sprintf("Session %d", i),
		User:    boltUser{Name: fmt.Sprintf("user-%d", i), Since: boltBase.Add(time.Duration(i) * time.Minute).In(time.Local)},
		Counter: step,
		Updated: boltBase.Add(time.Duration(step) * time.Second),
	}
	for k := 0; k <= step; k++ {
		p.Items = append(p.Items, boltItem{ID: k, Label: fmt.Sprintf("item %d of %d", k, i)})
	}
	return p
}

func boltOptions(path, keyHex string) []Option {
	opts := []Option{WithBoltStore(path), WithDataTypes(&boltPage{})}
	if keyHex != "" {
		key, err := hex.DecodeString(keyHex)
		if err != nil {
			panic(err)
		}
		opts = append(opts, WithSecurity(key))
	}
	return opts
}

func newBoltRenderer(path, keyHex string) (*Renderer, error) {
	return New(template.Must(template.New("page").Parse(boltTemplate)), boltOptions(path, keyHex)...)
}

func pageHash(html string) string {
	s := sha256.Sum256([]byte(html))
	return hex.EncodeToString(s[:8])
}

// runBoltChild is the child process.
//
// restart: creates COUNT sessions, renders each page, updates each once,
// closes the renderer, then prints "i token pagehash" per session.
// crash: creates and updates sessions until killed, printing "i token"
// as soon as each CreateSession returns and "U i" once the session's
// update was flushed by Session.Close.
func runBoltChild(mode string) error {
	r, err := newBoltRenderer(os.Getenv(boltPathEnv), os.Getenv(boltKeyEnv))
	if err != nil {
		return err
	}
	ctx := context.Background()
	switch mode {
	case "actions":
		return runActionsChild(r)
	case "restart":
		n, _ := strconv.Atoi(os.Getenv(boltCountEnv))
		lines := make([]string, n)
		var wg sync.WaitGroup
		errc := make(chan error, n)
		sem := make(chan struct{}, 32)
		for i := range n {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				tok, err := r.CreateSession(ctx, boltData(i, 0))
				if err != nil {
					errc <- err
					return
				}
				if _, err := r.RenderPage(tok); err != nil {
					errc <- err
					return
				}
				s, err := r.GetSession(tok)
				if err != nil {
					errc <- err
					return
				}
				if _, err := s.RenderFragments(ctx, boltData(i, 1)); err != nil {
					errc <- err
					return
				}
				_ = s.Close()
				var buf strings.Builder
				if err := r.tmpl.Execute(&buf, boltData(i, 1)); err != nil {
					errc <- err
					return
				}
				lines[i] = fmt.Sprintf("%d %s %s", i, tok, pageHash(buf.String()))
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			return err
		}
		if err := r.Close(); err != nil {
			return err
		}
		w := bufio.NewWriter(os.Stdout)
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		return w.Flush()
	case "crash":
		var mu sync.Mutex
		next := 0
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					tok, err := r.CreateSession(ctx, boltData(i, 0))
					if err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(3)
					}
					mu.Lock()
					fmt.Fprintf(os.Stdout, "%d %s\n", i, tok) // unbuffered: one write per line
					mu.Unlock()
					if s, err := r.GetSession(tok); err == nil {
						_, uerr := s.RenderFragments(ctx, boltData(i, 1))
						if s.Close() == nil && uerr == nil { // Close flushed the update
							mu.Lock()
							fmt.Fprintf(os.Stdout, "U %d\n", i)
							mu.Unlock()
						}
					}
				}
			})
		}
		wg.Wait()
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// startBoltChild starts the child with env and returns its command and stdout.
func startBoltChild(t *testing.T, mode, path, keyHex string, extra ...string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), boltChildEnv+"="+mode, boltPathEnv+"="+path, boltKeyEnv+"="+keyHex)
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	return cmd, out
}

// childLines returns the lines a child writes to out, read on a goroutine
// of their own until out closes (the child exited or was killed), so that
// the test can time a kill while the child goes on writing.
func childLines(out io.Reader) <-chan string {
	lines := make(chan string, 1<<16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return lines
}
