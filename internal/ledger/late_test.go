package ledger_test

import (
	"context"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestLateEntry records facts learnt late, dated before events already in
// the file: they are accepted when the file still holds together, and the
// figures change from their date.
func TestLateEntry(t *testing.T) {
	ctx := context.Background()
	db, svc := newService(t, dbtest.SQLiteDSN(t))
	importFixture(t, svc)
	pregnant := func(day string) int {
		s, err := stats.Compute(ctx, db, domain.MustDate(day), stats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s.Pregnant
	}
	if pregnant("2020-03-10") != 0 {
		t.Fatal("nobody is pregnant in the fixture")
	}
	// P2's pregnancy was noted by the doctor on 1 March and entered after her
	// release on 1 August.
	late := `{"kind":"health","date":"2020-03-01","person":"P2","data":{"fact":"pregnancy","due":"2020-09-15"}}`
	if _, err := svc.Import(ctx, strings.NewReader(late), "late.jsonl", registrar); err != nil {
		t.Fatalf("late entry refused: %v", err)
	}
	for day, want := range map[string]int{"2020-02-29": 0, "2020-03-01": 1, "2020-07-31": 1, "2020-08-01": 0} {
		if got := pregnant(day); got != want {
			t.Errorf("pregnant on %s: %d, want %d", day, got, want)
		}
	}
	// A transfer learnt late conflicts with her release, entered as leaving
	// from CC1: refused, with the reason.
	transfer := `{"kind":"transfer","date":"2020-03-01","person":"P2","facility":"CC1","data":{"to":"PP-KDL"}}`
	_, err := svc.Import(ctx, strings.NewReader(transfer), "late.jsonl", registrar)
	if err == nil || !strings.Contains(err.Error(), "P2 is held in PP-KDL, not CC1") {
		t.Errorf("conflicting late transfer: %v", err)
	}
	rep, err := svc.Verify(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("verify after a late entry: %v %+v", err, rep)
	}
}

// TestLateEntryInSameFile puts a late entry right after an event of the same
// person in one file: the refold must see the earlier, not yet committed one.
func TestLateEntryInSameFile(t *testing.T) {
	ctx := context.Background()
	db, svc := newService(t, dbtest.SQLiteDSN(t))
	importFixture(t, svc)
	file := strings.Join([]string{
		`{"kind":"cell","date":"2020-05-01","facility":"PP-KDL","data":{"label":"B1","capacity":10}}`,
		`{"kind":"cell_assignment","date":"2020-06-01","person":"P1","data":{"cell":"B1"}}`,
		`{"kind":"hearing","date":"2020-04-01","person":"P1","data":{"case":"PPC-2020-00001","purpose":"detention review"}}`,
	}, "\n")
	if _, err := svc.Import(ctx, strings.NewReader(file), "same.jsonl", registrar); err != nil {
		t.Fatal(err)
	}
	cells, err := db.CellsOn(ctx, domain.MustDate("2020-06-02"), 5)
	if err != nil || len(cells) != 1 || cells[0].Cell != "B1" || cells[0].Facility != "PP-KDL" {
		t.Errorf("P1 should be in PP-KDL/B1 from 1 June: %+v %v", cells, err)
	}
	rep, err := svc.Verify(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

// TestLateEntryCheckedOnItsDate: a late cell assignment names a cell of the
// facility the person was in on that date, not of the one they are in now;
// and an identity entered late with an earlier date does not undo a later
// correction of identity.
func TestLateEntryCheckedOnItsDate(t *testing.T) {
	ctx := context.Background()
	db, svc := newService(t, dbtest.SQLiteDSN(t))
	importFixture(t, svc)
	// P1 was in CC1 until 15 March, in Kandal since.
	ok := `{"kind":"cell_assignment","date":"2020-02-01","person":"P1","data":{"cell":"A1"}}`
	if _, err := svc.Import(ctx, strings.NewReader(ok), "late.jsonl", registrar); err != nil {
		t.Fatalf("late assignment to a CC1 cell while in CC1: %v", err)
	}
	bad := `{"kind":"cell_assignment","date":"2020-02-02","person":"P1","data":{"cell":"Z9"}}`
	if _, err := svc.Import(ctx, strings.NewReader(bad), "late.jsonl", registrar); err == nil || !strings.Contains(err.Error(), `data.cell: no cell "Z9" is registered in CC1`) {
		t.Errorf("late assignment to an unknown cell: %v", err)
	}
	// Identity: a document establishes P1's date of birth; later someone
	// enters, dated earlier, the declaration made at admission. The last
	// entered identity stands.
	ids := strings.Join([]string{
		`{"kind":"person","date":"2020-06-01","person":"P1","data":{"name":"Sok Dara","sex":"M","dob":"1991-05-01","dob_basis":"document"}}`,
		`{"kind":"person","date":"2020-01-10","person":"P1","data":{"name":"Sok Dara","sex":"M","dob":"1989-01-01","dob_basis":"declared"}}`,
	}, "\n")
	if _, err := svc.Import(ctx, strings.NewReader(ids), "ids.jsonl", registrar); err != nil {
		t.Fatal(err)
	}
	p, _ := db.Persons(ctx, []string{"P1"})
	if p["P1"].DOB != domain.MustDate("1989-01-01") {
		t.Errorf("identity in force: %v, want the last entered (1989-01-01)", p["P1"].DOB)
	}
	rep, err := svc.Verify(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}
