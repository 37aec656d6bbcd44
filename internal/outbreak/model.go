// Package outbreak is a stochastic compartmental model of a COVID-19
// outbreak in each facility of the register (docs/outbreak.md): a
// chain-binomial SEIR with asymptomatic, mild, severe (hospitalised),
// recovered and dead states, stratified by age band, recorded chronic
// illness and housing (dormitory or cell), with a staff compartment that
// links each prison to its community. It is pure domain logic: the caller
// fills the strata from the register and passes the releases of a plan.
package outbreak

import (
	"math"
	"math/rand/v2"

	"github.com/habeas-kh/habeas/internal/domain"
)

// NAges is the number of age bands.
const NAges = 7

// AgeBand is an age band of the model: fine enough at the old end that
// 75-84 and 85+ are not lumped with 65 (the IFR differs elevenfold between
// 65 and 85).
type AgeBand struct {
	From, To int // inclusive; To -1 for the open last band
	Midpoint int // the age the Levin formula is read at
}

// AgeBands are the model's bands. The midpoint of 85+ is 90.
var AgeBands = [NAges]AgeBand{{0, 17, 9}, {18, 44, 31}, {45, 54, 50}, {55, 64, 60}, {65, 74, 70}, {75, 84, 80}, {85, -1, 90}}

// AgeLowerBounds are the bands' lower bounds, for a store query.
func AgeLowerBounds() []int {
	out := make([]int, NAges)
	for i, b := range AgeBands {
		out[i] = b.From
	}
	return out
}

// AgeIndex is the band of an age. An unknown age (negative) is put in
// 18-44, the band of most people held, and docs/outbreak.md says so.
func AgeIndex(age int) int {
	if age < 0 {
		return 1
	}
	i := 0
	for j, b := range AgeBands {
		if age >= b.From {
			i = j
		}
	}
	return i
}

// Housing is where a person sleeps.
type Housing uint8

const (
	Cell      Housing = 0
	Dormitory Housing = 1
)

// Stratum is a group of people held who share the model's parameters.
type Stratum struct {
	Age     int     `json:"age_band"` // index into AgeBands
	Chronic bool    `json:"chronic"`  // a chronic illness is recorded
	Housing Housing `json:"housing"`
}

// NStrata is the number of strata per facility.
const NStrata = NAges * 4

// Index is the stratum's place in Facility.Counts.
func (s Stratum) Index() int {
	i := s.Age * 4
	if s.Chronic {
		i += 2
	}
	return i + int(s.Housing)
}

// StratumOf is the stratum at an index.
func StratumOf(i int) Stratum {
	return Stratum{Age: i / 4, Chronic: i%4 >= 2, Housing: Housing(i % 2)}
}

// Facility is what the model needs of one facility on the start date.
type Facility struct {
	ID       string
	Capacity int // official capacity; 0 when unknown (no crowding effect)
	// Counts are the people held in each stratum (see Stratum.Index).
	Counts [NStrata]int
	// AdmissionsPerDay and ReleasesPerDay are the facility's own rates
	// (the register's last year); releases here are the routine ones, not
	// a plan's.
	AdmissionsPerDay float64
	ReleasesPerDay   float64
}

// Population is the number of people held on the start date.
func (f *Facility) Population() int {
	n := 0
	for _, c := range f.Counts {
		n += c
	}
	return n
}

// Release is a release of a plan: Count people (1 when 0) of a stratum
// leave a facility at the start of Date (they are not held that day, as the
// register counts a release). The plan passes each person it releases this
// way, with the stratum its register entry puts them in; the model removes
// them from their stratum whatever their state of infection (a release does
// not wait for a test), which lowers the facility's occupancy and so its
// transmission in the density variant. People released are not followed
// after release: their later illness or death is not counted in custody.
type Release struct {
	Facility string
	Stratum  Stratum
	Date     domain.Date
	Count    int
}

// Compartments of a stratum.
const (
	cS  = iota // susceptible
	cE         // exposed, not yet infectious
	cA         // infectious, will never show symptoms
	cIr        // infectious, symptomatic, will recover without hospital care
	cIh        // infectious, symptomatic, will need hospital care
	cHr        // in hospital, will recover
	cHd        // in hospital, will die
	cR         // recovered (or immune)
	cD         // dead
	nComp
)

// removable compartments: the people in custody a release or a routine
// release can take (not those in hospital, nor the dead).
var removable = [...]int{cS, cE, cA, cIr, cIh, cR}

// Staff compartments.
const (
	sS = iota
	sE
	sA
	sI
	sR
	nStaff
)

// severity is what the strata's parameters come to.
type severity struct {
	hospSym  [NStrata]float64 // probability a symptomatic case needs hospital care
	deathHos [NStrata]float64 // probability a hospitalised case dies
}

// IFR is the infection fatality ratio of a stratum: Levin's formula at the
// band's midpoint, times the low/middle-income multiplier, times the
// chronic illness multiplier, at most 1.
func (p *Params) IFR(s Stratum) float64 {
	age := float64(AgeBands[s.Age].Midpoint)
	ifr := math.Pow(10, p.IFRIntercept+p.IFRSlope*age) / 100 * p.LMICMultiplier
	if s.Chronic {
		ifr *= p.ChronicDeathMultiplier
	}
	return math.Min(ifr, 1)
}

// IHR is the share of infections of a stratum hospitalised: by age, raised
// for chronic illness, never below the IFR (deaths pass through hospital).
func (p *Params) IHR(s Stratum) float64 {
	h := p.HospitalisationByAge[s.Age]
	if s.Chronic {
		h *= p.ChronicHospitalMultiplier
	}
	return math.Min(math.Max(h, p.IFR(s)), 1)
}

func (p *Params) severity() severity {
	var sv severity
	sym := 1 - p.AsymptomaticShare
	for i := range NStrata {
		s := StratumOf(i)
		ihr, ifr := p.IHR(s), p.IFR(s)
		if sym > 0 {
			sv.hospSym[i] = math.Min(ihr/sym, 1)
		}
		if ihr > 0 {
			// The deaths of a stratum are its IFR whatever the share
			// hospitalised; when the symptomatic cannot carry it (an IFR
			// above 1-asymptomatic), deaths are capped there.
			sv.deathHos[i] = math.Min(ifr/ihr, 1)
		}
	}
	return sv
}

// Beta is the transmission rate for R0 in a facility with these counts: R0
// divided by the mean infectiousness-weighted time a case spends infectious
// in custody, over the facility's own mix of strata (hospitalised cases stop
// transmitting once in hospital). It holds for cells at the reference
// occupancy with no measures; dormitories, crowding and measures change the
// effective reproduction number from there.
func (p *Params) Beta(r0 float64, counts *[NStrata]int) float64 {
	sv := p.severity()
	n, d := 0.0, 0.0
	for i, c := range counts {
		if c == 0 {
			continue
		}
		n += float64(c)
		d += float64(c) * p.meanInfectious(sv.hospSym[i])
	}
	if n == 0 {
		return r0 / p.meanInfectious(0)
	}
	return r0 / (d / n)
}

// meanInfectious is the infectiousness-weighted time a case spends
// infectious, as the chain-binomial counts it: a stay of mean D days is, in
// steps of dt, geometric with mean dt/(1-exp(-dt/D)), about D+dt/2. Using
// the model's own durations keeps R0 exact at any step.
func (p *Params) meanInfectious(hospSym float64) float64 {
	a := p.AsymptomaticShare
	dI, dLag := p.stepDuration(p.InfectiousDays), p.stepDuration(p.HospitalLagDays)
	return a*p.AsymptomaticInfectiousness*dI + (1-a)*(hospSym*dLag+(1-hospSym)*dI)
}

// step is the time step the model runs at: a whole number of steps a day.
func (p *Params) step() float64 { return 1 / math.Round(1/p.TimeStepDays) }

func (p *Params) stepDuration(d float64) float64 {
	dt := p.step()
	return dt / (1 - math.Exp(-dt/d))
}

// crowding is the multiplier of the force of infection at an occupancy.
func (p *Params) crowding(occ float64) float64 {
	if p.Transmission != Density || occ <= 0 {
		return 1
	}
	m := math.Exp(10 * math.Log1p(p.CrowdingPer10Points) * (occ - p.CrowdingReferenceOccupancy))
	return math.Min(m, p.CrowdingMaxMultiplier)
}

// R0Mean is the mean of the R0 distribution, the deterministic run's R0.
func (p *Params) R0Mean() float64 { return (p.R0[0] + p.R0[1] + p.R0[2]) / 3 }

// r0At is the quantile u of the triangular distribution of R0: a run
// draws u once, so that a scenario with other parameters gets the R0 at the
// same quantile of its own distribution (paired runs).
func (p *Params) r0At(u float64) float64 {
	a, c, b := p.R0[0], p.R0[1], p.R0[2]
	if b == a {
		return a
	}
	if u < (c-a)/(b-a) {
		return a + math.Sqrt(u*(b-a)*(c-a))
	}
	return b - math.Sqrt((1-u)*(b-a)*(b-c))
}

// outcome is one run's figures for one facility (residents only).
type outcome struct {
	Infections, Hospitalisations, PeakBeds, Deaths float64
}

// sim runs the model for one facility. In deterministic mode every draw is
// replaced by its expected value: the same recursion, in expectation.
type sim struct {
	p    *Params
	sv   severity
	det  bool
	src  *rand.PCG
	rng  *rand.Rand
	st   [NStrata][nComp]float64
	stf  [nStaff]float64
	seed [NStrata]float64 // share of admissions per stratum (the start's mix)
	// beds, when not nil, gets the beds in use at the end of each day,
	// added to what it holds (a national sum).
	beds []float64
	// daily, when not nil, is called at the end of each day with the
	// residents infected then (exposed, infectious or in hospital) and the
	// deaths so far: the fan charts' series.
	daily func(day int, infected, deaths float64)
	// trace, when not nil, is called after every step with the time and
	// the residents' totals per compartment (tests).
	trace func(t float64, tot [nComp]float64)
}

// dayRelease is a release on a day index of the run.
type dayRelease struct {
	day, stratum, count int
}

func (m *sim) binom(n float64, p float64) float64 {
	if n <= 0 || p <= 0 {
		return 0
	}
	if p >= 1 {
		return n
	}
	if m.det {
		return n * p
	}
	return float64(binomial(m.rng, m.src, int(n+0.5), p))
}

// binomP is binom with a probability prepared by newProb.
func (m *sim) binomP(n float64, pr prob) float64 {
	if n <= 0 || pr.p <= 0 {
		return 0
	}
	if pr.p >= 1 {
		return n
	}
	if m.det {
		return n * pr.p
	}
	return float64(binomialP(m.rng, m.src, int(n+0.5), pr))
}

func (m *sim) poisson(mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	if m.det {
		return mean
	}
	return float64(poisson(m.rng, m.src, mean))
}

// take takes k people out of the removable compartments of the strata in
// strata (weighted by their numbers, without replacement) and calls put for
// each one taken. In deterministic mode it takes a proportional share of
// each.
func (m *sim) take(k float64, strata []int, put func(g, c int, n float64)) {
	total := 0.0
	for _, g := range strata {
		for _, c := range removable {
			total += m.st[g][c]
		}
	}
	if total <= 0 || k <= 0 {
		return
	}
	if k >= total {
		for _, g := range strata {
			for _, c := range removable {
				if n := m.st[g][c]; n > 0 {
					m.st[g][c] = 0
					put(g, c, n)
				}
			}
		}
		return
	}
	if m.det {
		f := k / total
		for _, g := range strata {
			for _, c := range removable {
				if n := m.st[g][c] * f; n > 0 {
					m.st[g][c] -= n
					put(g, c, n)
				}
			}
		}
		return
	}
	// One person at a time, by a uniform over everyone removable: first
	// the stratum (from its total), then the compartment within it, in the
	// order of a single scan over all of them.
	var sums [NStrata]float64
	for i, g := range strata {
		for _, c := range removable {
			sums[i] += m.st[g][c]
		}
	}
	for range int(k) {
		u := m.rng.Float64() * total
		for i, g := range strata {
			if u >= sums[i] {
				u -= sums[i]
				continue
			}
			for _, c := range removable {
				n := m.st[g][c]
				if u < n {
					m.st[g][c]--
					sums[i]--
					total--
					put(g, c, 1)
					break
				}
				u -= n
			}
			break
		}
	}
}

var allStrata = func() []int {
	s := make([]int, NStrata)
	for i := range s {
		s[i] = i
	}
	return s
}()

// run simulates days days of one facility with a basic reproduction number
// r0 and the given releases (sorted by day).
func (m *sim) run(f *Facility, days int, r0 float64, rel []dayRelease) outcome {
	p := m.p
	dt := p.step()
	steps := int(math.Round(1 / dt))
	var out outcome
	n0 := 0.0
	for g, c := range f.Counts {
		m.st[g] = [nComp]float64{}
		m.st[g][cS] = float64(c)
		n0 += float64(c)
	}
	for g := range m.seed {
		m.seed[g] = 0
		if n0 > 0 {
			m.seed[g] = float64(f.Counts[g]) / n0
		}
	}
	m.stf = [nStaff]float64{}
	m.stf[sS] = math.Round(p.StaffPerResident * n0)
	beta := p.Beta(r0, &f.Counts)
	// Prior immunity, then the seed of the outbreak.
	for g := range m.st {
		im := m.binom(m.st[g][cS], p.PriorImmuneShare)
		m.st[g][cS] -= im
		m.st[g][cR] += im
	}
	im := m.binom(m.stf[sS], p.PriorImmuneShare)
	m.stf[sS] -= im
	m.stf[sR] += im
	seedN := p.InitialExposed
	if !m.det {
		fl := math.Floor(seedN)
		seedN = fl
		if m.rng.Float64() < p.InitialExposed-fl {
			seedN++
		}
	}
	m.takeSusceptible(seedN, func(g int, n float64) {
		m.st[g][cE] += n
		out.Infections += n
	})

	// Per-step probabilities of leaving each state.
	pE := newProb(1 - math.Exp(-dt/p.LatentDays))
	pI := newProb(1 - math.Exp(-dt/p.InfectiousDays))
	pLag := newProb(1 - math.Exp(-dt/p.HospitalLagDays))
	pStay := newProb(1 - math.Exp(-dt/p.HospitalStayDays))
	pDie := newProb(1 - math.Exp(-dt/p.HospitalToDeathDays))
	pAsym := newProb(p.AsymptomaticShare)
	var pHosp, pDeath [NStrata]prob
	for g := range NStrata {
		pHosp[g], pDeath[g] = newProb(m.sv.hospSym[g]), newProb(m.sv.deathHos[g])
	}
	pComm := 1 - math.Exp(-dt*p.CommunityDailyIncidence)
	relPC := 0.0
	if n0 > 0 {
		relPC = f.ReleasesPerDay / n0
	}
	iso := 1 - p.IsolationDetectedShare*p.IsolationReduction
	capacity := float64(f.Capacity)
	ri := 0
	var tot [nComp]float64
	for day := range days {
		// A plan's releases leave at the start of their day.
		for ri < len(rel) && rel[ri].day <= day {
			m.take(float64(rel[ri].count), []int{rel[ri].stratum}, func(int, int, float64) {})
			ri++
		}
		// Routine admissions and releases, once a day as the register
		// counts them.
		if a := m.poisson(f.AdmissionsPerDay * p.AdmissionsMultiplier); a > 0 {
			m.admit(a, &out)
		}
		if relPC > 0 {
			m.take(m.poisson(m.held()*relPC), allStrata, func(int, int, float64) {})
		}
		for step := range steps {
			// Force of infection.
			held, infRes := 0.0, 0.0
			for g := range m.st {
				s := &m.st[g]
				held += s[cS] + s[cE] + s[cA] + s[cIr] + s[cIh] + s[cR]
				infRes += p.AsymptomaticInfectiousness*s[cA] + iso*(s[cIr]+s[cIh])
			}
			infStaff := p.AsymptomaticInfectiousness*m.stf[sA] + iso*m.stf[sI]
			lam := 0.0
			if held > 0 {
				occ := 0.0
				if capacity > 0 {
					occ = held / capacity
				}
				lam = beta * p.crowding(occ) * (infRes + p.StaffContact*infStaff) / held
			}
			// Staff: infected by residents at work and at home.
			lamStaff := 0.0
			if held > 0 {
				lamStaff = beta * p.StaffContact * infRes / held
			}
			m.stepStaff(lamStaff, dt, pComm, pE, pI, pAsym)
			// The probability of infection in a step: one per housing.
			var pInf [2]prob
			if lam > 0 {
				pInf[Cell] = newProb(1 - math.Exp(-lam*dt))
				pInf[Dormitory] = newProb(1 - math.Exp(-lam*p.DormitoryMultiplier*dt))
			}
			for g := range m.st {
				s := &m.st[g]
				if s[cE]+s[cA]+s[cIr]+s[cIh]+s[cHr]+s[cHd] == 0 && (lam == 0 || s[cS] == 0) {
					continue
				}
				newE := m.binomP(s[cS], pInf[g%2])
				leaveE := m.binomP(s[cE], pE)
				toA := m.binomP(leaveE, pAsym)
				sym := leaveE - toA
				toIh := m.binomP(sym, pHosp[g])
				toIr := sym - toIh
				leaveA := m.binomP(s[cA], pI)
				leaveIr := m.binomP(s[cIr], pI)
				leaveIh := m.binomP(s[cIh], pLag)
				toHd := m.binomP(leaveIh, pDeath[g])
				toHr := leaveIh - toHd
				dead := m.binomP(s[cHd], pDie)
				cured := m.binomP(s[cHr], pStay)
				s[cS] -= newE
				s[cE] += newE - leaveE
				s[cA] += toA - leaveA
				s[cIr] += toIr - leaveIr
				s[cIh] += toIh - leaveIh
				s[cHr] += toHr - cured
				s[cHd] += toHd - dead
				s[cR] += leaveA + leaveIr + cured
				s[cD] += dead
				out.Infections += newE
				out.Hospitalisations += leaveIh
				out.Deaths += dead
			}
			if m.trace != nil {
				tot = [nComp]float64{}
				for g := range m.st {
					for c := range nComp {
						tot[c] += m.st[g][c]
					}
				}
				m.trace(float64(day)+float64(step+1)*dt, tot)
			}
		}
		beds := 0.0
		for g := range m.st {
			beds += m.st[g][cHr] + m.st[g][cHd]
		}
		out.PeakBeds = math.Max(out.PeakBeds, beds)
		if m.beds != nil {
			m.beds[day] += beds
		}
		if m.daily != nil {
			inf := 0.0
			for g := range m.st {
				s := &m.st[g]
				inf += s[cE] + s[cA] + s[cIr] + s[cIh] + s[cHr] + s[cHd]
			}
			m.daily(day, inf, out.Deaths)
		}
	}
	return out
}

// held is the number of people in custody and not in hospital.
func (m *sim) held() float64 {
	n := 0.0
	for g := range m.st {
		for _, c := range removable {
			n += m.st[g][c]
		}
	}
	return n
}

// takeSusceptible moves k susceptible people (weighted by stratum) out of S.
func (m *sim) takeSusceptible(k float64, put func(g int, n float64)) {
	total := 0.0
	for g := range m.st {
		total += m.st[g][cS]
	}
	if total <= 0 || k <= 0 {
		return
	}
	k = math.Min(k, total)
	if m.det {
		for g := range m.st {
			n := m.st[g][cS] * k / total
			m.st[g][cS] -= n
			put(g, n)
		}
		return
	}
	for range int(k) {
		u := m.rng.Float64() * total
		for g := range m.st {
			n := m.st[g][cS]
			if u < n && n >= 1 {
				m.st[g][cS]--
				total--
				put(g, 1)
				break
			}
			u -= n
		}
	}
}

// admit adds a people admitted, in the strata mix of the start date, some
// already infected, some immune.
func (m *sim) admit(a float64, out *outcome) {
	p := m.p
	if m.det {
		for g, w := range m.seed {
			n := a * w
			e := n * p.AdmissionInfectedShare
			r := (n - e) * p.PriorImmuneShare
			m.st[g][cE] += e
			m.st[g][cR] += r
			m.st[g][cS] += n - e - r
			out.Infections += e
		}
		return
	}
	for range int(a) {
		u := m.rng.Float64()
		g := NStrata - 1
		for i, w := range m.seed {
			if u < w {
				g = i
				break
			}
			u -= w
		}
		switch v := m.rng.Float64(); {
		case v < p.AdmissionInfectedShare:
			m.st[g][cE]++
			out.Infections++
		case m.rng.Float64() < p.PriorImmuneShare:
			m.st[g][cR]++
		default:
			m.st[g][cS]++
		}
	}
}

// stepStaff moves the staff compartment one step: staff are infected by
// residents at work (lam) and in the community (pComm). Their illness is
// not followed past infectiousness: staff deaths are not deaths in custody.
func (m *sim) stepStaff(lam, dt, pComm float64, pE, pI, pAsym prob) {
	s := &m.stf
	if s[sS]+s[sE]+s[sA]+s[sI] == 0 {
		return
	}
	newE := 0.0
	if lam > 0 || pComm > 0 {
		newE = m.binom(s[sS], 1-(1-pComm)*math.Exp(-lam*dt))
	}
	leaveE := m.binomP(s[sE], pE)
	toA := m.binomP(leaveE, pAsym)
	leaveA := m.binomP(s[sA], pI)
	leaveI := m.binomP(s[sI], pI)
	s[sS] -= newE
	s[sE] += newE - leaveE
	s[sA] += toA - leaveA
	s[sI] += leaveE - toA - leaveI
	s[sR] += leaveA + leaveI
}

// StratumFor is the stratum of a person: their age in completed years on
// the date (negative when unknown), whether a chronic illness is recorded,
// and whether they sleep in a dormitory. A plan passes each person it
// releases as Release{Facility, StratumFor(...), Date, 1}.
func StratumFor(age int, chronic, dormitory bool) Stratum {
	s := Stratum{Age: AgeIndex(age), Chronic: chronic}
	if dormitory {
		s.Housing = Dormitory
	}
	return s
}
