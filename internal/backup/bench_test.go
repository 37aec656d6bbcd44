package backup_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// BenchmarkBackupUnderWriters backs up a large SQLite register while 10
// writers record people through the ledger, each every 50 ms as clerks at
// ten desks would, and compares three ways of copying: 'habeas backup' (a
// separate process: the online backup API in one step, then gzip and tar),
// the sqlite3 shell's .backup, and the online backup API stepped 1024 pages
// at a time with a pause between steps (mattn's SQLiteConn.Backup). It prints, per way, the median time of three runs and the
// writers' latency percentiles while it ran, next to the writers' latency
// with no backup. It needs HABEAS_BENCH_DB (a register, copied first, e.g.
// one made by 'habeas demo') and HABEAS_BENCH_BIN (a habeas binary); see
// bench/backup.sh.
func BenchmarkBackupUnderWriters(b *testing.B) {
	srcDB, bin := os.Getenv("HABEAS_BENCH_DB"), os.Getenv("HABEAS_BENCH_BIN")
	if srcDB == "" || bin == "" {
		b.Skip("set HABEAS_BENCH_DB and HABEAS_BENCH_BIN (bench/backup.sh)")
	}
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Skip("no sqlite3 shell")
	}
	ctx := context.Background()
	dir := b.TempDir()
	path := filepath.Join(dir, "register.db")
	if err := copyFile(srcDB, path); err != nil {
		b.Fatal(err)
	}
	db, err := sqldb.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	led := ledger.New(db)
	facs, err := db.Facilities(ctx)
	if err != nil || len(facs) == 0 {
		b.Fatalf("the register has no facility: %v", err)
	}
	fac := facs[0].ID

	// The writers: each latency is filed under the phase it ended in; while
	// paused they write nothing.
	var mu sync.Mutex
	phase := "idle"
	paused := false
	lat := map[string][]time.Duration{}
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-wctx.Done():
					return
				case <-tick.C:
				}
				mu.Lock()
				p := paused
				mu.Unlock()
				if p {
					continue
				}
				id := fmt.Sprintf("BK%d-%06d", g, i)
				start := time.Now()
				_, err := led.Record(wctx, ledger.Actor{Name: "desk", Via: "bench"},
					&domain.Event{Kind: domain.KPerson, Date: domain.MustDate("2021-01-05"), Person: id, Data: &domain.PersonData{Name: "Bench " + id, Sex: "F", DOBBasis: domain.DOBUnknown}},
					&domain.Event{Kind: domain.KAdmission, Date: domain.MustDate("2021-01-05"), Person: id, Facility: fac, Data: &domain.AdmissionData{Status: domain.StatusPretrial}})
				d := time.Since(start)
				if err != nil {
					if wctx.Err() == nil {
						b.Errorf("a writer failed: %v", err)
					}
					return
				}
				mu.Lock()
				lat[phase] = append(lat[phase], d)
				mu.Unlock()
			}
		})
	}
	setPhase := func(p string, pause bool) { mu.Lock(); phase, paused = p, pause; mu.Unlock() }

	// A copy that has not finished after limit is stopped and reported so:
	// the sqlite3 shell's .backup and the stepped API start again whenever
	// another connection writes, and under these writers may never end.
	const limit = 3 * time.Minute
	type way struct {
		name string
		run  func(ctx context.Context, out string) error
	}
	habeas := way{"habeas backup (one-step copy, gzip, tar)", func(ctx context.Context, out string) error {
		return exec.CommandContext(ctx, bin, "--db", path, "backup", "--out", out).Run()
	}}
	shellBackup := way{"sqlite3 .backup", func(ctx context.Context, out string) error {
		return exec.CommandContext(ctx, shell, path, ".backup "+out).Run()
	}}
	stepped := way{"backup API, 1024-page steps", func(ctx context.Context, out string) error { return stepBackup(ctx, path, out) }}
	type result struct {
		name   string
		times  []time.Duration
		failed int
	}
	var results []*result
	measure := func(w way, runs int, writing bool) {
		name := w.name
		if !writing {
			name += ", no writers"
		}
		r := &result{name: name}
		results = append(results, r)
		for i := range runs {
			out := filepath.Join(dir, fmt.Sprintf("out-%d", i))
			setPhase(name, !writing)
			rctx, cancel := context.WithTimeout(ctx, limit)
			start := time.Now()
			err := w.run(rctx, out)
			d := time.Since(start)
			cancel()
			setPhase("idle", false)
			os.Remove(out)
			os.Remove(out + "-journal")
			if err != nil {
				if d >= limit {
					r.failed++
					b.Logf("%s: not finished after %s", name, limit)
					continue
				}
				b.Fatalf("%s: %v", name, err)
			}
			r.times = append(r.times, d)
			time.Sleep(3 * time.Second)
		}
	}

	time.Sleep(10 * time.Second)
	measure(habeas, 3, true)
	// HABEAS_BENCH_QUICK: habeas backup only (the others take minutes).
	if os.Getenv("HABEAS_BENCH_QUICK") == "" {
		measure(shellBackup, 1, true)
		measure(stepped, 1, true)
		measure(habeas, 1, false)
		measure(shellBackup, 1, false)
	}
	stop()
	wg.Wait()
	st, _ := os.Stat(path)
	b.Logf("register %s (%d MB), 10 writers each every 50 ms", srcDB, st.Size()>>20)
	b.Logf("%-50s %10s %8s %8s %8s %8s %5s", "", "time", "p50", "p99", "max", "writes", "runs")
	report := func(name string, ts []time.Duration, failed int) {
		l := lat[name]
		slices.Sort(l)
		slices.Sort(ts)
		med := "-"
		if len(ts) > 0 {
			med = ts[len(ts)/2].Round(10 * time.Millisecond).String()
		}
		if failed > 0 {
			med = fmt.Sprintf(">%s", limit)
		}
		b.Logf("%-50s %10s %8s %8s %8s %8d %5d", name, med, pct(l, 50), pct(l, 99), pct(l, 100), len(l), len(ts)+failed)
	}
	report("idle", nil, 0)
	for _, r := range results {
		report(r.name, r.times, r.failed)
	}
}

func pct(l []time.Duration, p int) string {
	if len(l) == 0 {
		return "-"
	}
	i := min(len(l)-1, len(l)*p/100)
	return l[i].Round(time.Millisecond).String()
}

// stepBackup copies path to out with SQLite's online backup API, 1024 pages
// a step, pausing 10 ms between steps so that writers get the lock.
func stepBackup(ctx context.Context, path, out string) error {
	src, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := sql.Open("sqlite3", out)
	if err != nil {
		return err
	}
	defer dst.Close()
	sc, err := src.Conn(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	dc, err := dst.Conn(ctx)
	if err != nil {
		return err
	}
	defer dc.Close()
	return dc.Raw(func(d any) error {
		return sc.Raw(func(s any) error {
			bk, err := d.(*sqlite3.SQLiteConn).Backup("main", s.(*sqlite3.SQLiteConn), "main")
			if err != nil {
				return err
			}
			for {
				done, err := bk.Step(1024)
				if err != nil {
					bk.Close()
					return err
				}
				if done {
					return bk.Finish()
				}
				if err := ctx.Err(); err != nil {
					bk.Close()
					return err
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
