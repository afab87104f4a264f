package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// target is the server under load.
type target interface {
	pageURL() string
	// stats returns the server's figures, or nil when they are unknown
	// (a server started elsewhere). gc collects garbage first; reset starts
	// the server-side latency recorders afresh.
	stats(ctx context.Context, gc, reset bool) (*serverStats, error)
	startProfile(ctx context.Context, pf profiles) error
	stopProfile(ctx context.Context) error
	close() error
}

// urlTarget is a server the tool did not start.
type urlTarget struct{ url string }

func (t urlTarget) pageURL() string { return t.url }
func (urlTarget) stats(context.Context, bool, bool) (*serverStats, error) {
	return nil, nil
}
func (urlTarget) startProfile(context.Context, profiles) error {
	return errors.New("-cpuprofile, -memprofile and -trace need a server the tool starts itself")
}
func (urlTarget) stopProfile(context.Context) error { return nil }
func (urlTarget) close() error                      { return nil }

// inprocTarget is a server in this process: its figures include the
// load generator's own memory and CPU.
type inprocTarget struct{ s *server }

func (t inprocTarget) pageURL() string { return t.s.URL() }
func (t inprocTarget) stats(_ context.Context, gc, reset bool) (*serverStats, error) {
	st := t.s.snapshot(gc, reset)
	return &st, nil
}
func (t inprocTarget) startProfile(_ context.Context, pf profiles) error {
	return t.s.startProfile(pf)
}
func (t inprocTarget) stopProfile(context.Context) error { t.s.stopProfile(); return nil }
func (t inprocTarget) close() error                      { return t.s.Close() }

// childTarget is a server in a child process (this program with -serve),
// so that its memory and CPU figures are its own. The child exits when its
// stdin closes, so it cannot outlive this process.
type childTarget struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
	hc    *http.Client
	done  chan error
}

func startChild(ctx context.Context, cfg *config, sc serverConfig, stderr io.Writer) (*childTarget, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, childArgs(sc)...)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := &childTarget{cmd: cmd, stdin: stdin, hc: &http.Client{Timeout: time.Minute}, done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
		t.done <- cmd.Wait()
	}()
	select {
	case line, ok := <-lines:
		if u, found := strings.CutPrefix(line, "LISTEN "); ok && found {
			t.url = u
			return t, nil
		}
		t.close()
		return nil, fmt.Errorf("server child for the %s store did not start (said %q)", sc.store, line)
	case <-time.After(time.Minute):
	case <-ctx.Done():
	}
	t.close()
	return nil, fmt.Errorf("server child for the %s store did not start in time", sc.store)
}

func (t *childTarget) pageURL() string { return t.url }

func (t *childTarget) stats(ctx context.Context, gc, reset bool) (*serverStats, error) {
	q := url.Values{}
	if gc {
		q.Set("gc", "1")
	}
	if reset {
		q.Set("reset", "1")
	}
	var st serverStats
	if err := t.call(ctx, http.MethodGet, "debug/loadstats?"+q.Encode(), &st); err != nil {
		return nil, err
	}
	return &st, nil
}

func (t *childTarget) startProfile(ctx context.Context, pf profiles) error {
	q := url.Values{}
	if pf.mem != "" {
		q.Set("memrate", strconv.Itoa(pf.rate))
	}
	for k, path := range map[string]string{"start": pf.cpu, "trace": pf.trace, "mem": pf.mem} {
		if path == "" {
			continue
		}
		abs, err := absPath(path)
		if err != nil {
			return err
		}
		q.Set(k, abs)
	}
	return t.call(ctx, http.MethodPost, "debug/loadprofile?"+q.Encode(), nil)
}

func (t *childTarget) stopProfile(ctx context.Context) error {
	return t.call(ctx, http.MethodPost, "debug/loadprofile?stop=1", nil)
}

func (t *childTarget) call(ctx context.Context, method, path string, out any) error {
	return callServer(ctx, t.hc, method, t.url, path, out)
}

// callServer calls one of the tool's endpoints on the server at base and
// decodes its JSON answer into out, unless out is nil.
func callServer(ctx context.Context, hc *http.Client, method, base, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// close asks the child to stop (by closing its stdin), giving it time to
// flush its store, and kills it if it does not.
func (t *childTarget) close() error {
	t.stdin.Close()
	select {
	case err := <-t.done:
		return err
	case <-time.After(time.Minute):
		_ = t.cmd.Process.Kill()
		<-t.done
		return errors.New("server child did not stop within a minute; killed")
	}
}

func absPath(p string) (string, error) {
	if p == "" || p[0] == '/' {
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return wd + "/" + p, nil
}

// childArgs is the command line of a server child (-serve) for sc.
func childArgs(sc serverConfig) []string {
	args := []string{"-serve", "-store", sc.store, "-mode", sc.mode, "-listen", "127.0.0.1:0",
		"-sessions", strconv.Itoa(sc.sessions), "-redis", sc.redisAddr, "-cache-bytes", strconv.FormatInt(sc.cacheBytes, 10)}
	args = append(args, "-template", sc.template, "-app", sc.app, "-redis-prefix", sc.redisPrefix, "-broker", sc.broker, "-push-workers", strconv.Itoa(sc.workers))
	if sc.dir != "" {
		args = append(args, "-dir", sc.dir)
	}
	if sc.nice != 0 {
		args = append(args, "-server-nice", strconv.Itoa(sc.nice))
	}
	return args
}
