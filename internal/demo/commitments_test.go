package demo

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

// The demo carries the promises of 2020 that the public report measures
// (domain.md section 1): the 10,000-release pledge, the six-month backlog
// campaign with the 3,500 cases declared cleared by July, the announced
// alternatives to detention and the statement's demands.
func TestDemoCommitments(t *testing.T) {
	reg := fold(t, Options{Seed: 1, People: 300})
	c := domain.FoldCommitments(reg.commitments, End)
	pledges := map[string]*domain.Pledge{}
	for _, p := range c.Pledges {
		pledges[p.ID] = p
	}
	rel := pledges["release-10000"]
	if rel == nil || rel.Target != 10000 || rel.Kind != domain.PledgeReleases || rel.MadeBy != "Minister of Interior" {
		t.Fatalf("release pledge: %+v", rel)
	}
	if rel.Start.String()[:7] != "2020-05" || rel.Deadline != rel.Start.AddMonths(6) {
		t.Errorf("release pledge runs %s to %s, want six months from May 2020", rel.Start, rel.Deadline)
	}
	if len(rel.Declarations) != 0 {
		t.Errorf("no release figure was published in 2020, the demo declares %d", len(rel.Declarations))
	}
	bl := pledges["backlog-campaign"]
	if bl == nil || bl.Kind != domain.PledgeBacklog || len(bl.Declarations) != 1 {
		t.Fatalf("backlog campaign: %+v", bl)
	}
	d := bl.Declarations[0]
	if d.Figure != 3500 || d.Date.String()[:7] != "2020-07" || d.Source == "" {
		t.Errorf("declared cases cleared: %+v", d)
	}
	// "under 10% of the cases targeted"
	if float64(d.Figure)/float64(bl.Target) > 0.10 {
		t.Errorf("3,500 is %.1f%% of the target %d, the statement says under 10%%", 100*float64(d.Figure)/float64(bl.Target), bl.Target)
	}
	want := map[string]domain.ReformStatus{"bail": domain.ReformStalled, "suspended-sentences": domain.ReformStalled,
		"early-conditional-release": domain.ReformStalled, "amend-drug-law": domain.ReformDemanded,
		"release-at-risk": domain.ReformDemanded, "release-without-basis": domain.ReformDemanded, "report-releases": domain.ReformDemanded}
	got := map[string]domain.ReformStatus{}
	for _, r := range c.Reforms {
		st, ok := r.Status(End)
		if !ok || r.Title == "" {
			t.Errorf("reform %s: no status or title", r.ID)
		}
		got[r.ID] = st.Status
	}
	for id, s := range want {
		if got[id] != s {
			t.Errorf("reform %s: status %q, want %q", id, got[id], s)
		}
	}
	// Before the announcement nothing was promised.
	if early := domain.FoldCommitments(reg.commitments, domain.MustDate("2020-05-14")); len(early.Pledges)+len(early.Reforms) != 0 {
		t.Errorf("commitments before May 2020: %d pledges, %d reforms", len(early.Pledges), len(early.Reforms))
	}
}
