package ledger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestOldEventsUnderNewRules: a backup line that carries its hash is
// restored as it was written even when it breaks a rule that came in later
// (here a person's identifier with a space); the same line without its hash
// is refused; and verify lists the event without failing.
func TestOldEventsUnderNewRules(t *testing.T) {
	ctx := context.Background()
	line := backupLine(t, "KH 2019 001", "Sok Dara")
	actor := ledger.Actor{Name: "admin", Via: "test"}

	fresh := ledger.New(dbtest.Open(t, dbtest.SQLiteDSN(t)))
	var plain bytes.Buffer
	plain.WriteString(`{"kind":"person","date":"2019-05-01","person":"KH 2019 001","data":{"name":"Sok Dara","sex":"M","dob_basis":"unknown"}}` + "\n")
	_, err := fresh.Import(ctx, &plain, "new.jsonl", actor)
	if field, _, ok := domain.FieldOf(err); !ok || field != "person" || !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a new event with a space in the identifier: %v, want it refused at person", err)
	}

	svc := ledger.New(dbtest.Open(t, dbtest.SQLiteDSN(t)))
	if _, err := svc.Import(ctx, bytes.NewReader(append(line, '\n')), "backup.jsonl", actor); err != nil {
		t.Fatalf("the backup line was refused: %v", err)
	}
	rep, err := svc.Verify(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("verify failed on a ledger restored as written: %+v", rep.Problems)
	}
	if rep.Broken != 1 || len(rep.Rules) != 1 || rep.Rules[0].Seq != 1 || !strings.Contains(rep.Rules[0].What, "person") {
		t.Errorf("verify listed %d events breaking today's rules (%+v), want event 1 at person", rep.Broken, rep.Rules)
	}
}

// TestBackupWithNUL: an old SQLite register may hold a name with a NUL. Its
// backup restores into SQLite as written (verify lists the event); into
// PostgreSQL, which cannot store the character, it is refused at its line
// and field instead of failing nameless at the commit.
func TestBackupWithNUL(t *testing.T) {
	ctx := context.Background()
	line := backupLine(t, "P1", "Sok\x00Dara")
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			db := dbtest.Open(t, be.DSN(t))
			svc := ledger.New(db)
			_, err := svc.Import(ctx, bytes.NewReader(append(line, '\n')), "backup.jsonl", ledger.Actor{Name: "admin", Via: "test"})
			head, herr := db.Head(ctx)
			if herr != nil {
				t.Fatal(herr)
			}
			if be.Name == "postgres" {
				var ee *ledger.EventError
				field, _, _ := domain.FieldOf(err)
				if !errors.As(err, &ee) || ee.File != "backup.jsonl" || ee.Line != 1 || field != "data.name" {
					t.Fatalf("into PostgreSQL: %v, want refused at backup.jsonl:1 data.name", err)
				}
				if head.Seq != 0 {
					t.Errorf("the refused backup wrote %d events", head.Seq)
				}
				return
			}
			if err != nil {
				t.Fatalf("into SQLite: %v", err)
			}
			rep, err := svc.Verify(ctx, "")
			if err != nil || !rep.OK() || rep.Broken != 1 || !strings.Contains(rep.Rules[0].What, "NUL") {
				t.Errorf("verify of the restored SQLite register: %v %+v", err, rep)
			}
		})
	}
}

// backupLine is the first line of an old register's backup, with its hash:
// the registration of person under name, entered in 2019.
func backupLine(t *testing.T, person, name string) []byte {
	t.Helper()
	ev := &domain.Event{Seq: 1, Kind: domain.KPerson, Date: domain.MustDate("2019-05-01"), Person: person,
		RecordedAt: "2019-05-02T08:00:00Z", RecordedBy: "registrar", Via: "cli",
		Data: &domain.PersonData{Name: name, Sex: domain.Male, DOBBasis: domain.DOBUnknown}}
	body, err := domain.Body(ev)
	if err != nil {
		t.Fatal(err)
	}
	ev.Prev, ev.Hash = domain.GenesisHash, domain.ChainHash(domain.GenesisHash, body)
	line, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return line
}
