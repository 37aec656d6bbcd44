package registry_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// demoDB is a register holding a demo of n people.
func demoDB(t testing.TB, dsn string, n int) *sqldb.DB {
	ctx := context.Background()
	db := dbtest.Open(t, dsn)
	if _, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 11, People: n}, emit)
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

func newService(t testing.TB, db *sqldb.DB, pack *rules.Pack, opts ...registry.Option) *registry.Service {
	return registry.New(db, ledger.New(db), auth.New(db, auth.WithArgon2(auth.Argon2Params{Time: 1, Memory: 64, Threads: 1})), pack, nil, opts...)
}

func builtin(t testing.TB) *rules.Pack {
	p, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var admin = &auth.Principal{User: "admin", Role: auth.Admin, Via: "test"}

// wholeQueue is every row of the queue, by person.
func wholeQueue(t testing.TB, reg *registry.Service) (*registry.Queue, map[string]screening.Result) {
	t.Helper()
	q, err := reg.QueueExport(context.Background(), admin, registry.QueueQuery{}, "csv")
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]screening.Result, len(q.Persons))
	for _, r := range q.Persons {
		res := r.Result
		res.NextChange = domain.NoDate // not part of what a screening shows
		out[r.Person] = res
	}
	return q, out
}

// fullScreening is what screening.Run finds on d, by person.
func fullScreening(t testing.TB, db *sqldb.DB, pack *rules.Pack, d domain.Date) map[string]screening.Result {
	t.Helper()
	rep, err := screening.Run(context.Background(), db, pack, screening.Options{AsOf: d, Within: registry.Within})
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]screening.Result, rep.Len())
	for r := range rep.Persons() {
		out[r.Person] = r
	}
	return out
}

// sameScreening reports the first few people whose results differ.
func sameScreening(t testing.TB, what string, got, want map[string]screening.Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d people, want %d", what, len(got), len(want))
	}
	bad := 0
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: %s missing", what, id)
		} else if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
			t.Errorf("%s: %s\n got  %+v\n want %+v", what, id, g, w)
		} else {
			continue
		}
		if bad++; bad == 5 {
			t.Fatalf("%s: and more", what)
		}
	}
}

// TestCurrentScreeningRestart: a new service on the same register (a
// restart) answers the queue from the stored screening without screening
// the register; a write by this server or another process shows once it
// is caught up, by screening only the person written about; another rule
// pack screens everyone again.
func TestCurrentScreeningRestart(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := demoDB(t, be.DSN(t), 800)
			pack := builtin(t)
			first := newService(t, db, pack)
			q1, before := wholeQueue(t, first)
			if w := first.ScreeningWork(); w.Full != 1 {
				t.Fatalf("first start: %+v, want one full screening", w)
			}
			if len(before) < 50 {
				t.Fatalf("only %d people held in the demo", len(before))
			}

			restarted := newService(t, db, pack)
			q2, after := wholeQueue(t, restarted)
			if w := restarted.ScreeningWork(); w != (registry.ScreeningWork{}) {
				t.Errorf("after a restart with nothing new: %+v, want no screening at all", w)
			}
			if q2.Head != q1.Head || q2.AsOf != q1.AsOf || q2.Total != q1.Total {
				t.Errorf("after a restart: head %v as of %s, %d people; before %v as of %s, %d", q2.Head, q2.AsOf, q2.Total, q1.Head, q1.AsOf, q1.Total)
			}
			sameScreening(t, "after a restart", after, before)
			sameScreening(t, "after a restart, against a full screening", after, fullScreening(t, db, pack, q1.AsOf))

			// A write through the restarted server: its person only.
			out := q2.Persons[0].Person
			if _, err := restarted.Record(ctx, admin, &domain.Event{Kind: domain.KRelease, Date: q2.AsOf, Person: out,
				Data: &domain.ReleaseData{Mechanism: domain.MechBail}}); err != nil {
				t.Fatal(err)
			}
			q3, now := wholeQueue(t, restarted)
			if _, ok := now[out]; ok || q3.Total != q2.Total-1 {
				t.Errorf("after releasing %s: still listed=%v, %d people, want %d", out, ok, q3.Total, q2.Total-1)
			}
			if w := restarted.ScreeningWork(); w != (registry.ScreeningWork{People: 1}) {
				t.Errorf("after one write: %+v, want one person screened", w)
			}

			// A write by another process (the first service stands for a
			// command-line import), then another restart: caught up from
			// the stored sequence, one person screened.
			out2 := q3.Persons[0].Person
			if _, err := first.Record(ctx, admin, &domain.Event{Kind: domain.KRelease, Date: q3.AsOf, Person: out2,
				Data: &domain.ReleaseData{Mechanism: domain.MechBail}}); err != nil {
				t.Fatal(err)
			}
			third := newService(t, db, pack)
			q4, now := wholeQueue(t, third)
			if _, ok := now[out2]; ok || q4.Total != q3.Total-1 {
				t.Errorf("after another process released %s: still listed=%v, %d people, want %d", out2, ok, q4.Total, q3.Total-1)
			}
			if w := third.ScreeningWork(); w != (registry.ScreeningWork{People: 1}) {
				t.Errorf("restart after another process's write: %+v, want one person screened", w)
			}
			sameScreening(t, "caught up", now, fullScreening(t, db, pack, q4.AsOf))
			// The server that did not write catches up too.
			if _, now := wholeQueue(t, restarted); len(now) != q4.Total {
				t.Errorf("the other server: %d people, want %d", len(now), q4.Total)
			}

			// Another pack (same rules, another text): everyone again.
			other := *pack
			other.Hash = "another"
			fourth := newService(t, db, &other)
			_, again := wholeQueue(t, fourth)
			if w := fourth.ScreeningWork(); w.Full != 1 {
				t.Errorf("with another pack: %+v, want a full screening", w)
			}
			sameScreening(t, "with another pack", again, now)
			// And back: the stored screening is now the other pack's.
			fifth := newService(t, db, pack)
			wholeQueue(t, fifth)
			if w := fifth.ScreeningWork(); w.Full != 1 {
				t.Errorf("back to the first pack: %+v, want a full screening", w)
			}
		})
	}
}

// TestCurrentScreeningDateMoves: as the date moves day by day, and by
// several days, and after a restart on a later day, only the people whose
// result has expired are screened again, and the queue is what a full
// screening of the new date finds, reasons included.
func TestCurrentScreeningDateMoves(t *testing.T) {
	ctx := context.Background()
	db := demoDB(t, dbtest.SQLiteDSN(t), 2000)
	pack := builtin(t)
	latest, err := db.LatestDate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The server's clock a few days after the latest entry: today is the
	// server's date (registry.ArchiveAfter).
	clock := latest
	now := func() time.Time {
		return time.Date(clock.Year(), time.Month(clock.Month()), clock.Day(), 12, 0, 0, 0, time.Local)
	}
	reg := newService(t, db, pack, registry.WithClock(now))
	q, prev := wholeQueue(t, reg)
	if q.AsOf != latest {
		t.Fatalf("as of %s, want %s", q.AsOf, latest)
	}
	sameScreening(t, "on "+latest.String(), prev, fullScreening(t, db, pack, latest))
	nextChange := func(q *registry.Queue) map[string]domain.Date {
		m := map[string]domain.Date{}
		for _, r := range q.Persons {
			m[r.Person] = r.NextChange
		}
		return m
	}
	next := nextChange(q)
	for _, step := range []int{1, 1, 2, 5, 7, 14} {
		clock = clock.AddDays(step)
		if step == 7 {
			// A restart on the new date: from the store, the same work.
			reg = newService(t, db, pack, registry.WithClock(now))
		}
		expired := 0
		for _, n := range next {
			if n <= clock {
				expired++
			}
		}
		w0 := reg.ScreeningWork()
		q, got := wholeQueue(t, reg)
		if q.AsOf != clock {
			t.Fatalf("as of %s, want %s", q.AsOf, clock)
		}
		w := reg.ScreeningWork()
		if w.Full != w0.Full || w.People-w0.People != int64(expired) {
			t.Errorf("%s: %d full screenings, %d people screened, want none and the %d expired", clock, w.Full-w0.Full, w.People-w0.People, expired)
		}
		if expired >= len(next) {
			t.Errorf("%s: all %d expired", clock, expired)
		}
		sameScreening(t, "on "+clock.String(), got, fullScreening(t, db, pack, clock))
		t.Logf("%s: %d of %d screened again", clock, expired, len(next))
		next = nextChange(q)
	}
}

// TestNextChangeHolds: a result's next change is sound: on every day
// before it the full screening finds the same rules for the person (held,
// the same rules fired, coming with the same dates, undecided, and the
// same data checks), and a result that changes the next day says so.
func TestNextChangeHolds(t *testing.T) {
	ctx := context.Background()
	db := demoDB(t, dbtest.SQLiteDSN(t), 1000)
	pack := builtin(t)
	latest, err := db.LatestDate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const days = 35
	rep, err := screening.Run(ctx, db, pack, screening.Options{AsOf: latest, Within: registry.Within, Horizon: registry.Horizon})
	if err != nil {
		t.Fatal(err)
	}
	shape := func(r screening.Result, ok bool) string {
		if !ok {
			return "not held"
		}
		var b []string
		for _, f := range r.Fired {
			b = append(b, "fired "+f.Rule)
		}
		for _, f := range r.Upcoming {
			b = append(b, "coming "+f.Rule+" "+f.Date.String())
		}
		for _, u := range r.Undecided {
			b = append(b, "undecided "+u.Rule)
		}
		for _, f := range r.Checks {
			b = append(b, "check "+f.Rule)
		}
		return fmt.Sprint(b, r.Facility, r.Status, r.Traits.Age)
	}
	byDay := make([]map[string]screening.Result, days)
	for k := range byDay {
		byDay[k] = fullScreening(t, db, pack, latest.AddDays(k))
	}
	changed, checked := 0, 0
	nextOf := map[string]domain.Date{}
	for r := range rep.Persons() {
		nextOf[r.Person] = r.NextChange
		if r.NextChange <= latest || r.NextChange > latest.AddDays(registry.Horizon) {
			t.Errorf("%s: next change %s, want after %s and at most %d days on", r.Person, r.NextChange, latest, registry.Horizon)
			continue
		}
		first := shape(r, true)
		for k := 1; k < days; k++ {
			d := latest.AddDays(k)
			g, ok := byDay[k][r.Person]
			if d >= r.NextChange {
				if k == 1 && shape(g, ok) != first {
					changed++
				}
				break
			}
			checked++
			if s := shape(g, ok); s != first {
				t.Errorf("%s: next change %s, but on %s\n %s\nwas on %s\n %s", r.Person, r.NextChange, d, s, latest, first)
				break
			}
		}
	}
	// Anyone whose rules change tomorrow must have expired by then.
	for id, g := range byDay[1] {
		if r, ok := byDay[0][id]; ok && shape(r, true) != shape(g, true) {
			if nextOf[id] != latest.AddDays(1) {
				t.Errorf("%s changes on %s but its next change is not that day", id, latest.AddDays(1))
			}
		}
	}
	t.Logf("%d person-days checked; %d results change the next day", checked, changed)
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}
