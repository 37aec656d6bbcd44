package plan

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
)

const (
	js = domain.MechBail
	cr = domain.MechConditional
	rp = domain.MechPardon
	ss = domain.MechSuspended
	sr = domain.MechReduction
)

func pack(t *testing.T) *rules.Pack {
	t.Helper()
	p, err := rules.Load(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// person is a screening result built by hand.
type person struct {
	id, fac    string
	unlawful   int // 0 no, 1 on confirmed law, 2 only on law not yet confirmed
	prio       int
	mechs      []domain.Mechanism
	traits     screening.Traits
	daysLeft   int
	noDaysLeft bool
}

func (p person) result() screening.Result {
	r := screening.Result{Person: p.id, Facility: p.fac, Unlawful: p.unlawful > 0, ConfirmedLaw: p.unlawful == 1, Priority: p.prio,
		Traits: p.traits}
	if r.Traits.Age == 0 {
		r.Traits.Age = 30
	}
	if !p.noDaysLeft {
		r.Traits.DaysLeft, r.Traits.HasDaysLeft = p.daysLeft, p.daysLeft != 0
	}
	for _, m := range p.mechs {
		r.Fired = append(r.Fired, screening.Fired{Rule: "EL-" + string(m), Kind: rules.Eligible, Mechanism: m})
	}
	return r
}

// register is the small register every test plans for, worked out by hand:
//
//	A: capacity 8, 14 held, cells 13.6 + 10.2 m² (all measured)
//	   a01 unlawful (confirmed law), a02 unlawful (unconfirmed law only, aged 70)
//	   a03 priority 5, judicial supervision; aged 65 and ill
//	   a04 priority 3, conditional release; violent felony
//	   a05 priority 3, royal pardon and conditional release (the pack prefers conditional release); minor offence
//	   a06 priority 2, judicial supervision; drug, minor offence
//	   a07 priority 1, suspended sentence; felony
//	   a08..a14 not eligible
//	B: capacity 3, 6 held, two cells, one measured
//	   b01 priority 3, judicial supervision, aged 16
//	   b02 priority 3, judicial supervision, pregnant mother
//	   b03 priority 1, sentence reduction with 400 days left (a reduction of at most 12 months does not release)
//	   b04 sentence reduction, 100 days left
//	   b05, b06 not eligible
//	C: capacity 10, 4 held, no cells: c01 unlawful (confirmed), c02 priority 4 judicial supervision, c03, c04
func register() ([]screening.Result, []FacilityIn) {
	ps := []person{
		{id: "a01", fac: "A", unlawful: 1},
		{id: "a02", fac: "A", unlawful: 2, prio: 2, traits: screening.Traits{Age: 70}},
		{id: "a03", fac: "A", prio: 5, mechs: []domain.Mechanism{js}, traits: screening.Traits{Age: 65, Ill: true, Chronic: true}},
		{id: "a04", fac: "A", prio: 3, mechs: []domain.Mechanism{cr}, traits: screening.Traits{Violent: true, Felony: true}},
		{id: "a05", fac: "A", prio: 3, mechs: []domain.Mechanism{rp, cr}, traits: screening.Traits{Minor: true}},
		{id: "a06", fac: "A", prio: 2, mechs: []domain.Mechanism{js}, traits: screening.Traits{Drug: true, Minor: true}},
		{id: "a07", fac: "A", prio: 1, mechs: []domain.Mechanism{ss}, traits: screening.Traits{Felony: true}},
		{id: "b01", fac: "B", prio: 3, mechs: []domain.Mechanism{js}, traits: screening.Traits{Age: 16}},
		{id: "b02", fac: "B", prio: 3, mechs: []domain.Mechanism{js}, traits: screening.Traits{Pregnant: true, Mother: true}},
		{id: "b03", fac: "B", prio: 1, mechs: []domain.Mechanism{sr}, daysLeft: 400},
		{id: "b04", fac: "B", mechs: []domain.Mechanism{sr}, daysLeft: 100},
		{id: "c01", fac: "C", unlawful: 1},
		{id: "c02", fac: "C", prio: 4, mechs: []domain.Mechanism{js}},
	}
	for i := 8; i <= 14; i++ {
		ps = append(ps, person{id: fmt.Sprintf("a%02d", i), fac: "A"})
	}
	ps = append(ps, person{id: "b05", fac: "B"}, person{id: "b06", fac: "B"}, person{id: "c03", fac: "C"}, person{id: "c04", fac: "C"})
	var rs []screening.Result
	// Given in reverse: the plan must order them itself.
	for i := len(ps) - 1; i >= 0; i-- {
		rs = append(rs, ps[i].result())
	}
	est := []FacilityIn{
		{ID: "A", Name: "Prison A", Capacity: 8, Cells: 2, Measured: 2, AreaM2: 13.6 + 10.2},
		{ID: "B", Name: "Prison B", Capacity: 3, Cells: 2, Measured: 1, AreaM2: 20},
		{ID: "C", Name: "Prison C", Capacity: 10},
	}
	return rs, est
}

func compute(t *testing.T, opt Options) *Plan {
	t.Helper()
	rs, est := register()
	p, err := Compute(domain.MustDate("2020-06-30"), pack(t), rs, est, opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fac(t *testing.T, p *Plan, id string) Facility {
	t.Helper()
	for _, f := range p.Facilities {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no facility %s in the plan", id)
	return Facility{}
}

func ids(p *Plan, facility string) string {
	var out []string
	for _, x := range p.People {
		if x.Facility == facility {
			out = append(out, x.ID+":"+string(x.Mechanism))
		}
	}
	return strings.Join(out, " ")
}

func TestCapacityTarget(t *testing.T) {
	p := compute(t, Options{Target: Target{Kind: TargetCapacity}})
	a := fac(t, p, "A")
	// 14 held, capacity 8: 6 to release; the two held unlawfully, then
	// a03, a04, a05 (conditional release preferred to pardon), a06; a02
	// first of the two, by priority (screening.Sort).
	if a.Population != 14 || a.Before != 14 || a.Need != 6 || a.Releases != 6 || a.After != 8 || a.Gap != 0 ||
		a.Unlawful != 2 || a.UnlawfulUnconfirmed != 1 {
		t.Errorf("A: %+v", a)
	}
	if got, want := ids(p, "A"), "a02:release_unlawful a01:release_unlawful a03:judicial_supervision a04:conditional_release a05:conditional_release a06:judicial_supervision"; got != want {
		t.Errorf("A's people:\n got %s\nwant %s", got, want)
	}
	if want := map[string]int{"release_unlawful": 2, "judicial_supervision": 2, "conditional_release": 2, "royal_pardon": 0,
		"suspended_sentence": 0, "sentence_reduction": 0}; !reflect.DeepEqual(a.ByMechanism, want) {
		t.Errorf("A by mechanism %v, want %v", a.ByMechanism, want)
	}
	// a02 (70) and a03 (65) older; a03 ill; a05 and a06 minor offences.
	if want := map[string]int{"older": 2, "ill": 1, "pregnant": 0, "mothers": 0, "children": 0, "minor_offence": 2}; !reflect.DeepEqual(a.ByGroup, want) {
		t.Errorf("A by group %v, want %v", a.ByGroup, want)
	}
	if *a.OccupancyBefore != 175 || *a.OccupancyAfter != 100 {
		t.Errorf("A occupancy %v -> %v, want 175 -> 100", *a.OccupancyBefore, *a.OccupancyAfter)
	}
	// B: 6 held, capacity 3: b01, b02, then b04 (b03's 400 days are more
	// than a reduction can take off).
	b := fac(t, p, "B")
	if b.Need != 3 || b.Releases != 3 || b.After != 3 || b.Gap != 0 || ids(p, "B") != "b01:judicial_supervision b02:judicial_supervision b04:sentence_reduction" {
		t.Errorf("B: %+v, people %s", b, ids(p, "B"))
	}
	if b.ByGroup["children"] != 1 || b.ByGroup["pregnant"] != 1 || b.ByGroup["mothers"] != 1 {
		t.Errorf("B by group %v", b.ByGroup)
	}
	// C is under capacity: only its unlawfully held person.
	c := fac(t, p, "C")
	if c.Need != 0 || c.Releases != 1 || c.After != 3 || ids(p, "C") != "c01:release_unlawful" {
		t.Errorf("C: %+v, people %s", c, ids(p, "C"))
	}
	n := p.National
	if p.TotalReleases != 10 || p.UnlawfulIncluded != 3 || p.UnlawfulUnconfirmed != 1 || n.Population != 24 || n.Capacity != 21 ||
		n.Need != 9 || n.After != 14 || n.Gap != 0 || n.ByMechanism["judicial_supervision"] != 4 || len(p.People) != 10 {
		t.Errorf("national: total %d unlawful %d/%d %+v", p.TotalReleases, p.UnlawfulIncluded, p.UnlawfulUnconfirmed, n)
	}
	if len(p.Costs) != 0 {
		t.Errorf("no choice made, yet costs %v", p.Costs)
	}
	for _, x := range p.People {
		if x.Authority == "" || strings.Contains(x.Authority, "not declared") {
			t.Errorf("%s has no authority: %+v", x.ID, x)
		}
	}
}

func TestChoicesAndTheirCost(t *testing.T) {
	// No judicial supervision this month, and no one charged with violence.
	mechs := []domain.Mechanism{ss, cr, rp, sr}
	p := compute(t, Options{Target: Target{Kind: TargetCapacity}, Mechanisms: mechs, Exclude: []Exclusion{ExcludeViolent}})
	// A: a01, a02, then a03 (judicial supervision only) and a04 (violent)
	// are passed over: a05, a06 (js) passed over, a07 suspended: 4 of 6.
	a := fac(t, p, "A")
	if a.Releases != 4 || a.Gap != 2 || a.After != 10 || ids(p, "A") != "a02:release_unlawful a01:release_unlawful a05:conditional_release a07:suspended_sentence" {
		t.Errorf("A: %+v, people %s", a, ids(p, "A"))
	}
	// B: only b04.
	b := fac(t, p, "B")
	if b.Releases != 1 || b.Gap != 2 {
		t.Errorf("B: %+v", b)
	}
	// Judicial supervision back: A a01 a02 a03 a05 a06 a07 (6, lost 2), B
	// b01 b02 b04 (3, lost 2), C unchanged. Violent back: A a01 a02 a04 a05
	// a07 (5, lost 1).
	want := []Cost{
		{Choice: "mechanism_disabled", Value: "judicial_supervision", Lost: 4, ByFacility: map[string]int{"A": 2, "B": 2}},
		{Choice: "excluded", Value: "violent", Lost: 1, ByFacility: map[string]int{"A": 1}},
	}
	if !reflect.DeepEqual(p.Costs, want) {
		t.Errorf("costs\n got %+v\nwant %+v", p.Costs, want)
	}
	if p.National.Gap != 4 || p.TotalReleases != 6 {
		t.Errorf("national gap %d, releases %d; want 4, 6", p.National.Gap, p.TotalReleases)
	}
	// Held unlawfully: never excluded, whatever is switched off.
	p = compute(t, Options{Target: Target{Kind: TargetCapacity}, Mechanisms: []domain.Mechanism{}, Exclude: Exclusions})
	if p.UnlawfulIncluded != 3 || p.TotalReleases != 3 {
		t.Errorf("every mechanism off: %d releases, %d unlawful; want 3, 3", p.TotalReleases, p.UnlawfulIncluded)
	}
}

func TestDensityTarget(t *testing.T) {
	p := compute(t, Options{Target: Target{Kind: TargetDensity, M2: 3.4}})
	// A: 23.8 m² / 3.4 = 7 people: 7 to release, everyone eligible (2 + 5).
	a := fac(t, p, "A")
	if a.Basis != "density" || *a.TargetPopulation != 7 || a.Need != 7 || a.Releases != 7 || a.Gap != 0 {
		t.Errorf("A: %+v", a)
	}
	// B and C: cells not all measured, back to capacity, and said.
	b, c := fac(t, p, "B"), fac(t, p, "C")
	if b.Basis != "capacity" || b.Need != 3 || !strings.Contains(b.Note, "1 of 2 cells measured") || c.Basis != "capacity" {
		t.Errorf("B %+v, C %+v", b, c)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "2 facilities") {
		t.Errorf("notes %q", p.Notes)
	}
	// 3.4 m² for A's 14 is 47.6 m²: at 1.7 m² 14 fit, nothing to release
	// but those held unlawfully.
	p = compute(t, Options{Target: Target{Kind: TargetDensity, M2: 1.7}})
	if a := fac(t, p, "A"); *a.TargetPopulation != 14 || a.Need != 0 || a.Releases != 2 {
		t.Errorf("A at 1.7 m²: %+v", a)
	}
}

func TestReleasesTarget(t *testing.T) {
	// Excess over capacity: A 6, B 3, C 0. Six releases: A 6×6/9 = 4, B 2.
	p := compute(t, Options{Target: Target{Kind: TargetReleases, N: 6}})
	if a, b, c := fac(t, p, "A"), fac(t, p, "B"), fac(t, p, "C"); a.Need != 4 || a.Releases != 4 || b.Need != 2 || b.Releases != 2 || c.Need != 0 || c.Releases != 1 {
		t.Errorf("releases:6: A %d/%d, B %d/%d, C %d/%d", a.Need, a.Releases, b.Need, b.Releases, c.Need, c.Releases)
	}
	if p.TotalReleases != 7 || p.National.Need != 6 {
		t.Errorf("releases:6: %d releases for a need of %d; want 7 (one unlawful in C), 6", p.TotalReleases, p.National.Need)
	}
	// Twelve: the excess (9) in full, the 3 left by population (14, 6, 4):
	// 1.75, 0.75, 0.5, so A 1, then the largest remainders A (0.75, larger
	// facility) and B (0.75): A 6+2 = 8, B 3+1 = 4, C 0.
	p = compute(t, Options{Target: Target{Kind: TargetReleases, N: 12}})
	a, b, c := fac(t, p, "A"), fac(t, p, "B"), fac(t, p, "C")
	if a.Need != 8 || b.Need != 4 || c.Need != 0 {
		t.Fatalf("releases:12 needs A %d B %d C %d; want 8 4 0", a.Need, b.Need, c.Need)
	}
	// A can release 7 (2 + 5 eligible), B 3 (b03 cannot): a gap of 1 each.
	if a.Releases != 7 || a.Gap != 1 || b.Releases != 3 || b.Gap != 1 || p.National.Gap != 2 || p.TotalReleases != 11 {
		t.Errorf("releases:12: A %d gap %d, B %d gap %d, national gap %d total %d", a.Releases, a.Gap, b.Releases, b.Gap, p.National.Gap, p.TotalReleases)
	}
	// A pledge that still needs 6 is shared like releases:6.
	p = compute(t, Options{Target: Target{Kind: TargetPledge, Pledge: "x"}, PledgeNeeds: 6})
	if fac(t, p, "A").Need != 4 || fac(t, p, "B").Need != 2 || p.Target != "pledge:x" {
		t.Errorf("pledge needing 6: %+v", p.Facilities)
	}
}

func TestFacilityFilter(t *testing.T) {
	p := compute(t, Options{Target: Target{Kind: TargetReleases, N: 6}, Facility: "B"})
	if len(p.Facilities) != 1 || p.Facilities[0].Need != 2 || p.TotalReleases != 2 || len(p.People) != 2 {
		t.Errorf("B only: %+v", p)
	}
	rs, est := register()
	if _, err := Compute(domain.MustDate("2020-06-30"), pack(t), rs, est, Options{Target: Target{Kind: TargetCapacity}, Facility: "Z"}); err == nil || !strings.Contains(err.Error(), "facility") {
		t.Errorf("unknown facility: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	pk := pack(t)
	for _, c := range []struct{ in, field string }{
		{"", "target"}, {"capasity", "target"}, {"density", "target"}, {"density:abc", "target"}, {"density:-1", "target"},
		{"releases:ten", "target"}, {"releases:-3", "target"}, {"releases:2.5", "target"}, {"pledge:", "target"}, {"capacity:3", "target"},
	} {
		if _, err := ParseTarget(c.in); err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
			t.Errorf("target %q: %v", c.in, err)
		}
	}
	for in, want := range map[string]Target{"capacity": {Kind: TargetCapacity}, "density:3.4": {Kind: TargetDensity, M2: 3.4},
		"releases:10000": {Kind: TargetReleases, N: 10000}, "pledge:release-10000": {Kind: TargetPledge, Pledge: "release-10000"}} {
		if got, err := ParseTarget(in); err != nil || got != want || got.String() != in {
			t.Errorf("target %q: %+v, %v", in, got, err)
		}
	}
	if _, err := ParseExclusions("violent,theft"); err == nil || !strings.HasPrefix(err.Error(), "exclude:") || !strings.Contains(err.Error(), `"theft"`) {
		t.Errorf("exclusion theft: %v", err)
	}
	if ex, err := ParseExclusions(" drug, grave,drug "); err != nil || !reflect.DeepEqual(ex, []Exclusion{ExcludeDrug, ExcludeGrave}) {
		t.Errorf("drug, grave: %v %v", ex, err)
	}
	if _, err := ParseMechanisms("royal_pardon,amnesty", pk); err == nil || !strings.HasPrefix(err.Error(), "mechanisms:") || !strings.Contains(err.Error(), `"amnesty"`) {
		t.Errorf("amnesty (not a mechanism of the pack): %v", err)
	}
	if m, err := ParseMechanisms("", pk); err != nil || !reflect.DeepEqual(m, []domain.Mechanism{js, ss, cr, rp, sr}) {
		t.Errorf("all mechanisms: %v %v", m, err)
	}
}
