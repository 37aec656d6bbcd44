package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
)

func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.4f, want within [%.4f, %.4f]", what, got, lo, hi)
	}
}

// TestCalibration checks the full-scale register against the published
// figures it is calibrated to (domain.md section 1).
func TestCalibration(t *testing.T) {
	st := fullRegister(t)
	reg := st.reg
	t.Logf("%d events, %d persons (%.2f events a person), %d with more than one stay", reg.events, reg.persons,
		float64(reg.events)/float64(reg.persons), st.multiEpisode)

	if !reg.facFirst {
		t.Error("facility or cell events came after person events")
	}
	if !reg.contiguous {
		t.Error("a person's events are not contiguous")
	}
	if reg.byKind[domain.KCorrection] != 0 || reg.byKind[domain.KCensus] != 0 {
		t.Error("the demo must not emit corrections or census records")
	}
	if epp := float64(reg.events-reg.byKind[domain.KFacility]-reg.byKind[domain.KCell]) / float64(reg.persons); epp > 5.6 {
		t.Errorf("%.2f events a person, want about 5", epp)
	}

	// Population of the prison system.
	if got := st.pop[S]; got != basePeople {
		t.Errorf("population on %s = %d, want exactly %d", S, got, basePeople)
	}
	within(t, "population at the end of 2016", float64(st.pop[20161231]), 21900*0.99, 21900*1.01)
	within(t, "growth January 2017 to March 2020", float64(st.pop[S])/float64(st.pop[20170101]), 1.75, 1.81)
	months := monthEnds()
	for i := 1; i < len(months); i++ {
		prev, cur := st.monthly[i-1], st.monthly[i]
		switch d := months[i]; {
		case d <= S && cur < prev:
			t.Errorf("population falls from %d to %d in the month to %s", prev, cur, d)
		case d > 20200430 && cur > prev:
			t.Errorf("population rises from %d to %d in the month to %s, during the 2020 releases", prev, cur, d)
		}
	}
	if st.pop[End] >= st.pop[S] || st.pop[End] < st.pop[S]*85/100 {
		t.Errorf("population at the end of 2020 = %d: want a slow decline from %d", st.pop[End], st.pop[S])
	}

	// Composition on 31 March 2020.
	n := float64(st.pop[S])
	within(t, "share not finally convicted", float64(st.notFinal)/n, 0.73, 0.76)
	within(t, "share untried", float64(st.untried)/n, 0.30, 0.42)
	within(t, "share convicted awaiting appeal", float64(st.appeal)/n, 0.30, 0.42)
	within(t, "share of women", float64(st.women)/n, 0.07, 0.09)
	within(t, "share of minors", float64(st.minors)/n, 0.03, 0.05)
	within(t, "share of foreigners", float64(st.foreign)/n, 0.02, 0.06)
	t.Logf("31 March 2020: not final %.3f (untried %.3f, awaiting appeal %.3f), women %.3f, minors %.3f, foreigners %.3f",
		float64(st.notFinal)/n, float64(st.untried)/n, float64(st.appeal)/n, float64(st.women)/n,
		float64(st.minors)/n, float64(st.foreign)/n)

	// Capacity and crowding.
	capSum, over, facilities := 0, 0, 0
	for id, k := range reg.kinds {
		if !inPrisonSystem(k) {
			continue
		}
		facilities++
		capSum += reg.capacity[id]
		if st.byFacility[id] > reg.capacity[id] {
			over++
		}
	}
	if facilities != 28 {
		t.Errorf("%d facilities in the prison system, want 28", facilities)
	}
	if capSum != officialCapacity {
		t.Errorf("prison-system capacity %d, want %d", capSum, officialCapacity)
	}
	within(t, "national occupancy", n/float64(capSum), 1.46, 1.47)
	if over*2 <= facilities {
		t.Errorf("%d of %d facilities over capacity, want most", over, facilities)
	}
	within(t, "CC1 population", float64(st.byFacility["CC1"]), 9000, 11000)
	best, bestN := "", 0
	for c, k := range st.byCell {
		if k > bestN || (k == bestN && c < best) {
			best, bestN = c, k
		}
		if _, ok := reg.cells[c]; !ok {
			t.Errorf("people held in %s, which is not a registered cell", c)
		}
	}
	if bestN < 530 || best[:4] != "CC1/" {
		t.Errorf("largest cell %s holds %d, want a CC1 cell with at least 530", best, bestN)
	}
	t.Logf("%d of %d facilities over capacity; CC1 holds %d; largest cell %s: %d", over, facilities, st.byFacility["CC1"], best, bestN)

	// Children living with their mothers.
	if got := st.children[20151231]; got != 30 {
		t.Errorf("children with their mothers at the end of 2015 = %d, want 30", got)
	}
	if got := st.children[20200630]; got != 101 {
		t.Errorf("children with their mothers in June 2020 = %d, want 101", got)
	}
	if c := st.children[20181231]; c <= 30 || c >= 101 {
		t.Errorf("children with their mothers at the end of 2018 = %d, want between the two figures", c)
	}

	// Drug offences since the 2017 campaign.
	within(t, "admissions on drug charges 2017-01-01..2020-07-23", float64(st.drugAdmissions), 55770*0.97, 55770*1.03)

	// Releases of the 2020 reforms.
	total := 0
	for _, m := range []domain.Mechanism{domain.MechBail, domain.MechPardon, domain.MechReduction, domain.MechConditional} {
		total += st.reformReleases[m]
		if st.reformReleases[m] < 100 {
			t.Errorf("%d releases by %s from May 2020", st.reformReleases[m], m)
		}
	}
	if total < 2000 || total > 15000 {
		t.Errorf("%d releases by bail, pardon, reduction or conditional release from May 2020: want a few thousand", total)
	}
	t.Logf("releases May-December 2020: %v", st.reformReleases)
	if st.multiEpisode < reg.persons/100 {
		t.Errorf("only %d people admitted more than once", st.multiEpisode)
	}
}

// TestLegalSituations checks that every rule of the Cambodia pack would find
// people on the default screening date, and on 31 March 2020, while most
// people are held lawfully.
func TestLegalSituations(t *testing.T) {
	st := fullRegister(t)
	for _, id := range ruleIDs {
		end, mar := st.situations[End][id], st.situations[S][id]
		t.Logf("%-16s %6d on %s, %6d on %s", id, end, End, mar, S)
		if end < 3 {
			t.Errorf("%s: %d people on %s, want at least a few", id, end, End)
		}
		if mar < 1 {
			t.Errorf("%s: nobody on %s", id, S)
		}
	}
	// A few records are wrong, as in any register: screening lists them
	// under data to check.
	for _, id := range checkIDs {
		end := st.situations[End][id]
		t.Logf("%-16s %6d on %s", id, end, End)
		if end < 1 || float64(end)/float64(st.situations[End]["held"]) > 0.01 {
			t.Errorf("%s: %d people on %s, want a few (at most 1%% of those held)", id, end, End)
		}
	}
	for _, d := range []domain.Date{S, End} {
		held, unlawful := st.situations[d]["held"], st.situations[d]["unlawful"]
		if held == 0 || float64(unlawful)/float64(held) > 0.15 {
			t.Errorf("%s: %d of %d held in a situation an LB rule flags: most should be lawful", d, unlawful, held)
		}
	}
}

// TestScaled checks a smaller register: exact population and children, and
// capacities scaled with their exact sum.
func TestScaled(t *testing.T) {
	opt := Options{Seed: 7, People: 5000}
	st := measure(t, opt)
	scale := 5000.0 / basePeople
	if st.pop[S] != 5000 {
		t.Errorf("population on %s = %d, want 5000", S, st.pop[S])
	}
	if want := round(21900 * scale); st.pop[20161231] != want {
		t.Errorf("population at the end of 2016 = %d, want %d", st.pop[20161231], want)
	}
	if want := round(101 * scale); st.children[20200630] != want {
		t.Errorf("children in June 2020 = %d, want %d", st.children[20200630], want)
	}
	if want := round(30 * scale); st.children[20151231] != want {
		t.Errorf("children at the end of 2015 = %d, want %d", st.children[20151231], want)
	}
	capSum := 0
	for id, k := range st.reg.kinds {
		if inPrisonSystem(k) {
			capSum += st.reg.capacity[id]
		}
	}
	if want := round(officialCapacity * scale); capSum != want {
		t.Errorf("scaled capacity %d, want %d", capSum, want)
	}
	n := float64(st.pop[S])
	within(t, "share not finally convicted", float64(st.notFinal)/n, 0.71, 0.78)
	within(t, "share of women", float64(st.women)/n, 0.06, 0.10)
	within(t, "drug admissions (scaled)", float64(st.drugAdmissions), 55770*scale*0.95, 55770*scale*1.05)
}

// TestTiny checks that very small registers still come out right.
func TestTiny(t *testing.T) {
	for _, n := range []int{1, 2, 13, 100} {
		st := measure(t, Options{Seed: 3, People: n})
		if st.pop[S] != n {
			t.Errorf("People=%d: population on %s = %d", n, S, st.pop[S])
		}
	}
}

// digest returns the SHA-256 of the JSON of every event, one a line.
func digest(t *testing.T, opt Options) ([32]byte, int) {
	t.Helper()
	h := sha256.New()
	n := 0
	err := Generate(context.Background(), opt, func(ev *domain.Event) error {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		h.Write(b)
		h.Write([]byte{'\n'})
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out, n
}

func TestDeterminism(t *testing.T) {
	a, na := digest(t, Options{Seed: 42, People: 3000})
	b, nb := digest(t, Options{Seed: 42, People: 3000})
	if a != b || na != nb {
		t.Errorf("two runs with the same seed differ (%d and %d events)", na, nb)
	}
	c, _ := digest(t, Options{Seed: 43, People: 3000})
	if a == c {
		t.Error("different seeds give the same register")
	}
}

// TestInterchange checks that every event survives the strict decoding of
// the interchange format unchanged.
func TestInterchange(t *testing.T) {
	n := 0
	err := Generate(context.Background(), Options{Seed: 5, People: 1500}, func(ev *domain.Event) error {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		back, err := domain.DecodeEvent(b)
		if err != nil {
			return errors.New(string(b) + ": " + err.Error())
		}
		b2, err := json.Marshal(back)
		if err != nil {
			return err
		}
		if !bytes.Equal(b, b2) {
			return errors.New("round trip changed " + string(b) + " into " + string(b2))
		}
		if _, err := time.Parse(time.RFC3339, ev.RecordedAt); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no events")
	}
}

func TestStops(t *testing.T) {
	stop := errors.New("enough")
	n := 0
	err := Generate(context.Background(), Options{Seed: 1, People: 2000}, func(*domain.Event) error {
		n++
		if n == 5000 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5000 {
		t.Errorf("emit error: got %v after %d events", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Generate(ctx, Options{Seed: 1}, func(*domain.Event) error {
		n++
		if n == 1000 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v after %d events", err, n)
	}
	if err := Generate(context.Background(), Options{People: -1}, func(*domain.Event) error { return nil }); err == nil {
		t.Error("negative People accepted")
	}
}

// TestFacilities checks the estate against domain.md section 2.
func TestFacilities(t *testing.T) {
	facs := Facilities(Options{})
	byID := map[string]Facility{}
	count := map[domain.FacilityKind]int{}
	capSum := 0
	provincial := 0
	for _, f := range facs {
		if _, dup := byID[f.ID]; dup {
			t.Errorf("duplicate facility %s", f.ID)
		}
		byID[f.ID] = f
		count[f.Kind]++
		if inPrisonSystem(f.Kind) {
			capSum += f.Capacity
			if len(f.ID) > 3 && f.ID[:3] == "PP-" {
				provincial++
			}
		}
		cells, labels := 0, map[string]bool{}
		for _, c := range f.Cells {
			cells += c.Capacity
			if labels[c.Label] {
				t.Errorf("%s: duplicate cell %s", f.ID, c.Label)
			}
			labels[c.Label] = true
			if c.Category != catMen && c.Category != catWomen && c.Category != catJuvenile {
				t.Errorf("%s/%s: category %q", f.ID, c.Label, c.Category)
			}
		}
		if cells != f.Capacity {
			t.Errorf("%s: cells hold %d, facility capacity %d", f.ID, cells, f.Capacity)
		}
		known := false
		for _, p := range provinces {
			known = known || p.name == f.Province
		}
		if !known {
			t.Errorf("%s: province %q", f.ID, f.Province)
		}
	}
	if count[domain.CorrectionalCentre] != 4 || count[domain.Prison] != 24 || provincial != 23 {
		t.Errorf("estate: %d correctional centres, %d prisons of which %d provincial; want 4, 24 (23 + military)",
			count[domain.CorrectionalCentre], count[domain.Prison], provincial)
	}
	if capSum != officialCapacity {
		t.Errorf("capacity %d, want %d", capSum, officialCapacity)
	}
	for id, want := range map[string]int{"CC1": 1700, "CC2": 300, "CC4": 2500, "PP-KDL": 314, "PP-KTM": 50, "PP-BTB": 650, "PP-SRP": 1000} {
		if byID[id].Capacity != want {
			t.Errorf("%s capacity %d, want %d", id, byID[id].Capacity, want)
		}
	}
	if f := byID["DC-PSH"]; f.Kind != domain.DrugCentre || f.Province != "Preah Sihanouk" || f.Capacity != 1200 {
		t.Errorf("national drug centre: %+v", f)
	}
	if count[domain.DrugCentre] < 5 || count[domain.PoliceCustody] < 1 || count[domain.JuvenileCentre] != 1 {
		t.Errorf("other facilities: %v", count)
	}
	// Scaled capacities still sum exactly.
	for _, n := range []int{1000, 5000, 123457, 1000000} {
		sum := 0
		for _, f := range Facilities(Options{People: n}) {
			if inPrisonSystem(f.Kind) {
				sum += f.Capacity
			}
		}
		if want := round(officialCapacity * float64(n) / basePeople); sum != want {
			t.Errorf("People=%d: capacity %d, want %d", n, sum, want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	events := 0
	for b.Loop() {
		err := Generate(context.Background(), Options{Seed: 1, People: 100000}, func(*domain.Event) error {
			events++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(math.Round(float64(events)/float64(b.N)), "events/op")
}
