package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/cli"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// The short versions of the campaigns, for CI: the same driver on small
// numbers, against the habeas command line run from this test binary (so
// that no build of the binary is needed), on both databases.

const childEnv = "HABEAS_CAMPAIGN_CHILD"

// TestMain runs the habeas command line when the test binary is started
// as the campaign's habeas: as a separate process, the server can be
// killed.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func habeasOn(t *testing.T, dsn string) *Habeas {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &Habeas{Path: self, Env: []string{childEnv + "=1"}, DSN: dsn, Dir: t.TempDir()}
}

// logWriter sends what the driver prints to the test's log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func serverErrors(t *testing.T, h *Habeas) {
	b, _ := os.ReadFile(h.Dir + "/serve.log")
	for line := range strings.Lines(string(b)) {
		if strings.Contains(line, "level=ERROR") {
			t.Log("server:", strings.TrimSpace(line))
		}
	}
}

// TestFaultShort: the server is killed (SIGKILL) twice while 8 writers
// write, and started again; every acknowledged write is in the register
// once, nothing else the writers sent is, and habeas verify is clean
// (bench/fault.sh is the full campaign).
func TestFaultShort(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			h := habeasOn(t, be.DSN(t))
			rounds, err := Fault(t.Context(), h, FaultOptions{Rounds: 2, Writers: 8, Accounts: 4, People: 150,
				KillMin: 500 * time.Millisecond, KillMax: 1500 * time.Millisecond, After: 500 * time.Millisecond, Seed: 1,
				Out: logWriter{t}})
			if err != nil {
				serverErrors(t, h)
				t.Fatal(err)
			}
			inFlight := 0
			for _, r := range rounds {
				inFlight += r.InFlight
				if !r.OK() {
					serverErrors(t, h)
					t.Errorf("round %d: %d refused, %d never answered, %d lost, %d extra events, verify: %s",
						r.N, r.Refused, r.Unanswered, r.Check.Lost, r.Check.Extra, r.Check.Verify)
					for _, s := range r.faults(nil) {
						t.Log(s)
					}
				}
				if r.Acked == 0 {
					t.Errorf("round %d: no write acknowledged", r.N)
				}
			}
			// Eight writers write without pause: a kill that met none of
			// their writes under way did not test what it is for.
			if inFlight == 0 {
				t.Error("no write was under way at either kill")
			}
			if last := rounds[len(rounds)-1].Check; last.Acked == 0 || !last.VerifyOK {
				t.Errorf("after the last round: %d acknowledged writes checked, verify: %s", last.Acked, last.Verify)
			}
		})
	}
}

// TestLoadShort: 10 writers and 10 readers for 5 s: no server error, every
// read answered 200, every acknowledged write stored once, verify clean
// (bench/load.sh is the full campaign).
func TestLoadShort(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			h := habeasOn(t, be.DSN(t))
			// 10 s: a dashboard rebuilt under 10 writers takes about 3 s on
			// an idle machine (issue 16 item 7, not yet mended) and more
			// under CI's other packages; 5 s left none answered.
			l, err := LoadRun(t.Context(), h, LoadOptions{Writers: 10, Readers: 10, Accounts: 4, Duration: 10 * time.Second, People: 150, Seed: 1})
			if err != nil {
				serverErrors(t, h)
				t.Fatal(err)
			}
			if !printLoad(logWriter{t}, l) {
				serverErrors(t, h)
				got5xx, noAnswer, refused, other := l.Failures()
				t.Errorf("%d 5xx, %d requests without answer, %d writes refused, %d reads not 200; %d lost, %d extra events; verify: %s",
					got5xx, noAnswer, refused, other, l.Check.Lost, l.Check.Extra, l.Check.Verify)
			}
			if l.Check.Acked == 0 {
				t.Error("no write acknowledged")
			}
			for _, k := range readKinds {
				if len(l.Reads[k].Lat) == 0 {
					t.Errorf("no %s read answered", k)
				}
			}
		})
	}
}
