package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

func TestLastMonthEnd(t *testing.T) {
	for in, want := range map[string]string{"2020-12-31": "2020-12-31", "2020-12-30": "2020-11-30", "2020-03-01": "2020-02-29",
		"2021-03-01": "2021-02-28", "2020-01-15": "2019-12-31"} {
		if got := day(in).LastMonthEnd(); got != day(want) {
			t.Errorf("LastMonthEnd(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestKeepScreenings: the server saves the screening the public side shows
// without anyone running a command, and keeps each saved screening true
// after writes: one dated after its date leaves it as it was (saved again
// at the new ledger head, so it reads as current), a late entry dated
// before it makes it screened again.
func TestKeepScreenings(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) { testKeepScreenings(t, dbtest.Open(t, be.DSN(t))) })
	}
}

func unlawful(t *testing.T, st *sqldb.DB, d domain.Date) (store.ScreeningSummary, int) {
	t.Helper()
	sum, found, err := st.Screening(context.Background(), d)
	if err != nil || !found {
		t.Fatalf("no screening saved for %s: %v", d, err)
	}
	n := 0
	for _, c := range sum.Counts {
		if c.Kind == "unlawful" && c.Rule == "" {
			n += c.People
		}
	}
	return sum, n
}

func testKeepScreenings(t *testing.T, db *sqldb.DB) {
	ctx := context.Background()
	if _, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 7, People: 300}, emit)
	}); err != nil {
		t.Fatal(err)
	}
	reg := open(t, db)
	admin := &auth.Principal{User: "a", Role: auth.Admin, Via: "test"}
	latest, err := reg.AsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	end := latest.LastMonthEnd()
	before := end.AddDays(-1).LastMonthEnd()
	if _, found, _ := db.Screening(ctx, end); found {
		t.Fatal("a screening is saved before the keeper ran")
	}

	// The first pass saves the public default; a date asked for is added.
	reg.WantScreening(before)
	if n, err := reg.KeepOnce(ctx); err != nil || n != 2 {
		t.Fatalf("first pass: %d saved, %v", n, err)
	}
	head, _ := db.Head(ctx)
	endSum, endN := unlawful(t, db, end)
	beforeSum, beforeN := unlawful(t, db, before)
	if endSum.Head != head.Hash || beforeSum.Head != head.Hash || endN == 0 {
		t.Fatalf("saved at heads %s, %s (ledger %s); %d held unlawfully on %s", endSum.Head, beforeSum.Head, head.Hash, endN, end)
	}
	// Nothing written: nothing to do.
	if n, err := reg.KeepOnce(ctx); err != nil || n != 0 {
		t.Errorf("a pass with no write saved %d: %v", n, err)
	}

	// Someone admitted with no order on the last month-end is held
	// unlawfully on it; the month before does not change.
	if _, err := reg.Record(ctx, admin, registration("KEEP-1", end.String(), "CC1")...); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.KeepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	head, _ = db.Head(ctx)
	endSum2, endN2 := unlawful(t, db, end)
	beforeSum2, beforeN2 := unlawful(t, db, before)
	if endN2 != endN+1 || endSum2.Head != head.Hash {
		t.Errorf("%s after an admission with no order: %d held unlawfully (was %d), head %s (ledger %s)", end, endN2, endN, endSum2.Head, head.Hash)
	}
	if beforeN2 != beforeN || beforeSum2.Head != head.Hash || beforeSum2.ComputedAt != beforeSum.ComputedAt {
		t.Errorf("%s after a write dated later: %d held unlawfully (was %d), head %s (ledger %s), computed %s (was %s)",
			before, beforeN2, beforeN, beforeSum2.Head, head.Hash, beforeSum2.ComputedAt, beforeSum.ComputedAt)
	}

	// A late entry: someone admitted with no order before the earlier
	// month-end, entered now.
	if _, err := reg.Record(ctx, admin, registration("KEEP-2", before.AddDays(-3).String(), "CC1")...); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.KeepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, n := unlawful(t, db, before); n != beforeN+1 {
		t.Errorf("%s after a late entry dated %s: %d held unlawfully, want %d", before, before.AddDays(-3), n, beforeN+1)
	}
	if _, n := unlawful(t, db, end); n != endN+2 {
		t.Errorf("%s after both: %d held unlawfully, want %d", end, n, endN+2)
	}

	// The loop does it by itself after a write through the service.
	kctx, cancel := context.WithCancel(ctx)
	defer cancel()
	saved := make(chan struct{}, 8)
	go reg.KeepScreenings(kctx, time.Hour, func() { saved <- struct{}{} })
	if _, err := reg.Record(ctx, admin, registration("KEEP-3", end.String(), "CC1")...); err != nil {
		t.Fatal(err)
	}
	// A pass that began before the write may signal first (it re-stamps the
	// head it read): wait for the one that counts the new person.
	deadline := time.After(time.Minute)
	for {
		select {
		case <-saved:
		case <-deadline:
			_, n := unlawful(t, db, end)
			t.Fatalf("%s kept by the loop: %d held unlawfully a minute after the write, want %d", end, n, endN+3)
		}
		if _, n := unlawful(t, db, end); n == endN+3 {
			break
		}
	}
}

// TestToday: the staff side screens as of the server's date, unless the
// register has had no entry for more than ArchiveAfter days (an archive,
// the demo): then as of its latest entry.
func TestToday(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	if _, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 7, People: 100}, emit)
	}); err != nil {
		t.Fatal(err)
	}
	latest, err := db.LatestDate(ctx)
	if err != nil || latest != day("2020-12-31") {
		t.Fatalf("the demo's latest entry: %s %v", latest, err)
	}
	base := open(t, db)
	for _, c := range []struct {
		clock   string
		want    string
		archive bool
	}{
		{"2021-01-10", "2021-01-10", false},
		{"2021-01-31", "2021-01-31", false}, // 31 days without an entry
		{"2021-02-01", "2020-12-31", true},  // 32
		{"2026-12-06", "2020-12-31", true},
		{"2020-12-30", "2020-12-31", false}, // an entry dated after the server's date
	} {
		clock := time.Date(day(c.clock).Year(), time.Month(day(c.clock).Month()), day(c.clock).Day(), 12, 0, 0, 0, time.Local)
		reg := registry.New(db, ledger.New(db), nil, base.Pack(), nil, registry.WithClock(func() time.Time { return clock }))
		got, err := reg.Today(ctx)
		if err != nil || got.Date != day(c.want) || got.Archive != c.archive || got.Latest != latest {
			t.Errorf("on %s: today %+v, %v; want %s (archive %v)", c.clock, got, err, c.want, c.archive)
		}
		q, err := reg.Queue(ctx, &auth.Principal{User: "a", Role: auth.Admin, Via: "test"}, registry.QueueQuery{Limit: 1})
		if err != nil || q.AsOf != day(c.want) || q.Today != got {
			t.Errorf("on %s: the queue is as of %s (today %+v), %v", c.clock, q.AsOf, q.Today, err)
		}
	}
}
