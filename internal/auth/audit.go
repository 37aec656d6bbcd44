package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// EntryBody is the canonical JSON of an audit entry without its chain fields
// (see store.AuditBody).
func EntryBody(a store.AuditEntry) []byte { return store.AuditBody(a) }

// Audit actions. The strings are stored; never rename one.
const (
	ActUserAdd     = "user.add"
	ActUserRole    = "user.role"
	ActUserDisable = "user.disable"
	ActUserEnable  = "user.enable"
	ActUserPass    = "user.password"
	ActTokenCreate = "token.create"
	ActTokenRevoke = "token.revoke"
	// ActEventRecord indexes a ledger write made through the services, so
	// that a user's trail lists it; the ledger event itself is the record.
	// The ledger writes it, with the events (store.ActEventRecord).
	ActEventRecord = store.ActEventRecord
	// ActEventImport indexes a load of many events by their range.
	ActEventImport = store.ActEventImport
	// ActCheckpointSign: a checkpoint of the ledger's tree was signed and
	// stored (habeas checkpoint, habeas report publish).
	ActCheckpointSign = store.ActCheckpointSign
	// ActReportPublish: a signed report was recorded with its files
	// (habeas report publish).
	ActReportPublish = store.ActReportPublish
	// ActPersonRead: a user opened a person's file (Mandela Rules 6 and 9),
	// through a page or the API; the subject is the person.
	ActPersonRead = "person.read"
	// ActPersonHealthRead: a user opened a person's file with their health
	// records shown.
	ActPersonHealthRead = "person.health_read"
	// ActQueueExport: a user exported the screening queue (names, reasons)
	// to a spreadsheet; the detail keeps the filters, date and row count.
	ActQueueExport = "queue.export"
	// ActChecksExport: a user exported the data to check of the screening
	// queue (/staff/queue/checks.csv), which names people; the subject is
	// the facility asked for ("" for all the user may see), the detail the
	// screening date, the ledger head, the rows and the people listed.
	ActChecksExport = "screening.checks_export"
	// ActOrgAdd: an organisation was added; the subject is its id.
	ActOrgAdd = "org.add"
	// ActOrgKeyAdd: a key that may sign the organisation's offline bundles
	// was registered; the subject is the organisation.
	ActOrgKeyAdd = "org.key_add"
	// ActRecordKeyDestroy: the data key of a restricted record was destroyed
	// (consent withdrawn); the subject is the event's sequence number.
	ActRecordKeyDestroy = "record.key_destroy"
	// ActRestrictedRead: a user read restricted records of their
	// organisation; the detail names the sequence numbers.
	ActRestrictedRead = "restricted.read"
)

// userDetail is what the audit keeps of a user after a change: enough to
// replay the users table and find a row changed behind habeas's back. The
// password hash is kept only as its SHA-256.
type userDetail struct {
	Role       Role     `json:"role"`
	Facilities []string `json:"facilities"`
	Health     bool     `json:"health,omitempty"`
	Disabled   bool     `json:"disabled,omitempty"`
	Password   string   `json:"password_sha256"`
	// Org is the user's organisation, left out for the default one, so that
	// the entries written before organisations existed still mean the same.
	Org string `json:"org,omitempty"`
	// RevokedTokens are the tokens the change revoked (a password change,
	// disabling the user).
	RevokedTokens []string `json:"revoked_tokens,omitempty"`
}

func detailOf(u *store.User) userDetail {
	org := u.Org
	if org == store.DefaultOrg {
		org = ""
	}
	return userDetail{Role: Role(u.Role), Facilities: nonNil(u.Facilities), Health: u.Health, Disabled: u.Disabled, Password: sha256hex(u.PassHash), Org: org}
}

type tokenDetail struct {
	ID    string `json:"id"`
	User  string `json:"user"`
	Label string `json:"label,omitempty"`
	Hash  string `json:"hash,omitempty"`
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apply writes a change and its audit entry in one transaction.
func (s *Service) apply(ctx context.Context, by *Principal, action, subject string, detail any, c store.AccountChange) error {
	return s.applyWith(ctx, by, action, subject, func(context.Context, store.AccountReader) (any, store.AccountChange, error) { return detail, c, nil })
}

// applyWith is apply with the change and its detail built in the
// transaction, from the accounts as it reads them through r (the user's row,
// the tokens they have): no other change comes between what it read and
// what it writes, so none is undone. The store chains the entry after the
// head it reads under the same lock, as the ledger's entries are chained:
// nothing to retry, and no write refused because another came first.
func (s *Service) applyWith(ctx context.Context, by *Principal, action, subject string, build func(context.Context, store.AccountReader) (any, store.AccountChange, error)) error {
	_, err := s.acc.ApplyAccount(ctx, func(ctx context.Context, r store.AccountReader) (store.AccountChange, error) {
		detail, c, err := build(ctx, r)
		if err != nil {
			return c, err
		}
		d, err := json.Marshal(detail)
		if err != nil {
			return c, fmt.Errorf("encoding the audit detail: %w", err)
		}
		c.Audit = store.AuditEntry{At: s.now().UTC().Truncate(time.Second), Actor: by.User, Via: by.Via,
			Action: action, Subject: subject, Detail: string(d)}
		return c, nil
	})
	return err
}

// AuditReport is the result of VerifyAudit.
type AuditReport struct {
	Entries  int
	Head     string
	ChainOK  bool
	TablesOK bool
	// EventsOK: every event of the ledger is named by exactly one entry
	// (event.record lists it, event.import's range holds it).
	EventsOK bool
	// Unaudited counts the events no entry names.
	Unaudited int64
	Problems  []string
}

// OK reports whether nothing is wrong.
func (r *AuditReport) OK() bool { return r.ChainOK && r.TablesOK && r.EventsOK }

// eventsDetail is what an entry of the ledger's keeps of the events it
// names: a list (event.record) or a range (event.import).
type eventsDetail struct {
	Seqs     []int64 `json:"seqs"`
	From, To int64
}

// VerifyAudit checks the audit chain link by link, then replays it and
// compares the result with the users and tokens tables, so that a role or a
// password changed in the database directly is found. It also checks that
// each of the ledger's events 1..ledgerHead is named by exactly one entry,
// so that an event written without its entry, or an entry deleted, is found.
func VerifyAudit(ctx context.Context, acc store.Accounts, ledgerHead int64) (*AuditReport, error) {
	return VerifyAuditFrom(ctx, acc, 1, ledgerHead)
}

// VerifyAuditFrom is VerifyAudit for a register whose events were audited
// in their own transaction from event from on: the events entered before
// its upgrade had their entries written apart, or none, and are not
// required to have one.
func VerifyAuditFrom(ctx context.Context, acc store.Accounts, from, ledgerHead int64) (*AuditReport, error) {
	rep := &AuditReport{ChainOK: true, TablesOK: true, EventsOK: true, Head: domain.GenesisHash}
	// named[seq] counts the entries naming event seq (saturating at 2).
	named := make([]uint8, ledgerHead+1)
	prev, want := domain.GenesisHash, int64(1)
	users := map[string]userDetail{}
	tokens := map[string]tokenDetail{}
	revoked := map[string]bool{}
	problem := func(ok *bool, f string, args ...any) {
		*ok = false
		if len(rep.Problems) < 20 {
			rep.Problems = append(rep.Problems, fmt.Sprintf(f, args...))
		}
	}
	err := acc.AuditEntries(ctx, 1, func(a store.AuditEntry) error {
		rep.Entries++
		switch {
		case a.Seq != want:
			problem(&rep.ChainOK, "audit entry %d: expected sequence %d (an entry was deleted or inserted)", a.Seq, want)
		case a.Prev != prev:
			problem(&rep.ChainOK, "audit entry %d: prev does not match the hash of entry %d", a.Seq, a.Seq-1)
		case domain.ChainHash(a.Prev, EntryBody(a)) != a.Hash:
			problem(&rep.ChainOK, "audit entry %d: hash does not match its content (the entry was changed)", a.Seq)
		}
		want, prev = a.Seq+1, a.Hash
		rep.Head = a.Hash
		switch a.Action {
		case ActUserAdd, ActUserRole, ActUserDisable, ActUserEnable, ActUserPass:
			var d userDetail
			if err := json.Unmarshal([]byte(a.Detail), &d); err != nil {
				problem(&rep.ChainOK, "audit entry %d: detail: %v", a.Seq, err)
				return nil
			}
			users[a.Subject] = d
			for _, id := range d.RevokedTokens {
				revoked[id] = true
			}
		case ActTokenCreate:
			var d tokenDetail
			if err := json.Unmarshal([]byte(a.Detail), &d); err != nil {
				problem(&rep.ChainOK, "audit entry %d: detail: %v", a.Seq, err)
				return nil
			}
			tokens[d.ID] = d
		case ActTokenRevoke:
			var d tokenDetail
			if err := json.Unmarshal([]byte(a.Detail), &d); err != nil {
				problem(&rep.ChainOK, "audit entry %d: detail: %v", a.Seq, err)
				return nil
			}
			revoked[d.ID] = true
		case ActEventRecord, ActEventImport:
			var d eventsDetail
			if err := json.Unmarshal([]byte(a.Detail), &d); err != nil {
				problem(&rep.ChainOK, "audit entry %d: detail: %v", a.Seq, err)
				return nil
			}
			seqs := d.Seqs
			if a.Action == ActEventImport {
				if d.From < 1 || d.To < d.From || d.To > ledgerHead {
					problem(&rep.EventsOK, "audit entry %d names events %d to %d, not all in the ledger (head %d)", a.Seq, d.From, d.To, ledgerHead)
					d.From, d.To = max(d.From, 1), min(d.To, ledgerHead)
				}
				for s := d.From; s <= d.To; s++ {
					named[s] = min(named[s]+1, 2)
				}
				seqs = nil
			}
			for _, s := range seqs {
				if s < 1 || s > ledgerHead {
					problem(&rep.EventsOK, "audit entry %d names event %d, which is not in the ledger", a.Seq, s)
					continue
				}
				named[s] = min(named[s]+1, 2)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the audit chain: %w", err)
	}
	// Events without an entry, or with several, are reported as runs.
	for s := max(from, 1); s <= ledgerHead; {
		n := named[s]
		e := s
		for e+1 <= ledgerHead && named[e+1] == n {
			e++
		}
		switch {
		case n == 0 && s == e:
			problem(&rep.EventsOK, "event %d has no audit entry", s)
		case n == 0:
			problem(&rep.EventsOK, "events %d to %d have no audit entry", s, e)
		case n > 1 && s == e:
			problem(&rep.EventsOK, "event %d is named by more than one audit entry", s)
		case n > 1:
			problem(&rep.EventsOK, "events %d to %d are named by more than one audit entry", s, e)
		}
		if n == 0 {
			rep.Unaudited += e - s + 1
		}
		s = e + 1
	}
	stored, err := acc.Users(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range stored {
		u := &stored[i]
		seen[u.Name] = true
		d, ok := users[u.Name]
		if !ok {
			problem(&rep.TablesOK, "user %s is in the users table but was never added through habeas", u.Name)
			continue
		}
		got := detailOf(u)
		if got.Role != d.Role || !slices.Equal(got.Facilities, d.Facilities) || got.Health != d.Health ||
			got.Disabled != d.Disabled || got.Password != d.Password || got.Org != d.Org {
			problem(&rep.TablesOK, "user %s differs from the audit chain (role, facilities, access, organisation, password or disabled changed outside habeas)", u.Name)
		}
	}
	for name := range users {
		if !seen[name] {
			problem(&rep.TablesOK, "user %s was removed from the users table", name)
		}
	}
	toks, err := acc.Tokens(ctx, "")
	if err != nil {
		return nil, err
	}
	seenTok := map[string]bool{}
	for _, t := range toks {
		seenTok[t.ID] = true
		d, ok := tokens[t.ID]
		switch {
		case !ok:
			problem(&rep.TablesOK, "token %s was not created through habeas", t.ID)
		case d.User != t.User || d.Hash != t.Hash:
			problem(&rep.TablesOK, "token %s differs from the audit chain", t.ID)
		case revoked[t.ID] && !t.Revoked:
			problem(&rep.TablesOK, "token %s was revoked but is active again", t.ID)
		}
	}
	for id := range tokens {
		if !seenTok[id] {
			problem(&rep.TablesOK, "token %s was removed from the tokens table", id)
		}
	}
	return rep, nil
}
