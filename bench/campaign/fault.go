package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// FaultOptions are the parameters of a fault campaign.
type FaultOptions struct {
	Rounds  int
	Writers int
	// Accounts the writers share (0: one each); keys are per account, and
	// each writer's are its own.
	Accounts int
	People   int // size of the demo register the campaign starts from
	// The server is killed at a moment drawn between KillMin and KillMax
	// after the writers start; after the restart they write for After
	// more before the round ends.
	KillMin, KillMax, After time.Duration
	Seed                    uint64
	Out                     io.Writer // the table, as the rounds go
}

// Round is what one round of the fault campaign saw.
type Round struct {
	N         int
	KillAfter time.Duration
	Restart   time.Duration // from the restart to the first answer
	Acked     int           // writes acknowledged in the round
	// InFlight: writes sent before the kill that got no answer from the
	// killed server; Committed: those of them the killed server had
	// committed (their retry was answered with the first write's events).
	InFlight, Committed int
	Retried             int // writes sent again after an attempt without an answer
	Refused             int // writes answered with an error (each write is valid: none should be)
	Unanswered          int // writes that never got an answer
	Check               *Check
}

// OK reports whether the round passed every check.
func (r *Round) OK() bool { return r.Refused == 0 && r.Unanswered == 0 && r.Check.OK() }

// Fault runs the kill -9 campaign on the register of h (empty), which it
// fills first: writers write, the server is killed at a random moment and
// restarted, every write without an answer is sent again with its key and
// body, and the register is checked after each round.
func Fault(ctx context.Context, h *Habeas, o FaultOptions) ([]*Round, error) {
	tag := fmt.Sprintf("F%04x", rand.N(1<<16))
	t0 := time.Now()
	accounts := writerAccounts(o.Writers, o.Accounts)
	if err := Setup(ctx, h, o.People, "", accounts); err != nil {
		return nil, fmt.Errorf("setting up the register: %w", err)
	}
	writers := make([]*Writer, o.Writers)
	for i := range writers {
		writers[i] = NewWriter(i, accounts[i%len(accounts)], tag, o.Seed)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	srv, _, err := h.Serve(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if srv != nil {
			srv.Stop()
		}
	}()
	fmt.Fprintf(o.Out, "setup: %.1f s\n", time.Since(t0).Seconds())
	rnd := rand.New(rand.NewPCG(o.Seed, 0))
	fmt.Fprintf(o.Out, "%5s %8s %8s %6s %9s %9s %7s %7s %10s %5s %6s %6s %s\n", "round", "kill at", "restart", "acked",
		"in flight", "committed", "retried", "refused", "unanswered", "lost", "dups", "verify", "")
	var rounds []*Round
	for n := 1; n <= o.Rounds; n++ {
		r := &Round{N: n, KillAfter: o.KillMin + time.Duration(rnd.Int64N(int64(o.KillMax-o.KillMin)+1))}
		srv, err = faultRound(ctx, h, srv, writers, r, o.After)
		if err != nil {
			return rounds, fmt.Errorf("round %d: %w", n, err)
		}
		rounds = append(rounds, r)
		verdict := "ok"
		if !r.OK() {
			verdict = "FAIL"
		}
		fmt.Fprintf(o.Out, "%5d %8s %8s %6d %9d %9d %7d %7d %10d %5d %6d %6s\n", n, r.KillAfter.Round(time.Millisecond),
			r.Restart.Round(time.Millisecond), r.Acked, r.InFlight, r.Committed, r.Retried, r.Refused, r.Unanswered,
			r.Check.Lost, r.Check.Extra, verdict)
		if !r.OK() {
			for _, s := range r.faults(writers) {
				fmt.Fprintln(o.Out, "      ", s)
			}
		}
	}
	return rounds, nil
}

// faultRound runs one round on the running server srv and returns the
// server running after it.
func faultRound(ctx context.Context, h *Habeas, srv *Server, writers []*Writer, r *Round, after time.Duration) (*Server, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: len(writers)}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	stop, stopWriting := context.WithCancel(ctx)
	defer stopWriting()
	// A write that has no answer five minutes on is given up and counted.
	hard, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	day := writeDay
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Go(func() { w.Run(stop, hard, cl, srv.URL, day, r.N, nil) })
	}
	select {
	case <-time.After(r.KillAfter):
	case <-ctx.Done():
		return srv, ctx.Err()
	}
	if err := srv.Kill(); err != nil {
		return nil, err
	}
	killed := time.Now()
	// What the killed server had committed: the register is opened (and
	// recovered) by an export before the server is started again.
	head, err := h.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the register after the kill: %w", err)
	}
	srv, r.Restart, err = h.Serve(ctx, srv.Addr)
	if err != nil {
		return nil, fmt.Errorf("restarting after the kill: %w", err)
	}
	select {
	case <-time.After(after):
	case <-ctx.Done():
	}
	stopWriting()
	wg.Wait()
	for _, w := range writers {
		for _, op := range w.ops() {
			if op.Round != r.N {
				continue
			}
			if op.NoAnswer > 0 || op.Got5xx > 0 {
				r.Retried++
			}
			if op.NoAnswer > 0 && op.Started.Before(killed) {
				r.InFlight++
				if op.Acked() && slices.Max(op.Seqs) <= head {
					r.Committed++
				}
			}
			switch {
			case op.Acked():
				r.Acked++
			case op.Status == 0:
				r.Unanswered++
			default:
				r.Refused++
			}
		}
	}
	if r.Check, err = CheckRegister(ctx, h, writers); err != nil {
		return srv, err
	}
	return srv, ctx.Err()
}

// faults are lines saying what went wrong in a round.
func (r *Round) faults(writers []*Writer) []string {
	var out []string
	for _, w := range writers {
		for _, op := range w.ops() {
			if op.Round == r.N && !op.Acked() && len(out) < 10 {
				out = append(out, fmt.Sprintf("write %s (%v of %s, %d attempts without answer): status %d %s",
					op.Key, op.Kinds, op.Person, op.NoAnswer, op.Status, tail(op.Answer, 300)))
			}
		}
	}
	out = append(out, r.Check.Samples...)
	if !r.Check.VerifyOK {
		out = append(out, "verify: "+r.Check.Verify)
	}
	return out
}
