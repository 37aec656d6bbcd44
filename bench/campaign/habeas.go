package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Habeas runs the habeas command line on one register: the real binary
// (bench/fault.sh, bench/load.sh), or the test binary standing in for it
// (the short versions), which is why it carries an environment of its own.
type Habeas struct {
	Path string   // the executable
	Env  []string // added to the environment
	DSN  string   // the register
	Dir  string   // a folder for the server's log
}

func (h *Habeas) command(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, h.Path, append([]string{"--db", h.DSN, "--user", "campaign"}, args...)...)
	c.Env = append(os.Environ(), h.Env...)
	return c
}

// Run runs a command to its end and returns its standard output and error.
func (h *Habeas) Run(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	c := h.command(ctx, args...)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Run(); err != nil {
		return out.String(), errOut.String(), fmt.Errorf("habeas %s: %w: %s", strings.Join(args, " "), err, tail(errOut.String(), 2000))
	}
	return out.String(), errOut.String(), nil
}

var exportedRe = regexp.MustCompile(`exported (\d+) events`)

// Head is the number of events in the register (the sequence number of
// its head), as an export of the whole ledger counts them.
func (h *Habeas) Head(ctx context.Context) (int64, error) {
	c := h.command(ctx, "export", "events")
	c.Stdout = io.Discard
	var errOut bytes.Buffer
	c.Stderr = &errOut
	if err := c.Run(); err != nil {
		return 0, fmt.Errorf("habeas export events: %w: %s", err, tail(errOut.String(), 2000))
	}
	m := exportedRe.FindStringSubmatch(errOut.String())
	if m == nil {
		return 0, fmt.Errorf("habeas export events said %q, not how many events it exported", errOut.String())
	}
	return strconv.ParseInt(m[1], 10, 64)
}

// Server is a running `habeas serve`.
type Server struct {
	h    *Habeas
	Addr string
	URL  string
	cmd  *exec.Cmd
	done chan error
	log  *os.File
}

// freeAddr is a loopback address with a port no one listens on now. The
// server keeps it across restarts, as a real one would.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// Serve starts `habeas serve` on addr and waits until it answers.
func (h *Habeas) Serve(ctx context.Context, addr string) (*Server, time.Duration, error) {
	log, err := os.OpenFile(filepath.Join(h.Dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, 0, err
	}
	t0 := time.Now()
	// Not CommandContext: the server is ended by Kill or Stop, and a
	// cancelled campaign ends it through Stop in its deferred clean-up.
	args := []string{"--db", h.DSN, "--user", "campaign"}
	// CAMPAIGN_CPUPROFILE: a CPU profile of the server, written when it
	// stops (to find where a write's time goes under load).
	if p := os.Getenv("CAMPAIGN_CPUPROFILE"); p != "" {
		args = append(args, "--cpuprofile", p)
	}
	c := exec.Command(h.Path, append(args, "serve", "--insecure-cookies", "--addr", addr)...)
	c.Env = append(os.Environ(), h.Env...)
	c.Stdout, c.Stderr = log, log
	if err := c.Start(); err != nil {
		log.Close()
		return nil, 0, fmt.Errorf("starting habeas serve: %w", err)
	}
	s := &Server{h: h, Addr: addr, URL: "http://" + addr, cmd: c, done: make(chan error, 1), log: log}
	go func() { s.done <- c.Wait() }()
	cl := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := cl.Get(s.URL + "/api/v1/openapi.json")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, time.Since(t0), nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			s.log.Close()
			return nil, 0, fmt.Errorf("habeas serve ended before it answered (%v): %s", err, s.logTail())
		case <-ctx.Done():
			s.Stop()
			return nil, 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			return nil, 0, fmt.Errorf("habeas serve did not answer within 90 s: %s", s.logTail())
		}
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log.Name())
	return tail(string(b), 2000)
}

// Kill ends the server as a crash or a power cut would: SIGKILL, nothing
// flushed, no connection closed properly.
func (s *Server) Kill() error {
	defer s.log.Close()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing habeas serve: %w", err)
	}
	<-s.done
	return nil
}

// Stop asks the server to shut down (SIGTERM) and kills it after 15 s.
func (s *Server) Stop() error {
	defer s.log.Close()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping habeas serve: %w", err)
	}
	select {
	case err := <-s.done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			return err
		}
		if ee != nil && !ee.Exited() {
			return nil // ended by the signal before its handler ran
		}
		if ee != nil {
			return fmt.Errorf("habeas serve exited with %d on SIGTERM: %s", ee.ExitCode(), s.logTail())
		}
		return nil
	case <-time.After(45 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("habeas serve did not stop within 45 s of SIGTERM (it gives requests in flight 30 s)")
	}
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
