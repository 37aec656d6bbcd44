package outbreak

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

var start = domain.MustDate("2021-04-01")

// closedParams are the defaults with everything that lets people in or out
// of the infection switched off: no staff, no community, no admissions'
// infections, no measures.
func closedParams(r0 float64) *Params {
	p := DefaultParams()
	p.R0 = [3]float64{r0, r0, r0}
	p.StaffPerResident = 0
	p.CommunityDailyIncidence = 0
	p.AdmissionInfectedShare = 0
	p.IsolationDetectedShare = 0
	p.PriorImmuneShare = 0
	p.Transmission = Frequency
	return p
}

// homogeneous is one facility of n people in one stratum (18-44, no chronic
// illness, cells).
func homogeneous(id string, n, capacity int) Facility {
	f := Facility{ID: id, Capacity: capacity}
	f.Counts[Stratum{Age: 1}.Index()] = n
	return f
}

// finalSize solves z = 1 - exp(-R0 z) by fixed-point iteration, from 1.
func finalSize(r0 float64) float64 {
	z := 1.0
	for range 1000 {
		z = 1 - math.Exp(-r0*z)
	}
	return z
}

// TestFinalSize: a closed homogeneous population of 10,000 with R0 = 3 and
// no interventions; the mean final size of the runs that take off (over
// 10% infected) agrees with the final-size equation within 1%.
func TestFinalSize(t *testing.T) {
	z := finalSize(3)
	if math.Abs(z-0.9405) > 0.001 {
		t.Fatalf("final size equation: %v, want about 0.940", z)
	}
	for _, mode := range []string{Frequency, Density} {
		p := closedParams(3)
		p.Transmission = mode
		// Hospital care takes people out of the mixing population and
		// deaths out of it for good; the final-size equation assumes a
		// closed population, so nobody is hospitalised here.
		p.HospitalisationByAge = [NAges]float64{}
		p.LMICMultiplier = 0
		p.InitialExposed = 1
		const n = 10000
		in := Input{Params: p, Facilities: []Facility{homogeneous("A", n, n)}, Start: start, Days: 365, Runs: 300, Seed: 7}
		res, err := Run(context.Background(), in, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum, took := 0.0, 0
		for _, o := range res.natBase {
			if o.Infections > 0.1*n {
				sum += o.Infections / n
				took++
			}
		}
		if took < 100 {
			t.Fatalf("%s: only %d of 300 runs took off", mode, took)
		}
		mean := sum / float64(took)
		if math.Abs(mean-z)/z > 0.01 {
			t.Errorf("%s: mean final size %.4f over %d runs that took off; want %.4f within 1%%", mode, mean, took, z)
		}
		// Some runs die out: with one case the probability of take-off of
		// a branching process is 1 - 1/R0 at most (2/3 here; less with
		// the asymptomatic cases' lower infectiousness).
		if took == 300 {
			t.Errorf("%s: every run took off from one case", mode)
		}
	}
}

// ode is the model's deterministic version for one stratum, written here
// apart from the model: S, E, A, Ir, Ih, Hr, Hd, R, D with exponential
// stays, frequency-dependent transmission over the people not in hospital.
type ode struct {
	beta, alpha, relA, ph, pd float64
	dE, dI, dLag, dStay, dDie float64
}

func (o ode) deriv(y [9]float64) [9]float64 {
	S, E, A, Ir, Ih, Hr, Hd := y[0], y[1], y[2], y[3], y[4], y[5], y[6]
	N := S + E + A + Ir + Ih + y[7]
	lam := o.beta * (o.relA*A + Ir + Ih) / N
	inf := lam * S
	eOut := E / o.dE
	var d [9]float64
	d[0] = -inf
	d[1] = inf - eOut
	d[2] = o.alpha*eOut - A/o.dI
	d[3] = (1-o.alpha)*(1-o.ph)*eOut - Ir/o.dI
	d[4] = (1-o.alpha)*o.ph*eOut - Ih/o.dLag
	d[5] = (1-o.pd)*Ih/o.dLag - Hr/o.dStay
	d[6] = o.pd*Ih/o.dLag - Hd/o.dDie
	d[7] = A/o.dI + Ir/o.dI + Hr/o.dStay
	d[8] = Hd / o.dDie
	return d
}

// rk4 integrates from y0 over days at step h, returning the state at the
// end of each day.
func (o ode) rk4(y0 [9]float64, days int, h float64) [][9]float64 {
	add := func(a, b [9]float64, k float64) [9]float64 {
		for i := range a {
			a[i] += k * b[i]
		}
		return a
	}
	y := y0
	per := int(math.Round(1 / h))
	out := make([][9]float64, 0, days)
	for range days {
		for range per {
			k1 := o.deriv(y)
			k2 := o.deriv(add(y, k1, h/2))
			k3 := o.deriv(add(y, k2, h/2))
			k4 := o.deriv(add(y, k3, h))
			for i := range y {
				y[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
			}
		}
		out = append(out, y)
	}
	return out
}

// TestStochasticMeanMatchesODE: the mean of many stochastic runs at a step
// of 0.1 day follows an RK4 integration of the same ODE (written above,
// from the model's description, not its code), for two parameter sets.
// Tolerance: 1.5% of the population on every compartment at every day; the
// chain-binomial's first-order time discretisation and the runs' sampling
// error (the standard error of a compartment's mean over 200 runs of 20,000
// is well under 0.1%) are both far inside it.
func TestStochasticMeanMatchesODE(t *testing.T) {
	for _, c := range []struct {
		name    string
		r0      float64
		alpha   float64
		ageBand int
	}{
		{"R0 3, young", 3, 0.2, 1},
		{"R0 1.8, old, half asymptomatic", 1.8, 0.5, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := closedParams(c.r0)
			p.TimeStepDays = 0.1
			p.AsymptomaticShare = c.alpha
			p.InitialExposed = 100
			const n, days, runs = 20000, 120, 200
			f := Facility{ID: "A", Capacity: n}
			f.Counts[Stratum{Age: c.ageBand}.Index()] = n
			s := Stratum{Age: c.ageBand}
			ph := p.IHR(s) / (1 - c.alpha)
			o := ode{beta: p.Beta(c.r0, &f.Counts), alpha: c.alpha, relA: p.AsymptomaticInfectiousness,
				ph: ph, pd: p.IFR(s) / p.IHR(s), dE: p.LatentDays, dI: p.InfectiousDays, dLag: p.HospitalLagDays,
				dStay: p.HospitalStayDays, dDie: p.HospitalToDeathDays}
			// The chain-binomial keeps a person in a state of mean D for a
			// whole number of steps, geometric with mean dt/(1-exp(-dt/D))
			// (about D + dt/2): the continuous model it approximates has
			// those means, and the model's beta.
			geo := func(d float64) float64 { return 0.1 / (1 - math.Exp(-0.1/d)) }
			o.dE, o.dI, o.dLag, o.dStay, o.dDie = geo(o.dE), geo(o.dI), geo(o.dLag), geo(o.dStay), geo(o.dDie)
			var y0 [9]float64
			y0[0], y0[1] = n-100, 100
			want := o.rk4(y0, days, 0.1)

			mean := make([][nComp]float64, days)
			m := &sim{p: p, sv: p.severity(), src: rand.NewPCG(1, 2)}
			m.rng = rand.New(m.src)
			for r := range runs {
				m.src.Seed(uint64(r), 99)
				m.trace = func(tm float64, tot [nComp]float64) {
					d := int(math.Round(tm * 10)) // steps of 0.1
					if d%10 != 0 {
						return
					}
					for i := range tot {
						mean[d/10-1][i] += tot[i] / runs
					}
				}
				m.run(&f, days, c.r0, nil)
			}
			// Check the mapping: the model's order of compartments is the ODE's.
			worst := 0.0
			for d := range days {
				for i := range nComp {
					diff := math.Abs(mean[d][i]-want[d][i]) / n
					worst = math.Max(worst, diff)
					if diff > 0.015 {
						t.Fatalf("day %d compartment %d: stochastic mean %.1f, ODE %.1f (%.2f%% of N)", d+1, i, mean[d][i], want[d][i], 100*diff)
					}
				}
			}
			// The epidemic happened: R at the end is well above zero.
			if want[days-1][7] < 0.3*n {
				t.Fatalf("the ODE's epidemic is too small to test anything: R = %.0f", want[days-1][7])
			}
			t.Logf("largest difference %.3f%% of the population", 100*worst)
		})
	}
}

// TestNoInfectiousNoCases: nobody infectious and no importation: no case,
// whatever the admissions and releases.
func TestNoInfectiousNoCases(t *testing.T) {
	p := closedParams(3)
	p.InitialExposed = 0
	p.StaffPerResident = 0.2 // staff, but the community is clean
	f := homogeneous("A", 2000, 500)
	f.AdmissionsPerDay, f.ReleasesPerDay = 10, 10
	res, err := Run(context.Background(), Input{Params: p, Facilities: []Facility{f}, Start: start, Days: 180, Runs: 50, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for r, o := range res.natBase {
		if o != (outcome{}) {
			t.Fatalf("run %d: %+v with no one infectious", r, o)
		}
	}
	// And the check can fail: with importation through admissions there
	// are cases.
	p.AdmissionInfectedShare = 0.05
	res, err = Run(context.Background(), Input{Params: p, Facilities: []Facility{f}, Start: start, Days: 180, Runs: 50, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline.Infections.Median == 0 {
		t.Fatal("no cases even with infected admissions")
	}
}

// TestAllReleasedNoDeaths: everyone released before the first case can
// become ill: no death in custody (and none in the baseline means the test
// proves nothing, so the baseline must have some).
func TestAllReleasedNoDeaths(t *testing.T) {
	p := closedParams(3)
	p.InitialExposed = 3
	f := Facility{ID: "A", Capacity: 300}
	var rel []Release
	for i := range NStrata {
		s := StratumOf(i)
		f.Counts[i] = 40
		rel = append(rel, Release{Facility: "A", Stratum: s, Date: start, Count: 40})
	}
	res, err := Run(context.Background(), Input{Params: p, Facilities: []Facility{f}, Start: start, Days: 180, Runs: 100, Seed: 3},
		&Scenario{Name: "all", Releases: rel})
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline.Deaths.P95 == 0 {
		t.Fatal("the baseline has no deaths: nothing to avert")
	}
	for r, o := range res.natPlan {
		if o.Deaths != 0 || o.Hospitalisations != 0 {
			t.Fatalf("run %d: %+v after everyone was released on day 0", r, o)
		}
	}
}

// TestSameSeed: the same seed gives the same output whatever the number of
// workers; another seed another.
func TestSameSeed(t *testing.T) {
	p := DefaultParams()
	fs := []Facility{homogeneous("A", 800, 300), homogeneous("B", 200, 250)}
	fs[0].AdmissionsPerDay, fs[0].ReleasesPerDay = 3, 2.5
	run := func(seed uint64, workers int) *Result {
		res, err := Run(context.Background(), Input{Params: p, Facilities: fs, Start: start, Days: 90, Runs: 40, Seed: seed, Workers: workers},
			&Scenario{Releases: []Release{{Facility: "A", Stratum: Stratum{Age: 1}, Date: start.AddDays(10), Count: 100}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(5, 1), run(5, 3)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different output with 1 and 3 workers")
	}
	if c := run(6, 2); reflect.DeepEqual(a.natBase, c.natBase) {
		t.Error("seeds 5 and 6 gave the same runs")
	}
	// A facility alone has the figures it has in the national run.
	alone, err := Run(context.Background(), Input{Params: p, Facilities: fs[1:], Start: start, Days: 90, Runs: 40, Seed: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alone.Facilities[0].Baseline, a.Facilities[1].Baseline) {
		t.Errorf("facility B alone %+v, in the national run %+v", alone.Facilities[0].Baseline, a.Facilities[1].Baseline)
	}
}

func meanOf(os []outcome, f func(outcome) float64) float64 {
	s := 0.0
	for _, o := range os {
		s += f(o)
	}
	return s / float64(len(os))
}

// TestCrowding: the same people in half the capacity get more infections
// on average when transmission depends on crowding, and the same number
// when it does not.
func TestCrowding(t *testing.T) {
	for _, mode := range []string{Density, Frequency} {
		p := closedParams(1.3)
		p.Transmission = mode
		p.InitialExposed = 5
		var means [2]float64
		for i, capacity := range []int{1000, 700} {
			res, err := Run(context.Background(), Input{Params: p, Facilities: []Facility{homogeneous("A", 1000, capacity)},
				Start: start, Days: 365, Runs: 400, Seed: 11}, nil)
			if err != nil {
				t.Fatal(err)
			}
			means[i] = meanOf(res.natBase, func(o outcome) float64 { return o.Infections })
		}
		t.Logf("%s: mean infections at occupancy 100%% %.0f, at 143%% %.0f", mode, means[0], means[1])
		switch mode {
		case Density:
			if means[1] < 1.5*means[0] {
				t.Errorf("density: crowding from 100%% to 143%% raised mean infections from %.0f only to %.0f", means[0], means[1])
			}
		case Frequency:
			if means[0] != means[1] {
				t.Errorf("frequency: capacity changed infections: %.1f and %.1f", means[0], means[1])
			}
		}
	}
}

// TestTargetedReleases: releasing the N oldest and sickest averts more
// deaths on average than releasing N people at random (paired runs on the
// same random numbers).
func TestTargetedReleases(t *testing.T) {
	p := DefaultParams()
	p.StaffPerResident = 0
	p.InitialExposed = 3
	f := Facility{ID: "A", Capacity: 1500}
	// 3,000 held: mostly young, some old, some chronically ill; all in
	// dormitories.
	counts := map[Stratum]int{
		{Age: 0, Housing: Dormitory}: 100, {Age: 1, Housing: Dormitory}: 1900, {Age: 2, Housing: Dormitory}: 500,
		{Age: 3, Housing: Dormitory}: 250, {Age: 4, Housing: Dormitory}: 120, {Age: 5, Housing: Dormitory}: 40,
		{Age: 6, Housing: Dormitory}: 10, {Age: 1, Chronic: true, Housing: Dormitory}: 40, {Age: 3, Chronic: true, Housing: Dormitory}: 40,
	}
	for s, n := range counts {
		f.Counts[s.Index()] = n
	}
	const n = 300
	// Oldest and sickest: by IFR, highest first.
	var order []int
	for i := range NStrata {
		if f.Counts[i] > 0 {
			order = append(order, i)
		}
	}
	for i := range order {
		for j := i + 1; j < len(order); j++ {
			if p.IFR(StratumOf(order[j])) > p.IFR(StratumOf(order[i])) {
				order[i], order[j] = order[j], order[i]
			}
		}
	}
	var targeted []Release
	left := n
	for _, g := range order {
		k := min(left, f.Counts[g])
		targeted = append(targeted, Release{Facility: "A", Stratum: StratumOf(g), Date: start, Count: k})
		left -= k
		if left == 0 {
			break
		}
	}
	// At random: N people drawn without replacement from the facility.
	rng := rand.New(rand.NewPCG(42, 42))
	pool := []int{}
	for g, c := range f.Counts {
		for range c {
			pool = append(pool, g)
		}
	}
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	var random []Release
	for _, g := range pool[:n] {
		random = append(random, Release{Facility: "A", Stratum: StratumOf(g), Date: start})
	}
	in := Input{Params: p, Facilities: []Facility{f}, Start: start, Days: 180, Runs: 300, Seed: 9}
	rt, err := Run(context.Background(), in, &Scenario{Releases: targeted})
	if err != nil {
		t.Fatal(err)
	}
	rr, err := Run(context.Background(), in, &Scenario{Releases: random})
	if err != nil {
		t.Fatal(err)
	}
	avT := meanOf(rt.natBase, func(o outcome) float64 { return o.Deaths }) - meanOf(rt.natPlan, func(o outcome) float64 { return o.Deaths })
	avR := meanOf(rr.natBase, func(o outcome) float64 { return o.Deaths }) - meanOf(rr.natPlan, func(o outcome) float64 { return o.Deaths })
	t.Logf("deaths averted on average: targeted %.2f, random %.2f", avT, avR)
	if !(avT > 2*avR && avT > 0) {
		t.Errorf("targeted releases avert %.2f deaths, random %.2f: want targeted well ahead", avT, avR)
	}
	// Paired: the baselines are the same runs.
	if !reflect.DeepEqual(rt.natBase, rr.natBase) {
		t.Error("the two comparisons have different baselines")
	}
}

// TestReleasesLowerTransmission: releasing N people lowers the attack rate
// among those who stay when transmission depends on crowding, and leaves it
// about the same when it does not.
func TestReleasesLowerTransmission(t *testing.T) {
	for _, mode := range []string{Density, Frequency} {
		p := closedParams(1.6)
		p.Transmission = mode
		p.InitialExposed = 5
		f := homogeneous("A", 2000, 1600)
		rel := []Release{{Facility: "A", Stratum: Stratum{Age: 1}, Date: start, Count: 800}}
		res, err := Run(context.Background(), Input{Params: p, Facilities: []Facility{f}, Start: start, Days: 365, Runs: 300, Seed: 4},
			&Scenario{Releases: rel})
		if err != nil {
			t.Fatal(err)
		}
		// Attack rates among the people held, over the runs that took off
		// (releases on day 0 also take some of the first cases away, which
		// makes more runs die out whatever the variant).
		rate := func(os []outcome, n float64) float64 {
			s, k := 0.0, 0
			for _, o := range os {
				if o.Infections > 0.1*n {
					s += o.Infections / n
					k++
				}
			}
			return s / float64(k)
		}
		base, plan := rate(res.natBase, 2000), rate(res.natPlan, 1200)
		t.Logf("%s: attack rate %.3f before, %.3f after releasing 800 of 2000", mode, base, plan)
		switch mode {
		case Density:
			if plan > 0.8*base {
				t.Errorf("density: attack rate %.3f after releases, %.3f before: want far lower", plan, base)
			}
		case Frequency:
			if math.Abs(plan-base) > 0.05*base {
				t.Errorf("frequency: attack rate %.3f after releases, %.3f before: want about the same", plan, base)
			}
		}
		if res.Averted.Infections.Median <= 0 {
			t.Errorf("%s: averted infections %+v", mode, res.Averted.Infections)
		}
	}
}

// TestDeterministicIsTheMean: the deterministic run with a fixed R0 is
// close to the mean of the stochastic runs on a large facility.
func TestDeterministicIsTheMean(t *testing.T) {
	p := closedParams(2.5)
	p.InitialExposed = 50
	f := homogeneous("A", 20000, 20000)
	in := Input{Params: p, Facilities: []Facility{f}, Start: start, Days: 200, Runs: 100, Seed: 2}
	res, err := Run(context.Background(), in, nil)
	if err != nil {
		t.Fatal(err)
	}
	det, err := Deterministic(context.Background(), in, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := meanOf(res.natBase, func(o outcome) float64 { return o.Infections })
	if math.Abs(m-det.Baseline.Infections)/det.Baseline.Infections > 0.01 {
		t.Errorf("deterministic %.0f infections, stochastic mean %.0f", det.Baseline.Infections, m)
	}
	if z := finalSize(2.5) * 20000; math.Abs(det.Baseline.Infections-z)/z > 0.02 {
		// Some are hospitalised or die and leave the mixing population, so
		// the closed-population equation holds only roughly here.
		t.Errorf("deterministic final size %.0f, equation %.0f", det.Baseline.Infections, z)
	}
}

// TestPairedMeasures: a scenario identical to the baseline averts exactly
// nothing in every run (the runs are paired on the same random numbers);
// one with half the people immune averts infections in most runs.
func TestPairedMeasures(t *testing.T) {
	p := DefaultParams()
	fs := []Facility{homogeneous("A", 1500, 600), homogeneous("B", 400, 500)}
	fs[0].AdmissionsPerDay, fs[0].ReleasesPerDay = 4, 4
	in := Input{Params: p, Facilities: fs, Start: start, Days: 120, Runs: 60, Seed: 8}
	same := *p
	res, err := Run(context.Background(), in, &Scenario{Name: "same", Params: &same})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.natBase, res.natPlan) || res.Averted.Deaths != (Interval{}) || res.Averted.Infections != (Interval{}) {
		t.Fatalf("an identical scenario averted %+v", res.Averted)
	}
	immune := *p
	immune.PriorImmuneShare = 0.5
	res, err = Run(context.Background(), in, &Scenario{Name: "immune", Params: &immune})
	if err != nil {
		t.Fatal(err)
	}
	fewer := 0
	for r := range res.natBase {
		if res.natPlan[r].Infections < res.natBase[r].Infections {
			fewer++
		}
	}
	if fewer < 50 || res.Averted.Infections.P5 <= 0 {
		t.Errorf("half immune: fewer infections in %d of 60 runs, averted %+v", fewer, res.Averted.Infections)
	}
}
