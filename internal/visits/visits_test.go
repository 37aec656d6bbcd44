package visits_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/bundle"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/snapshot"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/visits"
)

var cheap = auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}

var now = func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) }

type register struct {
	path string
	db   *sqldb.DB
	led  *ledger.Service
	acc  *auth.Service
	svc  *visits.Service
}

// open makes a SQLite register with the two NGOs and facility CC1.
func open(t *testing.T, keys *restricted.Keyring) *register {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v.db")
	db := dbtest.Open(t, path)
	led := ledger.New(db, ledger.WithClock(now))
	acc := auth.New(db, auth.WithArgon2(cheap), auth.WithOrgs(db), auth.WithClock(now))
	root := auth.System("root", "test")
	for _, o := range []store.Org{{ID: "licadho", Name: "LICADHO", Kind: auth.OrgMonitoring}, {ID: "adhoc", Name: "ADHOC", Kind: auth.OrgMonitoring}} {
		if err := acc.AddOrg(ctx, root, o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := led.Record(ctx, ledger.Actor{Name: "root", Via: "test"},
		&domain.Event{Kind: domain.KFacility, Date: domain.MustDate("2020-01-01"), Facility: "CC1",
			Data: &domain.FacilityData{Name: "CC1", Kind: domain.CorrectionalCentre, Province: "Kandal", Capacity: 2000}}); err != nil {
		t.Fatal(err)
	}
	return &register{path: path, db: db, led: led, acc: acc, svc: visits.New(db, led, keys, acc)}
}

func keyring(t *testing.T) *restricted.Keyring {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{}
	for _, org := range []string{"licadho", "adhoc"} {
		files[org] = filepath.Join(dir, org+".key")
		if _, err := restricted.Generate(files[org]); err != nil {
			t.Fatal(err)
		}
	}
	k, err := restricted.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var (
	dara  = &auth.Principal{User: "dara", Role: auth.Monitor, Facilities: []string{"CC1"}, Org: "licadho", OrgKind: auth.OrgMonitoring, Via: "test"}
	vann  = &auth.Principal{User: "vann", Role: auth.Monitor, Facilities: []string{"CC1"}, Org: "adhoc", OrgKind: auth.OrgMonitoring, Via: "test"}
	chan_ = &auth.Principal{User: "chan", Role: auth.Admin, Org: store.DefaultOrg, OrgKind: auth.OrgAdministration, Via: "test"}
	sok   = &auth.Principal{User: "sok", Role: auth.Registrar, Facilities: []string{"CC1"}, Org: store.DefaultOrg, OrgKind: auth.OrgAdministration, Via: "test"}
)

const (
	first  = "QXJ7-first: beaten at the police station on arrest"
	second = "QXJ7-second: no doctor for three weeks"
	third  = "QXJ7-witness: a guard asked for money for visits"
)

func visit(id string) *domain.Event {
	zero, one := 0, 1
	total := 120
	return &domain.Event{Kind: domain.KVisit, Date: domain.MustDate("2026-03-02"), Facility: "CC1", Data: &domain.VisitData{
		ID: id, Team: []string{"Dara", "Sophea"}, Observed: domain.HeadCount{Total: &total},
		Cells: []domain.CellMeasure{{Label: "B4", Use: domain.CellDormitory, AreaM2: 60, People: 85}},
		Restricted: &domain.VisitRestricted{
			Interviews: []domain.Interview{{Consent: true, Pseudonym: "K-1", Summary: first}, {Consent: true, Anonymous: true, Summary: second}},
			Allegations: []domain.Allegation{
				{Kind: domain.AllegIllTreatment, Date: domain.MustDate("2026-01-05"), Place: "Kandal police station", Interview: &zero, Account: first},
				{Kind: domain.AllegMedicalCare, Date: domain.MustDate("2026-02-01"), Place: "CC1", Interview: &one},
				{Kind: domain.AllegCorruption, Date: domain.MustDate("2026-02-20"), Place: "CC1 visiting room", Account: third}},
		}}}
}

func holds(t *testing.T, path string, s string) bool {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// TestSealedVisit: a visit's interviews and allegations are sealed for the
// recording organisation, one record per interview and one for the
// allegations tied to none; the database file holds none of them; only the
// organisation's users read them; withdrawing one interview's consent
// destroys it alone; verify passes throughout, with no key.
func TestSealedVisit(t *testing.T) {
	ctx := t.Context()
	keys := keyring(t)
	r := open(t, keys)
	seqs, err := r.svc.Record(ctx, dara, visit("v1"))
	if err != nil {
		t.Fatal(err)
	}
	seq := seqs[0]
	for _, s := range []string{"QXJ7", "K-1", "Kandal police station", "visiting room"} {
		if holds(t, r.path, s) {
			t.Errorf("the database file holds %q in clear", s)
		}
	}
	ks, err := r.db.EventRecordKeys(ctx, seq)
	if err != nil || len(ks) != 3 {
		t.Fatalf("record keys of the visit: %+v %v, want 3 (two interviews, the other allegations)", ks, err)
	}
	got, err := r.svc.Restricted(ctx, dara, seq)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Interviews) != 2 || got.Interviews[0].Interview.Summary != first || got.Interviews[1].Interview.Summary != second ||
		len(got.Interviews[0].Allegations) != 1 || got.Interviews[0].Allegations[0].Place != "Kandal police station" ||
		len(got.Interviews[1].Allegations) != 1 || got.Interviews[1].Allegations[0].Kind != domain.AllegMedicalCare ||
		len(got.Other) != 1 || got.Other[0].Account != third || got.OtherPart != 2 || len(got.Withdrawn) != 0 {
		t.Fatalf("the visit as LICADHO reads it: %+v", got)
	}
	// Another organisation's monitor, the administration's administrator,
	// a registrar: refused.
	for _, p := range []*auth.Principal{vann, chan_, sok} {
		if _, err := r.svc.Restricted(ctx, p, seq); domain.ErrorCode(err) != domain.ErrForbidden {
			t.Errorf("%s reading LICADHO's interviews: %v, want forbidden", p.User, err)
		}
		if err := r.svc.Withdraw(ctx, r.acc, p, seq, 0, "consent withdrawn"); domain.ErrorCode(err) != domain.ErrForbidden {
			t.Errorf("%s destroying LICADHO's interview: %v, want forbidden", p.User, err)
		}
	}
	// A registrar may not record a visit at all.
	if _, err := r.svc.Record(ctx, sok, visit("v2")); domain.ErrorCode(err) != domain.ErrForbidden {
		t.Errorf("a registrar recording a visit: %v", err)
	}
	// The ledger refuses a visit carrying its restricted part unsealed.
	if _, err := r.led.Record(ctx, ledger.Actor{Name: "x", Via: "test"}, visit("v3")); err == nil {
		t.Error("the ledger recorded interviews in clear")
	}
	// Consent withdrawn for the first interview.
	if err := r.svc.Withdraw(ctx, r.acc, dara, seq, 0, "consent withdrawn on 2026-03-09"); err != nil {
		t.Fatal(err)
	}
	got, err = r.svc.Restricted(ctx, dara, seq)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Interviews) != 1 || got.Interviews[0].Interview.Summary != second || got.Interviews[0].Part != 1 ||
		len(got.Withdrawn) != 1 || got.Withdrawn[0] != 0 || len(got.Other) != 1 {
		t.Fatalf("after withdrawing interview 0: %+v", got)
	}
	if err := r.svc.Withdraw(ctx, r.acc, dara, seq, 0, "again"); domain.ErrorCode(err) != domain.ErrConflict {
		t.Errorf("withdrawing twice: %v, want conflict", err)
	}
	rep, err := r.led.Verify(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("verify after withdrawing: %+v %v", rep, err)
	}
	// Bad input names the field, before anything is sealed, and writes
	// nothing.
	bad := visit("v4")
	bad.Data.(*domain.VisitData).Restricted.Allegations[2].Date = domain.NoDate
	h, _ := r.db.Head(ctx)
	var de *domain.Error
	if _, err := r.svc.Record(ctx, dara, bad); !errors.As(err, &de) || de.Field != "data.restricted.allegations[2].date" {
		t.Errorf("an allegation without a date: %v", err)
	}
	if h2, _ := r.db.Head(ctx); h2 != h {
		t.Errorf("a refused visit changed the head: %+v, was %+v", h2, h)
	}
}

// TestVisitBundle: a laptop records a visit sealed with the organisation's
// public key only; its bundle carries the visit and each record's data key
// to the server, which reads the interviews with the organisation's key,
// and imports it once however many times it is brought.
func TestVisitBundle(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "licadho.key")
	pub, err := restricted.Generate(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pubFile := filepath.Join(dir, "licadho.pub")
	if err := os.WriteFile(pubFile, []byte(pub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lapKeys, err := restricted.Load(map[string]string{"licadho": pubFile})
	if err != nil {
		t.Fatal(err)
	}
	srvKeys, err := restricted.Load(map[string]string{"licadho": keyFile})
	if err != nil {
		t.Fatal(err)
	}
	laptop, server := open(t, lapKeys), open(t, srvKeys)
	h, _ := laptop.db.Head(ctx)
	if _, err := laptop.svc.Record(ctx, dara, visit("v1")); err != nil {
		t.Fatal(err)
	}
	if _, err := laptop.svc.Restricted(ctx, dara, h.Seq+1); err == nil {
		t.Error("the laptop opened what it sealed with the public key only")
	}
	spub, spriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := snapshot.PublicKeyPEM(spub)
	if err != nil {
		t.Fatal(err)
	}
	if err := server.acc.AddOrgKey(ctx, auth.System("root", "test"), store.OrgKey{Org: "licadho", KeyID: snapshot.KeyID(spub), PubKey: pem}); err != nil {
		t.Fatal(err)
	}
	data, n, err := bundle.Export(ctx, laptop.db, "licadho", h.Seq+1, spriv, now())
	if err != nil || n != 1 {
		t.Fatalf("export: %d events, %v", n, err)
	}
	if bytes.Contains(data, []byte("QXJ7")) {
		t.Error("the bundle holds an interview in clear")
	}
	res, err := bundle.Import(ctx, server.db, server.led, ledger.Actor{Name: "admin", Via: "test"}, "b.json", data)
	if err != nil || len(res.Seqs) != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	got, err := server.svc.Restricted(ctx, dara, res.Seqs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Interviews) != 2 || got.Interviews[0].Interview.Summary != first || len(got.Other) != 1 || got.Other[0].Account != third {
		t.Fatalf("the visit on the server: %+v", got)
	}
	se, ok, err := server.db.Event(ctx, res.Seqs[0])
	if err != nil || !ok {
		t.Fatal(err)
	}
	ev, _ := domain.DecodeEvent(se.Body)
	if ev.RecordedBy != "dara" || ev.Data.(*domain.VisitData).ID != "v1" {
		t.Errorf("the imported visit: recorded by %q, id %q", ev.RecordedBy, ev.Data.(*domain.VisitData).ID)
	}
	again, err := bundle.Import(ctx, server.db, server.led, ledger.Actor{Name: "admin", Via: "test"}, "b.json", data)
	if err != nil || again.Already != 1 || len(again.Seqs) != 0 {
		t.Errorf("the second import: %+v %v", again, err)
	}
	rep, err := server.led.Verify(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("verify on the server: %+v %v", rep, err)
	}
	if holds(t, server.path, "QXJ7") || holds(t, laptop.path, "QXJ7") {
		t.Error("a database file holds an interview in clear")
	}
}
