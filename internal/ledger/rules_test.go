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
	ev := &domain.Event{Seq: 1, Kind: domain.KPerson, Date: domain.MustDate("2019-05-01"), Person: "KH 2019 001",
		RecordedAt: "2019-05-02T08:00:00Z", RecordedBy: "registrar", Via: "cli",
		Data: &domain.PersonData{Name: "Sok Dara", Sex: domain.Male, DOBBasis: domain.DOBUnknown}}
	body, err := domain.Body(ev)
	if err != nil {
		t.Fatal(err)
	}
	ev.Prev, ev.Hash = domain.GenesisHash, domain.ChainHash(domain.GenesisHash, body)
	line, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	actor := ledger.Actor{Name: "admin", Via: "test"}

	fresh := ledger.New(dbtest.Open(t, dbtest.SQLiteDSN(t)))
	var plain bytes.Buffer
	plain.WriteString(`{"kind":"person","date":"2019-05-01","person":"KH 2019 001","data":{"name":"Sok Dara","sex":"M","dob_basis":"unknown"}}` + "\n")
	_, err = fresh.Import(ctx, &plain, "new.jsonl", actor)
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
