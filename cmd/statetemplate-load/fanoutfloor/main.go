package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"time"
)

// config is the command's flags.
type config struct {
	conns      int
	rounds     int
	bytes      int
	gap        time.Duration
	workers    int
	readerNice int
	read       string // with -read: this process is the readers' child
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("fanoutfloor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.conns, "conns", 10000, "connections, one frame each per round")
	fs.IntVar(&c.rounds, "rounds", 10, "fan-outs to measure")
	fs.IntVar(&c.bytes, "bytes", 140, "bytes per frame (run B's ticker frames are ~140 B)")
	fs.DurationVar(&c.gap, "gap", 700*time.Millisecond, "pause between rounds")
	fs.IntVar(&c.workers, "workers", runtime.GOMAXPROCS(0), "writing goroutines (live's push pool: GOMAXPROCS)")
	fs.IntVar(&c.readerNice, "reader-nice", 0, "run the readers' process under nice -n N (Linux); 0: as this process")
	fs.StringVar(&c.read, "read", "", "internal: dial ADDR -conns times and read until closed")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.conns < 1 || c.rounds < 1 || c.bytes < 1 {
		return c, errors.New("fanoutfloor: -conns, -rounds and -bytes must be positive")
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if cfg.read != "" {
		err = readAll(ctx, cfg.read, cfg.conns, os.Stdout)
	} else {
		err = run(ctx, cfg, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run starts the readers' process, accepts its connections and measures
// cfg.rounds fan-outs, printing each and a summary to w.
func run(ctx context.Context, cfg config, w io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fanoutfloor: listening: %w", err)
	}
	defer ln.Close()
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("fanoutfloor: finding this program: %w", err)
	}
	args := []string{"-read", ln.Addr().String(), "-conns", strconv.Itoa(cfg.conns)}
	cmd := exec.CommandContext(ctx, self, args...)
	if cfg.readerNice != 0 {
		cmd = exec.CommandContext(ctx, "nice", append([]string{"-n", strconv.Itoa(cfg.readerNice), self}, args...)...)
	}
	cmd.Stderr = os.Stderr
	ready, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("fanoutfloor: the readers' output: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("fanoutfloor: starting the readers: %w", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	conns, err := acceptN(ln, cfg.conns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		return err
	}
	if _, err := bufio.NewReader(ready).ReadString('\n'); err != nil {
		return fmt.Errorf("fanoutfloor: waiting for the readers: %w", err)
	}
	fmt.Fprintf(w, "fanoutfloor: %d connections, %d-byte frames, %d writers, readers' nice %d, %d CPUs, %s %s/%s\n",
		cfg.conns, cfg.bytes, cfg.workers, cfg.readerNice, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	frame := make([]byte, cfg.bytes)
	var p50s, p99s, lasts []time.Duration
	for i := range cfg.rounds {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(cfg.gap):
			}
		}
		r, err := fanOut(conns, frame, cfg.workers)
		if err != nil {
			return err
		}
		p50s, p99s, lasts = append(p50s, r.quantile(0.5)), append(p99s, r.quantile(0.99)), append(lasts, r.quantile(1))
		fmt.Fprintf(w, "round %2d: written p50 %v  p99 %v  last %v\n", i+1, ms(r.quantile(0.5)), ms(r.quantile(0.99)), ms(r.quantile(1)))
	}
	fmt.Fprintf(w, "median of %d rounds: p50 %v  p99 %v  last %v\n", cfg.rounds, ms(median(p50s)), ms(median(p99s)), ms(median(lasts)))
	return nil
}

// acceptN accepts n connections from ln.
func acceptN(ln net.Listener, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	for len(conns) < n {
		c, err := ln.Accept()
		if err != nil {
			return conns, fmt.Errorf("fanoutfloor: accepting connection %d: %w", len(conns)+1, err)
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// readAll dials addr n times, prints "ready" to w, and reads every
// connection until it closes or ctx ends.
func readAll(ctx context.Context, addr string, n int, w io.Writer) error {
	var d net.Dialer
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	done := make(chan struct{}, n)
	for range n {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("fanoutfloor: dialing: %w", err)
		}
		conns = append(conns, c)
		go func() {
			defer func() { done <- struct{}{} }()
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	fmt.Fprintln(w, "ready")
	for range n {
		select {
		case <-done:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// ms rounds d to a tenth of a millisecond for printing.
func ms(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
