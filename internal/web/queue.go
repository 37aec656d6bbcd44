package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tabular"
)

type queueView struct {
	Q          *registry.Queue
	Facilities []store.Facility
	Rules      []*rules.Rule
	Groups     []*rules.Rule
	Mechanisms []domain.Mechanism
	Next, Prev string
	Records    int // records to check, over every data check
	Kinds      []rules.Kind
	// Page and Pages number the pages of Total; Jump keeps the filters for
	// the form that jumps to a page.
	Page, Pages  int
	Jump         []hidden
	Facets       []facetGroup
	Titles       map[string]string // rule and data check ids → titles
	TitlesKm     map[string]string // the same in Khmer, where the pack gives them
	Filters      string            // the query of the filters in force, for the exports
	ArchiveAfter int
	FollowStates []registry.FollowUpState
}

// hidden is a query parameter carried by a form.
type hidden struct{ Name, Value string }

// facetGroup is one filter's counts, each a link that adds the value to the
// filters in force (or, for the value in force, removes it).
type facetGroup struct {
	Param, Label string
	Items        []facetLink
}

type facetLink struct {
	registry.Facet
	Label   string // the words for the value (a kind, a mechanism); the title for rules
	URL     string
	Active  bool
	English bool // the label is the pack's English title, on a Khmer page
}

func queueQuery(q url.Values) (registry.QueueQuery, error) {
	off, err := intParam(q, "offset", 0, 0, 10_000_000)
	if err != nil {
		return registry.QueueQuery{}, err
	}
	lim, err := intParam(q, "limit", 100, 1, 500)
	if err != nil {
		return registry.QueueQuery{}, err
	}
	// A page number (the jump form) stands for the offset of its first row.
	if q.Get("page") != "" {
		pg, err := intParam(q, "page", 1, 1, 10_000_000/lim)
		if err != nil {
			return registry.QueueQuery{}, err
		}
		off = (pg - 1) * lim
	}
	asOf := domain.NoDate
	if v := q.Get("as_of"); v != "" {
		if asOf, err = domain.ParseTypedDate(v); err != nil {
			return registry.QueueQuery{}, domain.Invalid("as_of", "%v", err)
		}
	}
	return registry.QueueQuery{Facility: q.Get("facility"), Rule: q.Get("rule"), Mechanism: domain.Mechanism(q.Get("mechanism")),
		Group: q.Get("group"), Crossing: q.Get("crossing") == "1" || q.Get("crossing") == "true", Kind: rules.Kind(q.Get("kind")),
		FollowUp: registry.FollowUpState(q.Get("follow_up")), Mine: q.Get("mine") == "1" || q.Get("mine") == "true",
		AsOf: asOf, Limit: lim, Offset: off}, nil
}

// queueFacets turns the queue's counts into links on the page at path with
// the query q in force.
func queueFacets(p *page, q url.Values, f registry.Facets, facs []store.Facility, titlesKm map[string]string) []facetGroup {
	link := func(param, value string) (string, bool) {
		q2 := url.Values{}
		for k, vs := range q {
			if k != "offset" && k != "page" {
				q2[k] = vs
			}
		}
		active := q.Get(param) == value
		if active {
			q2.Del(param)
		} else {
			q2.Set(param, value)
		}
		return "/staff/queue?" + q2.Encode(), active
	}
	names := map[string]string{}
	for _, fc := range facs {
		names[fc.ID] = fc.Name
	}
	group := func(param, label string, fs []registry.Facet, words func(registry.Facet) string) facetGroup {
		g := facetGroup{Param: param, Label: p.T(label)}
		for _, v := range fs {
			u, on := link(param, v.Value)
			g.Items = append(g.Items, facetLink{Facet: v, Label: words(v), URL: u, Active: on,
				English: v.Title != "" && p.Lang == Khmer && titlesKm[v.Value] == ""})
		}
		return g
	}
	title := func(v registry.Facet) string { return v.Value + " " + p.PackIn(titlesKm[v.Value], v.Title) }
	return []facetGroup{
		group("kind", "queue.kind", f.Kind, func(v registry.Facet) string { return p.T("rulekind." + v.Value) }),
		group("rule", "queue.rule", f.Rule, title),
		group("mechanism", "queue.mechanism", f.Mechanism, func(v registry.Facet) string { return p.T("mech." + v.Value) }),
		group("group", "queue.group", f.Group, title),
		group("facility", "field.facility", f.Facility, func(v registry.Facet) string { return cmp.Or(names[v.Value], v.Value) }),
		group("follow_up", "queue.follow_up", f.FollowUp, func(v registry.Facet) string { return p.T("fustate." + v.Value) }),
	}
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	qq, err := queueQuery(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	qq.Khmer = langOf(r) == Khmer
	res, err := s.reg.Queue(r.Context(), principal(r), qq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &queueView{Q: res, Facilities: facs, Mechanisms: domain.Mechanisms, Kinds: rules.Kinds, Titles: map[string]string{}, TitlesKm: map[string]string{},
		ArchiveAfter: registry.ArchiveAfter, FollowStates: registry.FollowUpStates}
	for _, c := range res.DataToCheck {
		v.Records += c.People
	}
	for _, rl := range s.reg.Pack().Rules {
		v.Titles[rl.ID], v.TitlesKm[rl.ID] = rl.Title, rl.TitleKm
		v.Rules = append(v.Rules, rl)
		if rl.Kind == rules.Priority {
			v.Groups = append(v.Groups, rl)
		}
	}
	// The data checks filter the queue like a rule.
	v.Rules = append(v.Rules, s.reg.Pack().Checks...)
	for _, c := range s.reg.Pack().Checks {
		v.Titles[c.ID], v.TitlesKm[c.ID] = c.Title, c.TitleKm
	}
	q.Del("page") // the links carry the offset
	v.Prev, v.Next = pageLinks("/staff/queue", q, qq.Offset, qq.Limit, qq.Offset+qq.Limit < res.Total)
	v.Page, v.Pages = qq.Offset/qq.Limit+1, max((res.Total+qq.Limit-1)/qq.Limit, 1)
	for k, vs := range q {
		if k != "offset" {
			for _, x := range vs {
				v.Jump = append(v.Jump, hidden{k, x})
			}
		}
	}
	slices.SortFunc(v.Jump, func(a, b hidden) int { return cmp.Compare(a.Name, b.Name) })
	f := url.Values{}
	for _, h := range v.Jump {
		if h.Name != "limit" && h.Name != "lang" {
			f.Add(h.Name, h.Value)
		}
	}
	v.Filters = f.Encode()
	p := s.newPage(r, "queue.heading", v)
	p.Form = q
	v.Facets = queueFacets(p, q, res.Facets, facs, v.TitlesKm)
	s.render(w, r, http.StatusOK, "queue.html", p)
}

// queueExport writes the whole filtered queue as CSV or XLSX (ext), with
// the filters of the page. It names people, so it is for staff who may
// screen, and each export is entered in the audit trail by the service.
func (s *Server) queueExport(ext string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		qq, err := queueQuery(r.URL.Query())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		res, err := s.reg.QueueExport(r.Context(), principal(r), qq, ext)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		titles := map[string]string{}
		for _, rl := range s.reg.Pack().Rules {
			titles[rl.ID] = rl.Title
		}
		for _, c := range s.reg.Pack().Checks {
			titles[c.ID] = c.Title
		}
		name := "habeas-queue-" + res.AsOf.String() + "." + ext
		ctype := "text/csv; charset=utf-8"
		if ext == "xlsx" {
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("Cache-Control", "no-store")
		tw, err := tabular.NewWriter(w, name)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		tw.Numeric(1, 7)
		reasons := func(fs []screening.Fired) string {
			var b strings.Builder
			for i, f := range fs {
				if i > 0 {
					b.WriteString("\n")
				}
				if f.Date != domain.NoDate {
					b.WriteString(f.Date.String() + ": ")
				}
				b.WriteString(f.Rule + " " + titles[f.Rule])
				if f.Withheld {
					b.WriteString(": (health data: not shown)")
				} else if f.Reason != "" {
					b.WriteString(": " + f.Reason)
				}
			}
			return b.String()
		}
		yes := func(b bool) string {
			if b {
				return "yes"
			}
			return "no"
		}
		rows := [][]string{{"as_of", "ledger_seq", "person", "name", "facility", "status", "held_unlawfully", "priority",
			"on_confirmed_law", "rules", "upcoming", "data_to_check",
			"follow_up_state", "follow_up_assignee", "follow_up_reason", "follow_up_until", "follow_up_rule", "follow_up_last_step"}}
		for _, p := range res.Persons {
			fu := p.FollowUp
			rows = append(rows, []string{res.AsOf.String(), strconv.FormatInt(res.Head.Seq, 10), p.Person, p.Name, p.Facility,
				string(p.Status), yes(p.Unlawful), strconv.Itoa(p.Priority), yes(p.Unlawful && p.ConfirmedLaw),
				reasons(p.Fired), reasons(p.Upcoming), reasons(p.Checks),
				string(fu.State), fu.Assignee, fu.Reason, dateOrBlank(fu.Until), fu.Rule, dateOrBlank(fu.Last)})
		}
		for _, row := range rows {
			if err := tw.Write(row); err != nil {
				s.logOf(r.Context()).Error("writing the queue export", "err", err)
				return
			}
		}
		if err := tw.Close(); err != nil {
			s.logOf(r.Context()).Error("writing the queue export", "err", err)
		}
	}
}

// dateOrBlank is d as ISO, or nothing for no date.
func dateOrBlank(d domain.Date) string {
	if d == domain.NoDate {
		return ""
	}
	return d.String()
}
