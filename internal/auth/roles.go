// Package auth holds who may do what in habeas: users and their roles,
// passwords (Argon2id), login sessions, API tokens, login rate limiting, the
// permission checks the services call, and the audit chain of every change
// to accounts.
package auth

import (
	"slices"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Role is what a user is for. The strings are stored and shown; never rename one.
type Role string

const (
	// Admin manages users and roles and may do everything.
	Admin Role = "admin"
	// Registrar enters custody events for the facilities assigned to them.
	Registrar Role = "registrar"
	// Legal reads the register and the screening everywhere and records
	// hearings and orders.
	Legal Role = "legal_officer"
	// Monitor reads aggregates and the register of the facilities assigned,
	// without personal health data unless granted.
	Monitor Role = "monitor"
	// Analyst reads pseudonymised records only.
	Analyst Role = "analyst"
)

// Roles in the order they are offered.
var Roles = []Role{Admin, Registrar, Legal, Monitor, Analyst}

// Perm is one thing a principal may be allowed to do.
type Perm int

const (
	// ReadRegister: search the register and read a person's file.
	ReadRegister Perm = iota
	// ReadPseudonymised: read records with names, dates of birth and free
	// text removed and ids replaced by pseudonyms.
	ReadPseudonymised
	// ReadScreening: the screening queue and a person's screening result.
	ReadScreening
	// ReadHealth: personal health data on a file.
	ReadHealth
	// RecordCustody: admissions, transfers, verdicts, releases, corrections
	// and the other custody events.
	RecordCustody
	// RecordLegal: hearings and orders (including extensions).
	RecordLegal
	// ManageUsers: create users, change roles, disable, revoke others' tokens.
	ManageUsers
	// EditPledges: the pledge and reform tracker.
	EditPledges
	// ReadAudit: the audit trail of any user.
	ReadAudit
	// RecordVisits: monitoring visits to a facility (issue 20).
	RecordVisits
)

var permNames = map[Perm]string{ReadRegister: "read the register", ReadPseudonymised: "read pseudonymised records",
	ReadScreening: "read the screening", ReadHealth: "read health data", RecordCustody: "record custody events",
	RecordLegal: "record hearings and orders", ManageUsers: "manage users", EditPledges: "edit pledges and reforms",
	ReadAudit: "read the audit trail", RecordVisits: "record monitoring visits"}

func (p Perm) String() string { return permNames[p] }

// grants is the role table. scoped permissions apply only to the facilities
// assigned to the user.
var grants = map[Role]struct{ all, scoped []Perm }{
	Admin: {all: []Perm{ReadRegister, ReadPseudonymised, ReadScreening, ReadHealth, RecordCustody, RecordLegal,
		ManageUsers, EditPledges, ReadAudit, RecordVisits}},
	Registrar: {scoped: []Perm{ReadRegister, ReadScreening, ReadHealth, RecordCustody, RecordLegal}},
	Legal:     {all: []Perm{ReadRegister, ReadScreening, ReadHealth, RecordLegal}},
	Monitor:   {scoped: []Perm{ReadRegister, ReadScreening, RecordVisits}},
	Analyst:   {all: []Perm{ReadPseudonymised}},
}

// Scoped reports whether the role's permissions are limited to the
// facilities assigned to the user.
func (r Role) Scoped() bool { return r == Registrar || r == Monitor }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Principal is who is acting: a signed-in user, a token holder, or the
// command line. The zero Principal is the public.
type Principal struct {
	User       string
	Role       Role
	Facilities []string
	Health     bool   // a monitor granted personal health data
	Via        string // "web 192.0.2.1", "api 192.0.2.1", "cli"
	// Org is the user's organisation and OrgKind its kind. The command
	// line's principal has none unless told which to act for.
	Org     string
	OrgKind string
}

// grantsOf is p's role table row. An administrator of a monitoring
// organisation manages its users and nothing of the register: an NGO's
// administrator must not record custody events nor read health data.
func grantsOf(p *Principal) struct{ all, scoped []Perm } {
	if p.OrgKind == OrgMonitoring && p.Role == Admin {
		return struct{ all, scoped []Perm }{all: []Perm{ManageUsers}}
	}
	return grants[p.Role]
}

// Authenticated reports whether p is a user rather than the public.
func (p *Principal) Authenticated() bool { return p != nil && p.User != "" }

// Can reports whether p holds perm for some facility at least.
func (p *Principal) Can(perm Perm) bool {
	if !p.Authenticated() {
		return false
	}
	if perm == ReadHealth && p.Role == Monitor && p.Health {
		return true
	}
	g := grantsOf(p)
	return slices.Contains(g.all, perm) || (slices.Contains(g.scoped, perm) && len(p.Facilities) > 0)
}

// CanIn reports whether p holds perm for a facility.
func (p *Principal) CanIn(perm Perm, facility string) bool {
	if !p.Authenticated() {
		return false
	}
	if perm == ReadHealth && p.Role == Monitor && p.Health {
		return slices.Contains(p.Facilities, facility)
	}
	g := grantsOf(p)
	if slices.Contains(g.all, perm) {
		return true
	}
	return slices.Contains(g.scoped, perm) && slices.Contains(p.Facilities, facility)
}

// Scope returns the facilities p may use perm in: nil for all, or the list
// (possibly empty) of those assigned.
func (p *Principal) Scope(perm Perm) []string {
	if !p.Authenticated() {
		return []string{}
	}
	if slices.Contains(grantsOf(p).all, perm) {
		return nil
	}
	if p.Can(perm) {
		return slices.Clone(p.Facilities)
	}
	return []string{}
}

// The errors of signing in that callers tell apart; every other refusal is
// one of domain's codes (domain.ErrUnauthenticated, domain.ErrForbidden, ...).
var (
	ErrBadCredentials = &domain.Error{Code: domain.ErrUnauthenticated, Msg: "wrong user name or password"}
	ErrRateLimited    = &domain.Error{Code: domain.ErrRateLimited, Msg: "too many failed sign-ins: wait before trying again (the answer says how long)"}
)

// Require returns nil when p holds perm in facility (any facility when
// facility is empty), else domain.ErrUnauthenticated, or a forbidden error
// that says what was refused.
func (p *Principal) Require(perm Perm, facility string) error {
	if !p.Authenticated() {
		return domain.ErrUnauthenticated
	}
	ok := p.Can(perm)
	if facility != "" {
		ok = p.CanIn(perm, facility)
	}
	if !ok {
		msg := p.User + " may not " + perm.String()
		if facility != "" {
			msg += " in " + facility
		}
		return &domain.Error{Code: domain.ErrForbidden, Msg: msg}
	}
	return nil
}
