// Command campaign puts a running habeas server through the fault and load
// campaigns of issue 14 (bench/fault.sh, bench/load.sh), on a register of
// its own that it makes with the habeas binary it is given:
//
//   - fault: writers POST events through the API, each write with its own
//     Idempotency-Key; the server is killed (SIGKILL) at a random moment and
//     started again; every write that got no answer is sent again with its
//     key and body. After each round, every acknowledged write must be in
//     the register as answered, no event may be there twice or without an
//     acknowledged write, and habeas verify (hash chain, projections, audit
//     chain, every event's audit entry) must be clean.
//   - load: writers and readers (person files, register search and
//     screening queue, as pages and through the API, and the public
//     dashboard) for a duration; no server error, every acknowledged write
//     stored, verify clean; it prints the writes per second and the
//     latency percentiles.
//
// It exits 1 when a check fails.
//
//	campaign -habeas PATH -backend sqlite|postgres [-pg URL] fault|load [flags]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("campaign", flag.ContinueOnError)
	bin := fs.String("habeas", "", "the habeas binary (required)")
	backend := fs.String("backend", "sqlite", "sqlite, or postgres")
	pg := fs.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"a PostgreSQL server (any database on it) on which a database of the campaign's own is created and dropped")
	work := fs.String("work", "", "folder for the SQLite register and the server's log (default: a new temporary one, removed after)")
	rounds := fs.Int("rounds", 10, "fault: rounds")
	writers := fs.Int("writers", -1, "concurrent writers (default 30 for fault, 50 for load; 0: none)")
	accounts := fs.Int("accounts", 0, "registrar accounts the writers share (default: one each)")
	readers := fs.Int("readers", 50, "load: concurrent readers")
	dur := fs.Duration("duration", 60*time.Second, "load: how long")
	people := fs.Int("people", 0, "the demo register's people held on 2020-03-31 (default 300 for fault, 1000 for load)")
	from := fs.String("from", "", "load: copy this SQLite register (made by habeas demo) instead of building a demo register")
	killMin := fs.Duration("kill-min", time.Second, "fault: the earliest kill after the writers start")
	killMax := fs.Duration("kill-max", 4*time.Second, "fault: the latest kill")
	after := fs.Duration("after", time.Second, "fault: how long the writers go on after the restart")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed of the writes and the kill moments")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: campaign -habeas PATH [-backend sqlite|postgres] [flags] fault|load")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *bin == "" || fs.NArg() != 1 || (fs.Arg(0) != "fault" && fs.Arg(0) != "load") || (*backend != "sqlite" && *backend != "postgres") {
		fs.Usage()
		return 2
	}
	mode := fs.Arg(0)
	if *writers < 0 {
		*writers = map[string]int{"fault": 30, "load": 50}[mode]
	}
	if *people == 0 {
		*people = map[string]int{"fault": 300, "load": 1000}[mode]
	}
	dir := *work
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "habeas-campaign-"); err != nil {
			fmt.Fprintln(os.Stderr, "campaign:", err)
			return 1
		}
		defer os.RemoveAll(dir)
	}
	h := &Habeas{Path: *bin, Dir: dir, DSN: NewSQLite(dir)}
	if *backend == "postgres" {
		dsn, drop, err := NewPostgres(ctx, *pg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "campaign:", err)
			return 1
		}
		defer func() {
			if err := drop(); err != nil {
				fmt.Fprintln(os.Stderr, "campaign:", err)
			}
		}()
		h.DSN = dsn
	}
	fmt.Printf("seed %d, %d cores, %s\n", *seed, runtime.NumCPU(), *backend)
	var ok bool
	var err error
	switch mode {
	case "fault":
		fmt.Printf("fault: %d rounds, %d writers, demo register of %d people, kill %s-%s after the start, %s of writes after the restart\n",
			*rounds, *writers, *people, *killMin, *killMax, *after)
		var rs []*Round
		rs, err = Fault(ctx, h, FaultOptions{Rounds: *rounds, Writers: *writers, Accounts: *accounts, People: *people, KillMin: *killMin,
			KillMax: *killMax, After: *after, Seed: *seed, Out: os.Stdout})
		ok = printFaultTotals(os.Stdout, rs)
	case "load":
		if *from != "" {
			fmt.Printf("load: %d writers, %d readers, %s, a copy of the register %s\n", *writers, *readers, *dur, *from)
		} else {
			fmt.Printf("load: %d writers, %d readers, %s, demo register of %d people\n", *writers, *readers, *dur, *people)
		}
		var l *Load
		l, err = LoadRun(ctx, h, LoadOptions{Writers: *writers, Accounts: *accounts, Readers: *readers, Duration: *dur, People: *people,
			From: *from, Seed: *seed})
		ok = l != nil && l.Check != nil && printLoad(os.Stdout, l)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "campaign:", err)
		return 1
	}
	if !ok {
		// What the server logged as going wrong, before the folder goes.
		if b, err := os.ReadFile(filepath.Join(dir, "serve.log")); err == nil {
			n := 0
			for line := range strings.Lines(string(b)) {
				if strings.Contains(line, "level=ERROR") && n < 20 {
					n++
					fmt.Print("  server: ", line)
				}
			}
		}
		fmt.Println("FAIL")
		return 1
	}
	fmt.Println("PASS")
	return 0
}

// printFaultTotals prints the sums of the rounds and the register's state
// after the last, and reports whether every round passed.
func printFaultTotals(w io.Writer, rs []*Round) bool {
	if len(rs) == 0 {
		return false
	}
	var t Round
	ok := true
	for _, r := range rs {
		t.Acked += r.Acked
		t.InFlight += r.InFlight
		t.Committed += r.Committed
		t.Retried += r.Retried
		t.Refused += r.Refused
		t.Unanswered += r.Unanswered
		ok = ok && r.OK()
	}
	last := rs[len(rs)-1].Check
	verified := 0
	for _, r := range rs {
		if r.Check.VerifyOK {
			verified++
		}
	}
	fmt.Fprintf(w, "%5s %8s %8s %6d %9d %9d %7d %7d %10d %5d %6d %6s\n", "total", "", "", t.Acked, t.InFlight, t.Committed,
		t.Retried, t.Refused, t.Unanswered, last.Lost, last.Extra, fmt.Sprintf("%d/%d", verified, len(rs)))
	fmt.Fprintf(w, "after the last round: %d acknowledged writes (%d events) checked in the register, %d lost, %d extra events; verify: %s\n",
		last.Acked, last.Events, last.Lost, last.Extra, strings.ReplaceAll(last.Verify, "\n", "; "))
	return ok
}

func pct(l []time.Duration, p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[min(len(l)-1, int(float64(len(l))*p))].Round(100 * time.Microsecond)
}

// printLoad prints the figures of a load campaign and reports whether it
// passed.
func printLoad(w io.Writer, l *Load) bool {
	secs := l.Duration.Seconds()
	acked, events := 0, 0
	var w5xx, wNoAnswer, wRefused int
	for _, op := range l.Writes {
		if op.Acked() {
			acked++
			events += len(op.Seqs)
		} else {
			wRefused++
		}
		w5xx += op.Got5xx
		wNoAnswer += op.NoAnswer
	}
	wl := l.WriteLat()
	fmt.Fprintf(w, "%-12s %9s %9s %9s %9s %9s %6s %6s %9s\n", "", "requests", "per s", "p50", "p99", "max", "5xx", "other", "no answer")
	fmt.Fprintf(w, "%-12s %9d %9.1f %9s %9s %9s %6d %6d %9d\n", "writes", acked, float64(acked)/secs, pct(wl, .5), pct(wl, .99), pct(wl, 1),
		w5xx, wRefused, wNoAnswer)
	// The writes of a single event (the others admit a new person: the
	// person and the admission in one request), the figure of a clerk's one
	// entry.
	var one []time.Duration
	for _, op := range l.Writes {
		if op.Acked() && len(op.Kinds) == 1 {
			one = append(one, op.Latency)
		}
	}
	slices.Sort(one)
	fmt.Fprintf(w, "%-12s %9d %9.1f %9s %9s %9s\n", "  one event", len(one), float64(len(one))/secs, pct(one, .5), pct(one, .99), pct(one, 1))
	var r5xx, rOther, rNoAnswer int
	for _, k := range readKinds {
		r := l.Reads[k]
		fmt.Fprintf(w, "%-12s %9d %9.1f %9s %9s %9s %6d %6d %9d\n", k, len(r.Lat), float64(len(r.Lat))/secs, pct(r.Lat, .5), pct(r.Lat, .99),
			pct(r.Lat, 1), r.Got5xx, r.Other, r.NoAnswer)
		r5xx += r.Got5xx
		rOther += r.Other
		rNoAnswer += r.NoAnswer
	}
	rl := l.ReadLat()
	fmt.Fprintf(w, "%-12s %9d %9.1f %9s %9s %9s %6d %6d %9d\n", "all reads", len(rl), float64(len(rl))/secs, pct(rl, .5), pct(rl, .99), pct(rl, 1),
		r5xx, rOther, rNoAnswer)
	fmt.Fprintf(w, "setup %.1f s; in %.1f s: %d writes acknowledged (%d events, %.1f events/s); in the register: %d lost, %d extra events; verify: %s\n",
		l.Setup.Seconds(), secs, acked, events, float64(events)/secs, l.Check.Lost, l.Check.Extra, strings.ReplaceAll(l.Check.Verify, "\n", "; "))
	shown := 0
	for _, op := range l.Writes {
		if (!op.Acked() || op.Got5xx > 0) && shown < 10 {
			shown++
			fmt.Fprintf(w, "  write %s (%v of %s): status %d after %d 5xx, %d without answer: %s\n", op.Key, op.Kinds, op.Person, op.Status,
				op.Got5xx, op.NoAnswer, tail(op.Answer, 300))
		}
	}
	for _, k := range readKinds {
		if s := l.Reads[k].Sample; s != "" {
			fmt.Fprintf(w, "  %s: %s\n", k, s)
		}
	}
	for _, s := range l.Check.Samples {
		fmt.Fprintln(w, "  ", s)
	}
	return l.OK()
}
