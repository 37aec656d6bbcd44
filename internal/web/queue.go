package web

import (
	"net/http"
	"net/url"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store"
)

type queueView struct {
	Q          *registry.Queue
	Facilities []store.Facility
	Rules      []*rules.Rule
	Groups     []*rules.Rule
	Mechanisms []domain.Mechanism
	Next, Prev string
	Records    int // records to check, over every data check
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
	return registry.QueueQuery{Facility: q.Get("facility"), Rule: q.Get("rule"), Mechanism: domain.Mechanism(q.Get("mechanism")),
		Group: q.Get("group"), Crossing: q.Get("crossing") == "1" || q.Get("crossing") == "true", Limit: lim, Offset: off}, nil
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	qq, err := queueQuery(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
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
	v := &queueView{Q: res, Facilities: facs, Mechanisms: domain.Mechanisms}
	for _, c := range res.DataToCheck {
		v.Records += c.People
	}
	for _, rl := range s.reg.Pack().Rules {
		v.Rules = append(v.Rules, rl)
		if rl.Kind == rules.Priority {
			v.Groups = append(v.Groups, rl)
		}
	}
	// The data checks filter the queue like a rule.
	v.Rules = append(v.Rules, s.reg.Pack().Checks...)
	v.Prev, v.Next = pageLinks("/staff/queue", q, qq.Offset, qq.Limit, qq.Offset+qq.Limit < res.Total)
	p := s.newPage(r, "queue.heading", v)
	p.Form = q
	s.render(w, r, http.StatusOK, "queue.html", p)
}
