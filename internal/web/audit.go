package web

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// auditRow is an entry of the audit trail as the pages show it: the
// action by its name, the detail as labelled values in the reader's
// language, and links to the user and the person concerned where the
// reader may open them.
type auditRow struct {
	Seq      string
	When     string
	Actor    string
	ActorURL string
	Via      string
	Action   string // as stored, for the page's markup
	What     string
	About    string
	AboutURL string
	Items    []auditItem
}

type auditItem struct{ Label, Value string }

// auditRows turns entries into rows for p's reader.
func (s *Server) auditRows(r *http.Request, p *page, entries []store.AuditEntry) ([]auditRow, error) {
	ctx := r.Context()
	pr := principal(r)
	// Which people the reader may open, and which users they may manage.
	var people []string
	for _, e := range entries {
		if aboutPerson(e.Action) && e.Subject != "" && !slices.Contains(people, e.Subject) {
			people = append(people, e.Subject)
		}
	}
	readable, err := s.reg.Readable(ctx, pr, people)
	if err != nil {
		return nil, err
	}
	users := map[string]bool{}
	if pr.Can(auth.ManageUsers) {
		us, err := s.auth.Users(ctx, pr)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			users[u.Name] = true
		}
	}
	userURL := func(name string) string {
		if users[name] {
			return "/staff/users/" + url.PathEscape(name)
		}
		return ""
	}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		row := auditRow{Seq: p.Lang.digits(strconv.FormatInt(e.Seq, 10)), When: p.When(e.At), Actor: e.Actor, ActorURL: userURL(e.Actor),
			Via: e.Via, Action: e.Action, What: p.TOr("audit."+e.Action, e.Action), About: e.Subject, Items: auditItems(p, e)}
		switch {
		case readable[e.Subject] && aboutPerson(e.Action):
			row.AboutURL = "/staff/persons/" + url.PathEscape(e.Subject)
		case strings.HasPrefix(e.Action, "user.") || strings.HasPrefix(e.Action, "token."):
			row.AboutURL = userURL(e.Subject)
		case e.Action == auth.ActEventRecord && strings.HasPrefix(e.Subject, "pledge/"):
			row.AboutURL = "/pledges#pledge-" + url.PathEscape(strings.TrimPrefix(e.Subject, "pledge/"))
		case e.Action == auth.ActEventRecord && strings.HasPrefix(e.Subject, "reform/"):
			row.AboutURL = "/pledges#reform-" + url.PathEscape(strings.TrimPrefix(e.Subject, "reform/"))
		case e.Action == auth.ActChecksExport && e.Subject == "":
			row.About = p.T("audit.all_facilities") // no facility asked for
		}
		rows[i] = row
	}
	return rows, nil
}

// aboutPerson: the subject of an entry with this action may be a person.
func aboutPerson(action string) bool {
	return action == auth.ActPersonRead || action == auth.ActPersonHealthRead || action == auth.ActEventRecord
}

// auditItems reads the detail of an entry (JSON, as auth and the ledger
// write it) into labelled values. An action it does not know, or a detail
// it cannot read, is shown key by key as stored.
func auditItems(p *page, e store.AuditEntry) []auditItem {
	var items []auditItem
	item := func(key, value string) { items = append(items, auditItem{p.T(key), value}) }
	var err error
	switch e.Action {
	case auth.ActUserAdd, auth.ActUserRole, auth.ActUserDisable, auth.ActUserEnable, auth.ActUserPass:
		var d struct {
			Role          string
			Facilities    []string
			Health        bool
			Disabled      bool
			RevokedTokens []string `json:"revoked_tokens"`
		}
		if err = json.Unmarshal([]byte(e.Detail), &d); err != nil {
			break
		}
		if e.Action == auth.ActUserAdd || e.Action == auth.ActUserRole {
			item("user.role", p.TOr("role."+d.Role, d.Role))
			facs := strings.Join(d.Facilities, ", ")
			if facs == "" {
				facs = p.T("audit.all")
			}
			item("user.facilities", facs)
			if d.Health {
				item("audit.health", p.T("audit.may_read"))
			}
		}
		if e.Action == auth.ActUserAdd && d.Disabled {
			item("user.state", p.T("user.disabled"))
		}
		if len(d.RevokedTokens) > 0 {
			item("audit.revoked", strings.Join(d.RevokedTokens, ", "))
		}
	case auth.ActTokenCreate, auth.ActTokenRevoke:
		var d struct{ ID, Label string }
		if err = json.Unmarshal([]byte(e.Detail), &d); err != nil {
			break
		}
		item("audit.token", d.ID)
		if d.Label != "" {
			item("user.label", d.Label)
		}
	case auth.ActEventRecord:
		var d struct {
			Seqs  []int64
			Kinds []string
		}
		if err = json.Unmarshal([]byte(e.Detail), &d); err != nil {
			break
		}
		evs := make([]string, len(d.Seqs))
		for i, seq := range d.Seqs {
			evs[i] = "#" + p.Lang.digits(strconv.FormatInt(seq, 10))
			if i < len(d.Kinds) {
				evs[i] += " " + p.TOr("event."+d.Kinds[i], d.Kinds[i])
			}
		}
		item("audit.events", strings.Join(evs, ", "))
	case auth.ActEventImport:
		var d struct{ From, To int }
		if err = json.Unmarshal([]byte(e.Detail), &d); err != nil {
			break
		}
		item("audit.events", p.T("audit.range", p.N(d.From), p.N(d.To)))
	case auth.ActCheckpointSign:
		var d struct {
			Size int
			Root string
		}
		if err = json.Unmarshal([]byte(e.Detail), &d); err != nil {
			break
		}
		item("audit.size", p.N(d.Size))
		item("audit.root", d.Root)
	case auth.ActReportPublish:
		var d struct {
			ID   int    `json:"id"`
			AsOf string `json:"as_of"`
		}
		if err = json.Unmarshal([]byte(e.Detail), &d); err != nil {
			break
		}
		item("audit.report", p.T("published.number", p.N(d.ID), p.Day(d.AsOf)))
	case auth.ActPersonRead, auth.ActPersonHealthRead:
		var d struct{ Events int }
		if err = json.Unmarshal([]byte(e.Detail), &d); err != nil {
			break
		}
		item("audit.shown", p.N(d.Events))
	case auth.ActChecksExport:
		// The people listed are in the detail (the API shows it whole);
		// the page counts them.
		var d struct {
			AsOf    string `json:"as_of"`
			Rows    int
			Persons []string
		}
		if err = json.Unmarshal([]byte(e.Detail), &d); err != nil {
			break
		}
		asOf := d.AsOf
		if day, perr := domain.ParseDate(d.AsOf); perr == nil {
			asOf = p.Lang.Date(day)
		}
		item("audit.as_of", asOf)
		item("audit.rows", p.N(d.Rows))
		item("audit.people", p.N(len(d.Persons)))
	default:
		err = errUnknownAction
	}
	if err == nil {
		return items
	}
	var m map[string]any
	if json.Unmarshal([]byte(e.Detail), &m) != nil {
		return []auditItem{{"", e.Detail}}
	}
	items = items[:0]
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, _ := json.Marshal(m[k])
		items = append(items, auditItem{k, strings.Trim(string(v), `"`)})
	}
	return items
}

var errUnknownAction = errors.New("an action the pages do not know")
