package web

import (
	"errors"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/chart"
	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/outbreak"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/scenario"
)

// The scenario pages translate HTTP only: the registry runs the model
// against a saved plan and checks who may (registry/plan.go).

// scenarioView is the staff scenario page: the choices, and the run when
// one was asked for.
type scenarioView struct {
	Plans []string
	// National is the run's national part, in the form it is published
	// in, so that the staff and the public pages show figures alike.
	National   *domain.PlanScenario
	Result     *scenario.Result
	Chart      template.HTML
	Facilities []facilityScenario
}

// facilityScenario is one facility's row and chart.
type facilityScenario struct {
	ID                   string
	Population, Capacity int
	Baseline, Plan       domain.ScenarioFigures
	Averted              domain.ScenarioAverted
	Chart                template.HTML
}

// scenarioOptions reads the page's choices; empty ones take the defaults.
// Its errors name the field.
func scenarioOptions(get func(string) string) (scenario.Options, error) {
	opt := scenario.Options{Runs: scenario.WebDefaultRuns, Days: scenario.DefaultDays, Seed: 1}
	for _, f := range []struct {
		name string
		set  func(uint64)
	}{
		{"runs", func(v uint64) { opt.Runs = int(min(v, math.MaxInt32)) }},
		{"days", func(v uint64) { opt.Days = int(min(v, math.MaxInt32)) }},
		{"seed", func(v uint64) { opt.Seed = v }},
	} {
		s := strings.TrimSpace(get(f.name))
		if s == "" {
			continue
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return opt, domain.Invalid(f.name, "%q is not a whole number", s)
		}
		f.set(v)
	}
	return opt, nil
}

func (s *Server) scenarioPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "scenario.heading", nil)
	q := r.URL.Query()
	p.Form = q
	p.Labels = "scenario."
	pl := principal(r)
	if !pl.Can(auth.ReadScreening) {
		s.fail(w, r, domain.Forbidden("a plan's scenario needs the screening"))
		return
	}
	names, err := s.reg.SavedPlans(r.Context(), pl)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &scenarioView{Plans: names}
	p.Data = v
	status := http.StatusOK
	if name := q.Get("plan"); name != "" {
		opt, err := scenarioOptions(q.Get)
		var res *scenario.Result
		if err == nil {
			res, err = s.reg.PlanScenario(r.Context(), pl, name, opt)
		}
		var de *domain.Error
		switch {
		case err == nil:
			s.fillScenario(p, v, res)
		case errors.As(err, &de) && de.Code == domain.ErrInvalid:
			p.Errors = append(p.Errors, fieldMsg{Field: de.Field, Msg: de.Msg})
			status = http.StatusBadRequest
		case errors.As(err, &de) && de.Code == domain.ErrNotFound:
			p.Errors = append(p.Errors, fieldMsg{Field: "plan", Msg: de.Msg})
			status = http.StatusNotFound
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, "scenario.html", p)
}

func (s *Server) fillScenario(p *page, v *scenarioView, res *scenario.Result) {
	v.Result = res
	v.National = res.Published()
	v.Chart = fanChart(p, v.National.SeriesDays, v.National.Infected.Baseline, v.National.Infected.Plan)
	conv := func(is []outbreak.Interval) []domain.ScenarioInterval {
		out := make([]domain.ScenarioInterval, len(is))
		for i, x := range is {
			out[i] = domain.ScenarioInterval(x)
		}
		return out
	}
	for j, f := range res.Facilities {
		fs := facilityScenario{ID: f.ID, Population: f.Population, Capacity: f.Capacity, Baseline: figuresOf(f.Baseline)}
		if f.Plan != nil {
			fs.Plan = figuresOf(*f.Plan)
			fs.Averted = domain.ScenarioAverted{Deaths: domain.ScenarioInterval(f.Averted.Deaths), Infections: domain.ScenarioInterval(f.Averted.Infections)}
		}
		if res.Series != nil {
			sr := res.Series.Facilities[j]
			var planBand []domain.ScenarioInterval
			if sr.Plan != nil {
				planBand = conv(sr.Plan.Infected)
			}
			fs.Chart = fanChart(p, res.Series.Days, conv(sr.Baseline.Infected), planBand)
		}
		v.Facilities = append(v.Facilities, fs)
	}
}

func figuresOf(f outbreak.Figures) domain.ScenarioFigures {
	return domain.ScenarioFigures{Infections: domain.ScenarioInterval(f.Infections), Hospitalisations: domain.ScenarioInterval(f.Hospitalisations),
		PeakBeds: domain.ScenarioInterval(f.PeakBeds), Deaths: domain.ScenarioInterval(f.Deaths)}
}

// fanChart draws people infected by day, without and with the plan.
func fanChart(p *page, days []int, base, plan []domain.ScenarioInterval) template.HTML {
	band := func(name, class string, is []domain.ScenarioInterval) chart.Band {
		b := chart.Band{Name: name, Class: class}
		for _, x := range is {
			b.Median, b.Low, b.High = append(b.Median, x.Median), append(b.Low, x.P5), append(b.High, x.P95)
		}
		return b
	}
	c := chart.Fan{Title: p.T("scenario.chart_title"), Days: days, XLabel: p.T("scenario.day"),
		Bands:  []chart.Band{band(p.T("scenario.baseline"), "base", base)},
		FmtY:   func(f float64) string { return p.Lang.Num(int(math.Round(f))) },
		FmtDay: func(d int) string { return p.Lang.Num(d) }}
	if len(plan) > 0 {
		c.Bands = append(c.Bands, band(p.T("scenario.with_plan"), "plan", plan))
	}
	return c.SVG()
}

// publicScenario is a published plan's national scenario: figures stored
// when it was published, beside the plan's protected counts.
func (s *Server) publicScenario(w http.ResponseWriter, r *http.Request) {
	ps, err := s.reg.PublishedScenario(r.Context(), r.PathValue("name"), disclosure.DefaultThreshold)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "scenario.public_heading", ps)
	if sc := ps.Scenario; sc != nil {
		p.Data = &publicScenarioView{PublicScenario: ps, Chart: fanChart(p, sc.SeriesDays, sc.Infected.Baseline, sc.Infected.Plan)}
	} else {
		p.Data = &publicScenarioView{PublicScenario: ps}
	}
	s.render(w, r, http.StatusOK, "scenario_public.html", p)
}

type publicScenarioView struct {
	*registry.PublicScenario
	Chart template.HTML
}

// publicScenarioJSON is the same figures as JSON: the page and this are
// made from one PublishedScenario.
func (s *Server) publicScenarioJSON(w http.ResponseWriter, r *http.Request) {
	ps, err := s.reg.PublishedScenario(r.Context(), r.PathValue("name"), disclosure.DefaultThreshold)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ps)
}

// ivArgs and ivsArgs carry the page with a figure into a template.
type ivArgs struct {
	L *page
	I domain.ScenarioInterval
}

type ivsArgs struct {
	L *page
	S *domain.PlanScenario
}
