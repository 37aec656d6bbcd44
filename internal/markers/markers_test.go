package markers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/markers"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

var cheap = auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}

type fixture struct {
	path string
	db   *sqldb.DB
	led  *ledger.Service
	acc  *auth.Service
	keys *restricted.Keyring
	svc  *markers.Service
	// dara and vann are monitors of two NGOs; chan the prison
	// administration's administrator; sok a registrar.
	dara, vann, chan_, sok *auth.Principal
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")
	db := dbtest.Open(t, path)
	now := func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) }
	led := ledger.New(db, ledger.WithClock(now))
	acc := auth.New(db, auth.WithArgon2(cheap), auth.WithOrgs(db), auth.WithClock(now))
	root := auth.System("root", "test")
	for _, o := range []store.Org{{ID: "licadho", Name: "LICADHO", Kind: auth.OrgMonitoring}, {ID: "adhoc", Name: "ADHOC", Kind: auth.OrgMonitoring}} {
		if err := acc.AddOrg(ctx, root, o); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	files := map[string]string{}
	for _, org := range []string{"licadho", "adhoc"} {
		files[org] = filepath.Join(dir, org+".key")
		if _, err := restricted.Generate(files[org]); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := restricted.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.Record(ctx, ledger.Actor{Name: "root", Via: "test"},
		&domain.Event{Kind: domain.KFacility, Date: domain.MustDate("2020-01-01"), Facility: "CC1",
			Data: &domain.FacilityData{Name: "CC1", Kind: domain.CorrectionalCentre, Province: "Kandal", Capacity: 2000}},
		&domain.Event{Kind: domain.KPerson, Date: domain.MustDate("2020-02-01"), Person: "P1",
			Data: &domain.PersonData{Name: "Kem Sokha Test", Sex: domain.Male, DOBBasis: domain.DOBUnknown}}); err != nil {
		t.Fatal(err)
	}
	return &fixture{path: path, db: db, led: led, acc: acc, keys: keys, svc: markers.New(db, led, keys, acc),
		dara:  &auth.Principal{User: "dara", Role: auth.Monitor, Facilities: []string{"CC1"}, Org: "licadho", OrgKind: auth.OrgMonitoring, Via: "test"},
		vann:  &auth.Principal{User: "vann", Role: auth.Monitor, Facilities: []string{"CC1"}, Org: "adhoc", OrgKind: auth.OrgMonitoring, Via: "test"},
		chan_: &auth.Principal{User: "chan", Role: auth.Admin, Org: store.DefaultOrg, OrgKind: auth.OrgAdministration, Via: "test"},
		sok:   &auth.Principal{User: "sok", Role: auth.Registrar, Facilities: []string{"CC1"}, Org: store.DefaultOrg, OrgKind: auth.OrgAdministration, Via: "test"},
	}
}

const testimony = "XYZZY-testimony: arrested after posting about the land dispute on Facebook"

func political(pseudonym string) markers.NewMarker {
	return markers.NewMarker{Date: domain.MustDate("2026-03-02"), Category: domain.MarkerPolitical,
		Record: markers.Record{Pseudonym: pseudonym, Facility: "CC1",
			Sources: []markers.Source{{Kind: "interview", Reference: testimony, Date: domain.MustDate("2026-03-01")}}}}
}

// fileHolds reports whether the SQLite file or its write-ahead log holds b.
func fileHolds(t *testing.T, path string, b []byte) bool {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(data, b) {
			return true
		}
	}
	return false
}

// TestMarkersRestricted: a marker is readable by its organisation's users
// only; the database file holds none of its content; the chain verifies
// without any key; a marker without a source is refused naming the field,
// and nothing is stored.
func TestMarkersRestricted(t *testing.T) {
	ctx := t.Context()
	f := setup(t)
	seq, err := f.svc.Add(ctx, f.dara, political("Bopha-Q7"))
	if err != nil {
		t.Fatal(err)
	}
	reg := political("")
	reg.Record.Person = "P1"
	reg.Category = domain.MarkerIllTreatment
	if _, err := f.svc.Add(ctx, f.dara, reg); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"XYZZY", "Bopha-Q7", "land dispute"} {
		if fileHolds(t, f.path, []byte(text)) {
			t.Errorf("the database file holds %q in clear", text)
		}
	}
	ms, err := f.svc.List(ctx, f.dara)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Seq != seq || ms[0].Record.Pseudonym != "Bopha-Q7" || ms[0].Record.Sources[0].Reference != testimony ||
		ms[1].Record.Person != "P1" || ms[1].Category != domain.MarkerIllTreatment || ms[0].RecordedBy != "dara" {
		t.Fatalf("dara reads %+v", ms)
	}
	// Another NGO sees none of them; the administration and its staff may
	// not read markers at all.
	if ms, err := f.svc.List(ctx, f.vann); err != nil || len(ms) != 0 {
		t.Errorf("adhoc's monitor reads %+v (%v), want nothing", ms, err)
	}
	for _, p := range []*auth.Principal{f.chan_, f.sok, nil} {
		if _, err := f.svc.List(ctx, p); err == nil {
			t.Errorf("%v read the markers", p)
		}
		if _, err := f.svc.Add(ctx, p, political("X")); err == nil {
			t.Errorf("%v added a marker", p)
		}
	}
	// The same person twice in a category: refused.
	if _, err := f.svc.Add(ctx, f.dara, political("Bopha-Q7")); domain.ErrorCode(err) != domain.ErrConflict {
		t.Errorf("a second marker of one person in one category: %v, want conflict", err)
	}
	head, _ := f.db.Head(ctx)
	bad := []struct {
		m     func(*markers.NewMarker)
		field string
	}{
		{func(m *markers.NewMarker) { m.Record.Sources = nil }, "sources"},
		{func(m *markers.NewMarker) { m.Record.Sources[0].Reference = " " }, "sources[0].reference"},
		{func(m *markers.NewMarker) { m.Record.Sources[0].Kind = "rumour" }, "sources[0].kind"},
		{func(m *markers.NewMarker) { m.Record.Pseudonym = "" }, "person"},
		{func(m *markers.NewMarker) { m.Record.Pseudonym, m.Record.Person = "", "NOBODY" }, "person"},
		{func(m *markers.NewMarker) { m.Category = "dissident" }, "category"},
	}
	for _, b := range bad {
		m := political("Other")
		m.Record.Sources = append([]markers.Source(nil), m.Record.Sources...)
		b.m(&m)
		_, err := f.svc.Add(ctx, f.dara, m)
		var de *domain.Error
		if domain.ErrorCode(err) != domain.ErrInvalid || !errorsAs(err, &de) || de.Field != b.field {
			t.Errorf("bad marker (%s): %v, want invalid naming %s", b.field, err, b.field)
		}
	}
	if h, _ := f.db.Head(ctx); h != head {
		t.Errorf("refused markers were stored: head %d, was %d", h.Seq, head.Seq)
	}
	// verify needs no key: the ledger hashes the ciphertext.
	rep, err := ledger.New(f.db).Verify(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	counts, err := report.ConcernCounts(ctx, f.db, domain.NoDate)
	if err != nil || counts[domain.MarkerPolitical] != 1 || counts[domain.MarkerIllTreatment] != 1 || len(counts) != 2 {
		t.Errorf("counts %v (%v), want one political and one ill-treatment", counts, err)
	}
	if counts, _ := report.ConcernCounts(ctx, f.db, domain.MustDate("2026-03-01")); len(counts) != 0 {
		t.Errorf("counts on the day before the markers: %v", counts)
	}
}

// TestConsentWithdrawn: destroying a marker's data key makes it unreadable
// for good (the wrapped key is gone from the database file) while the
// chain still verifies; only its organisation may do it.
func TestConsentWithdrawn(t *testing.T) {
	ctx := t.Context()
	f := setup(t)
	seq, err := f.svc.Add(ctx, f.dara, political("Bopha-Q7"))
	if err != nil {
		t.Fatal(err)
	}
	k, ok, err := f.db.RecordKey(ctx, seq)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	wrapped := k.Wrapped
	if !fileHolds(t, f.path, wrapped[len(wrapped)-40:]) {
		t.Fatal("the wrapped key is not in the database file before it is destroyed: the check below would prove nothing")
	}
	if err := f.svc.Destroy(ctx, f.acc, f.vann, seq, "consent withdrawn"); domain.ErrorCode(err) != domain.ErrForbidden {
		t.Errorf("another NGO destroyed the record: %v", err)
	}
	if err := f.svc.Destroy(ctx, f.acc, f.dara, seq, ""); domain.ErrorCode(err) != domain.ErrInvalid {
		t.Errorf("destroyed without a reason: %v", err)
	}
	if err := f.svc.Destroy(ctx, f.acc, f.dara, seq, "consent withdrawn on 2026-03-09"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Destroy(ctx, f.acc, f.dara, seq, "again"); domain.ErrorCode(err) != domain.ErrConflict {
		t.Errorf("destroyed twice: %v, want conflict", err)
	}
	ms, err := f.svc.List(ctx, f.dara)
	if err != nil || len(ms) != 1 || !ms[0].Destroyed || ms[0].Record.Pseudonym != "" {
		t.Fatalf("after destroying: %+v %v", ms, err)
	}
	// Even with the organisation's key and the event, the record does not
	// open: its data key is gone from the database.
	se, _, _ := f.db.Event(ctx, seq)
	ev, _ := domain.DecodeEvent(se.Body)
	sealed := ev.Data.(*domain.MarkerData).Record
	if _, err := f.keys.Open(&sealed, nil); err == nil {
		t.Error("opened without its data key")
	}
	if fileHolds(t, f.path, wrapped[len(wrapped)-40:]) {
		t.Error("the destroyed key is still in the database file")
	}
	rep, err := ledger.New(f.db).Verify(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("verify after destroying: %v %+v", err, rep)
	}
	if counts, _ := report.ConcernCounts(ctx, f.db, domain.NoDate); len(counts) != 0 {
		t.Errorf("a withdrawn marker still counts: %v", counts)
	}
	audit, err := f.acc.AuditSubject(ctx, strconv.FormatInt(seq, 10), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 1 || audit[0].Action != auth.ActRecordKeyDestroy || audit[0].Actor != "dara" || !strings.Contains(audit[0].Detail, "consent withdrawn on 2026-03-09") {
		t.Errorf("the audit of the destruction: %+v", audit)
	}
}

func errorsAs(err error, target **domain.Error) bool { return errors.As(err, target) }

// TestConcernsInReport: the public report shows national counts per
// category, protected like every count of people (1 to 5 hidden), and
// nothing of who was marked.
func TestConcernsInReport(t *testing.T) {
	ctx := t.Context()
	f := setup(t)
	for i := range 6 {
		if _, err := f.svc.Add(ctx, f.dara, political(fmt.Sprintf("Pseudo-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	ill := political("Pseudo-0")
	ill.Category = domain.MarkerIllTreatment
	if _, err := f.svc.Add(ctx, f.vann, ill); err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(ctx, f.db, report.Options{AsOf: domain.MustDate("2026-03-05")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Concerns == nil || len(r.Concerns.Rows) != 3 {
		t.Fatalf("concerns section %+v", r.Concerns)
	}
	want := map[string]string{domain.MarkerPolitical: "6", domain.MarkerDrugArbitrary: "0", domain.MarkerIllTreatment: "*"}
	for _, row := range r.Concerns.Rows {
		if got := row.Markers.CSV(); got != want[row.Category] {
			t.Errorf("%s: published %s, want %s", row.Category, got, want[row.Category])
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Pseudo-", "XYZZY", "licadho", "adhoc"} {
		if bytes.Contains(b, []byte(text)) {
			t.Errorf("the public report holds %q", text)
		}
	}
	// Before the markers' date, none.
	r, err = report.Build(ctx, f.db, report.Options{AsOf: domain.MustDate("2026-03-01")})
	if err != nil || r.Concerns != nil {
		t.Errorf("report before the markers: %+v %v", r.Concerns, err)
	}
}
