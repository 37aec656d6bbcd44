package pledges

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Figure is a declared figure not about a pledge, with the register's own
// count beside it where the register can count the same thing.
type Figure struct {
	Date       string   `json:"date"`
	From       string   `json:"from,omitempty"`
	AsOf       string   `json:"as_of"`
	Counts     string   `json:"counts"`
	Figure     int      `json:"figure"`
	Facility   string   `json:"facility,omitempty"`
	Area       string   `json:"area,omitempty"`
	Mechanism  string   `json:"mechanism,omitempty"`
	Reasons    []string `json:"reasons,omitempty"`
	Group      string   `json:"group,omitempty"`
	Population *int     `json:"population_before,omitempty"`
	DeclaredBy string   `json:"declared_by"`
	Source     string   `json:"source"`
	Note       string   `json:"note,omitempty"`
	// Recorded is the register's count of the same thing over the same
	// period and place; nil when it cannot count it (no register, an area
	// it does not hold, a population reduction).
	Recorded   *int `json:"recorded"`
	Difference *int `json:"difference"` // Figure - Recorded
}

// DeclaredSummary are the declared figures not about a pledge, with their
// totals: per kind, per reason and per mechanism. A figure may carry several
// reasons, so the figures per reason do not add up to the total; a figure
// without a mechanism or reason is in neither table.
type DeclaredSummary struct {
	Count       int      `json:"count"`
	Total       int      `json:"total"` // the sum of every figure, whatever it counts
	ByKind      []Count  `json:"by_kind"`
	ByReason    []Count  `json:"by_reason"`
	ByMechanism []Count  `json:"by_mechanism"`
	Figures     []Figure `json:"figures"`
	// Register is true when the register holds releases or judgments, so
	// that its counts stand beside the declared ones.
	Register bool `json:"register"`
}

// declared sums the standalone declarations (those declared by the report's
// date) and sets the register's count beside each where it can: releases
// nationwide or from a registered facility, cases cleared nationwide, over
// the declaration's own period.
func declared(ctx context.Context, st store.Store, ds []domain.Declaration) (*DeclaredSummary, error) {
	out := &DeclaredSummary{ByKind: []Count{}, ByReason: []Count{}, ByMechanism: []Count{}, Figures: []Figure{}}
	if len(ds) == 0 {
		return out, nil
	}
	// The register's spans: one read of releases for all of them.
	from, to := domain.NoDate, domain.NoDate
	for _, d := range ds {
		end := d.AsOf
		if end == domain.NoDate {
			end = d.Date
		}
		start := d.From
		if start == domain.NoDate {
			start = domain.MustDate("1900-01-01")
		}
		if from == domain.NoDate || start < from {
			from = start
		}
		to = max(to, end)
	}
	rows, err := st.ReleaseRows(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("reading releases: %w", err)
	}
	verdicts, err := st.CountEvents(ctx, domain.KVerdict, from, to)
	if err != nil {
		return nil, fmt.Errorf("counting judgments: %w", err)
	}
	haveReleases := len(rows) > 0
	out.Register = haveReleases || verdicts > 0
	byKind, byReason, byMech := map[string]int{}, map[string]int{}, map[string]int{}
	for _, d := range ds {
		end := d.AsOf
		if end == domain.NoDate {
			end = d.Date
		}
		kind := d.Kind("")
		f := Figure{Date: d.Date.String(), AsOf: end.String(), Counts: string(kind), Figure: d.Figure, Facility: d.Facility,
			Area: d.Area, Mechanism: string(d.Mechanism), Reasons: d.Reasons, Group: string(d.Group), Population: d.PopulationBefore,
			DeclaredBy: d.DeclaredBy, Source: d.Source, Note: d.Note}
		if d.From != domain.NoDate {
			f.From = d.From.String()
		}
		nationwide := strings.EqualFold(strings.TrimSpace(d.Area), domain.Nationwide)
		var rec *int
		switch {
		case kind == domain.DeclaredReleases && haveReleases && (nationwide || d.Facility != ""):
			n := 0
			for _, r := range rows {
				if r.Date > end || (d.From != domain.NoDate && r.Date < d.From) {
					continue
				}
				if d.Facility != "" && r.Facility != d.Facility {
					continue
				}
				if d.Mechanism != "" && r.Mechanism != d.Mechanism {
					continue
				}
				if d.Group != "" && !slices.Contains(GroupsOf(r), d.Group) {
					continue
				}
				n++
			}
			rec = &n
		case kind == domain.DeclaredCleared && verdicts > 0 && nationwide:
			start := d.From
			if start == domain.NoDate {
				start = from
			}
			n, err := st.CountEvents(ctx, domain.KVerdict, start, end)
			if err != nil {
				return nil, fmt.Errorf("counting judgments: %w", err)
			}
			rec = &n
		}
		if rec != nil {
			diff := d.Figure - *rec
			f.Recorded, f.Difference = rec, &diff
		}
		out.Figures = append(out.Figures, f)
		out.Count++
		out.Total += d.Figure
		byKind[string(kind)] += d.Figure
		for _, r := range d.Reasons {
			byReason[r] += d.Figure
		}
		if d.Mechanism != "" {
			byMech[string(d.Mechanism)] += d.Figure
		}
	}
	for _, k := range domain.DeclaredKinds {
		if n, ok := byKind[string(k)]; ok {
			out.ByKind = append(out.ByKind, Count{string(k), n})
		}
	}
	out.ByReason = sortedCounts(byReason)
	out.ByMechanism = sortedCounts(byMech)
	return out, nil
}

func sortedCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
