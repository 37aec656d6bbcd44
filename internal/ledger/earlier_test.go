package ledger_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// An earlier custody of P1 (in the fixture held since 10 January 2020),
// found in an old register and entered late: admitted on 1 March 2019 on
// the same case, released under judicial supervision on 1 June 2019. Both
// events are dated before P1's registration and current admission.
const (
	earlierAdmission = `{"kind":"admission","date":"2019-03-01","person":"P1","facility":"CC1","data":{"status":"pretrial","order":{"kind":"detention_order","reference":"DO-2019-009","issued":"2019-03-01","expires":"2019-07-01"},"case":{"id":"PPC-2020-00001","procedure":"ordinary","charges":[{"offence":"drug trafficking","class":"felony","min_months":24,"max_months":60,"drug":true}]}}}`
	earlierRelease   = `{"kind":"release","date":"2019-06-01","person":"P1","facility":"CC1","data":{"mechanism":"judicial_supervision","reference":"JS-2019-009"}}`
)

// TestEarlierEpisodeEnteredLate: the ledger takes an earlier custody of a
// person already in custody, entered late as an admission and its release;
// the chain, the projections and verify hold, the figures of 2019 count the
// person, and the current custody is unchanged.
func TestEarlierEpisodeEnteredLate(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		db, svc := newService(t, dsn(t))
		importFixture(t, svc)
		res, err := svc.Import(ctx, strings.NewReader(earlierAdmission+"\n"+earlierRelease), "old-register.jsonl", registrar)
		if err != nil {
			t.Fatalf("earlier custody refused: %v", err)
		}
		if res.Events != 2 {
			t.Errorf("imported %d events, want 2", res.Events)
		}
		rep, err := svc.Verify(ctx, "")
		if err != nil || !rep.OK() {
			t.Fatalf("verify after the earlier custody: %v %+v", err, rep)
		}
		pop := func(day string) (all, pretrial int) {
			s, err := stats.Compute(ctx, db, domain.MustDate(day), stats.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s.Population, s.Pretrial
		}
		// Held at the end of 1 March and of 31 May 2019, not of 1 June (the
		// day of release) nor of 28 February; nobody else was held in 2019.
		for day, want := range map[string]int{"2019-02-28": 0, "2019-03-01": 1, "2019-05-31": 1, "2019-06-01": 0, "2020-01-09": 0} {
			if got, pre := pop(day); got != want || pre != want {
				t.Errorf("held on %s: %d (%d pre-trial), want %d", day, got, pre, want)
			}
		}
		// The fixture's figures of 2020 are unchanged (TestFixtureFigures).
		if got, pre := pop("2020-03-22"); got != 3 || pre != 3 {
			t.Errorf("held on 2020-03-22: %d (%d pre-trial), want 3 (3)", got, pre)
		}
		rel, err := db.Releases(ctx, domain.MustDate("2019-01-01"), domain.MustDate("2019-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rel) != 1 || rel[0].Mechanism != domain.MechBail || rel[0].Count != 1 {
			t.Errorf("releases of 2019: %+v, want one under judicial supervision", rel)
		}
		// The events of an earlier custody may come in any order of date
		// within the entry, and with an event of the current custody
		// between them.
		third := strings.NewReplacer("2019-03-01", "2018-03-01", "2019-06-01", "2018-06-01", "2019-07-01", "2018-07-01", "DO-2019-009", "DO-2018-001", "JS-2019-009", "JS-2018-001")
		mixed := strings.Join([]string{third.Replace(earlierAdmission),
			`{"kind":"hearing","date":"2020-08-01","person":"P1","data":{"case":"PPC-2020-00001","purpose":"detention review"}}`,
			third.Replace(earlierRelease)}, "\n")
		if _, err := svc.Import(ctx, strings.NewReader(mixed), "older.jsonl", registrar); err != nil {
			t.Fatalf("an earlier custody with a current event between its two: %v", err)
		}
		if got, _ := pop("2018-03-01"); got != 1 {
			t.Errorf("held on 2018-03-01: %d, want 1", got)
		}
		// A later event of the current custody still goes in its place.
		hearing := `{"kind":"hearing","date":"2020-09-01","person":"P1","data":{"case":"PPC-2020-00001","purpose":"detention review"}}`
		if _, err := svc.Import(ctx, strings.NewReader(hearing), "next.jsonl", registrar); err != nil {
			t.Fatalf("an event after the earlier custody: %v", err)
		}
		if rep, err := svc.Verify(ctx, ""); err != nil || !rep.OK() {
			t.Fatalf("verify: %v %+v", err, rep)
		}
	})
}

// TestEarlierEpisodeRecorded: the same through Record, as a form or the API
// enters it, the two events in one request.
func TestEarlierEpisodeRecorded(t *testing.T) {
	ctx := context.Background()
	_, svc := newService(t, dbtest.SQLiteDSN(t))
	importFixture(t, svc)
	var evs []*domain.Event
	for _, line := range []string{earlierAdmission, earlierRelease} {
		ev, err := domain.DecodeEvent([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if _, err := svc.Record(ctx, registrar, evs...); err != nil {
		t.Fatalf("recording the earlier custody: %v", err)
	}
	if rep, err := svc.Verify(ctx, ""); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

// TestEarlierEpisodeRefused: an earlier custody that cannot be right is
// refused at its line and nothing is written: an admission with no end
// (it would still be open when the current custody begins), a release after
// the current admission, an admission while the person was in custody.
func TestEarlierEpisodeRefused(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		db, svc := newService(t, dsn(t))
		importFixture(t, svc)
		head, err := db.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		overlap := strings.Replace(earlierRelease, "2019-06-01", "2020-02-01", 1)
		during := strings.Replace(strings.Replace(earlierAdmission, "2019-03-01", "2020-02-01", 1), "DO-2019-009", "DO-2020-099", 1)
		cases := []struct {
			name, file string
			line       int
			field      string
			says       string
		}{
			{"no end", earlierAdmission, 1, "date", "needs its end"},
			{"no end, then another person", earlierAdmission + "\n" + `{"kind":"cell","date":"2020-05-01","facility":"PP-KDL","data":{"label":"B1","capacity":10}}`, 1, "date", "needs its end"},
			// the release overlaps the current custody as the admission did
			{"release after the current admission", earlierAdmission + "\n" + overlap, 1, "date", "already in custody in CC1 since 2019-03-01"},
			{"admission during the current custody", during, 1, "date", "already in custody"},
			{"its release from another facility", earlierAdmission + "\n" + strings.Replace(earlierRelease, `"facility":"CC1"`, `"facility":"PP-KDL"`, 1), 2, "date", "P1 is held in CC1, not PP-KDL"},
		}
		for _, c := range cases {
			_, err := svc.Import(ctx, strings.NewReader(c.file), "late.jsonl", registrar)
			var ee *ledger.EventError
			field, _, _ := domain.FieldOf(err)
			if !errors.As(err, &ee) || ee.Line != c.line || !errors.Is(err, domain.ErrInvalid) || field != c.field || !strings.Contains(err.Error(), c.says) {
				t.Errorf("%s: %v (want line %d, field %s, saying %q)", c.name, err, c.line, c.field, c.says)
			}
			if h, _ := db.Head(ctx); h != head {
				t.Errorf("%s: the ledger moved from %v to %v", c.name, head, h)
			}
		}
		if rep, err := svc.Verify(ctx, ""); err != nil || !rep.OK() {
			t.Fatalf("verify: %v %+v", err, rep)
		}
	})
}
