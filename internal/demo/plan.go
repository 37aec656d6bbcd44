package demo

import (
	"math"
	"math/rand/v2"

	"github.com/habeas-kh/habeas/internal/domain"
)

// plan is one stay as drawn: the dates of everything that happens in it,
// before it is cut by the bed closing or by End and turned into events.
type plan struct {
	admit, end int
	endKind    domain.Kind
	mech       domain.Mechanism
	note       string

	fac, cell   int // where the stay ends up (the bed)
	fac0, cell0 int // where the person is admitted
	moveDay     int // transfer (fac0 != fac) or cell assignment; 0 none

	status0   domain.LegalStatus
	arrest    int
	arrestMin int
	offence   int // -1: no case (police custody)
	offence2  int // requalified at trial, or -1
	proc      domain.Procedure
	court     int
	sameCase  bool // detained again on the case of the person's last stay (sameCase)

	noOrder      bool
	noExpiry     bool // the detention order is recorded without its expiry
	noOffence    bool // the case is recorded without the date of the offence
	orderKind    domain.OrderKind
	orderIssued  int
	orderExpires int
	poDay        int // detention order after an arrest warrant
	poExpires    int
	nExt         int
	extIssued    [3]int
	extExpires   [3]int

	hearing int
	lawyer  int8

	verdict   int
	acquitted bool // acquitted, or the charges dismissed (dismissed)
	dismissed bool
	vFinal    bool
	months    int
	life      bool
	suspended bool

	appeal        int
	byProsecution bool
	aHearing      int
	aVerdict      int
	aAcquitted    bool
	aMonths       int

	redDay, redMonths int

	repeat, prior5y bool
	injuries        bool
	property        int8

	health [6]healthEv
	nh     int
}

type healthEv struct {
	day    int
	fact   domain.HealthFact
	due    int
	child  int
	detail string
}

// Calibration of the criminal process (see demo_test.go for what it yields).
const (
	pNoOrder         = 0.006 // admitted with no commitment order on file (LB-01)
	pWarrant         = 0.035 // admitted on an arrest warrant, detention order a few days later
	pImmediate       = 0.14  // misdemeanours tried by immediate appearance
	pImmediateLate   = 0.08  // … not judged within two weeks (LB-08)
	pBail            = 0.06  // released under judicial supervision before trial
	pDropped         = 0.02  // charges dropped
	pLapse           = 0.05  // a needed extension is not issued (LB-04, LB-05)
	pFelonyLong      = 0.09  // felony pre-trial beyond 18 months
	pMisdLong        = 0.12  // misdemeanour pre-trial beyond 6 months
	pChildLong       = 0.18  // child held beyond the limit
	pAcquit          = 0.06
	pProsecAppeal    = 0.12 // of acquittals: held pending the prosecution's appeal (RV-02)
	pAppeal          = 0.85 // of convictions with time left to serve
	appealMedianDays = 410
	felonyMedianDays = 520 // untried
	misdMedianDays   = 172
	pOverstay        = 0.03 // held after the end of the sentence (LB-09)
	pConditional     = 0.50 // final sentences of a year or more ending in conditional release
	pPardon          = 0.17 // … in a royal pardon
	pReduction       = 0.28 // … sentences of two years or more reduced by decree
	drugShareBefore  = 0.40 // admissions on drug charges before the 2017 campaign
	drugShareAfter   = 0.38 // … and during it
	deathsPerYear    = 0.004
)

// Calibration of the situations of issue 15, drawn from the auxiliary stream
// (gen.aux) so that the stays, and the calibrated figures, do not change.
const (
	pCourtDismissal = 0.5   // of charges dropped: dismissed by the court, with a verdict
	pHeldAfter      = 0.4   // of acquittals and dismissals with no prosecution appeal: released late (RV-03, LB-11)
	heldAfterDays   = 150   // … by 1 to this many days
	pNoOffenceDate  = 0.08  // the case is recorded without the offence date
	pNoOffenceChild = 0.4   // … for a child (LB-06 and LB-07 read the age at the arrest)
	pNoExpiry       = 0.004 // a detention order recorded without its expiry (LB-01 undecided)
)

// missedRecord picks about one record in n to be left out or entered wrong,
// from a day already drawn, so that the errors of the demo (data that
// screening lists under data to check) take no draw of their own and the
// rest of the register is what it would be without them.
func missedRecord(day, n int) bool { return day%n == 0 }

// served returns the day a sentence is served: start + months − pre-trial
// credit − reductions (counted as the fold counts them, 30 days a month).
func served(start, months, credit, redMonths int) int {
	return addMonths(start, months) - credit - redMonths*30
}

func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// reflect folds v back into [lo, hi] (a draw past the bound lands a little
// inside it rather than piling up on it).
func reflect(v, lo, hi int, r *rand.Rand) int {
	if v > hi {
		return hi - r.IntN(max(1, (hi-lo)/8))
	}
	if v < lo {
		return lo + r.IntN(max(1, (hi-lo)/8))
	}
	return v
}

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

func catIndex(c string) int {
	switch c {
	case catWomen:
		return 1
	case catJuvenile:
		return 2
	}
	return 0
}

func (pl *plan) addHealth(day int, fact domain.HealthFact, due, child int, detail string) {
	if pl.nh < len(pl.health) && day < pl.end {
		pl.health[pl.nh] = healthEv{day: day, fact: fact, due: due, child: child, detail: detail}
		pl.nh++
	}
}

// sentenceBefore returns the sentence in force before day d.
func (pl *plan) sentenceBefore(d int) (start, months, credit int, life, ok bool) {
	if pl.aVerdict > 0 && pl.aVerdict < d && !pl.aAcquitted {
		if pl.acquitted {
			return pl.aVerdict, pl.aMonths, pl.aVerdict - pl.admit, pl.life, true
		}
		return pl.verdict, pl.aMonths, pl.verdict - pl.admit, pl.life, true
	}
	if pl.verdict > 0 && pl.verdict < d && !pl.acquitted {
		return pl.verdict, pl.months, pl.verdict - pl.admit, pl.life, true
	}
	return 0, 0, 0, false, false
}

// statusBefore returns the legal status after the events before day d.
func (pl *plan) statusBefore(d int) domain.LegalStatus {
	st := pl.status0
	if pl.poDay > 0 && pl.poDay < d {
		st = domain.StatusPretrial
	}
	if pl.verdict > 0 && pl.verdict < d {
		switch {
		case pl.acquitted:
			st = domain.StatusAcquitted
		case pl.vFinal:
			st = domain.StatusFinal
		default:
			st = domain.StatusAppeal
		}
		if pl.aVerdict > 0 && pl.aVerdict < d {
			st = domain.StatusFinal
			if pl.aAcquitted {
				st = domain.StatusAcquitted
			}
		}
	}
	return st
}

// convicted reports whether the stay led to a conviction before it ended.
func (pl *plan) convicted(end int) bool {
	_, _, _, _, ok := pl.sentenceBefore(end + 1)
	return ok
}

func (pl *plan) prisonSentence() bool { return !pl.suspended }

// planPrison draws a stay in a prison (or the juvenile centre) starting on A.
func (g *gen) planPrison(r *rand.Rand, b *bed, p *person, A int, pl *plan) {
	*pl = plan{admit: A, fac: b.ref.fac, cell: b.ref.cell, fac0: b.ref.fac, cell0: b.ref.cell, offence2: -1,
		endKind: domain.KRelease, proc: domain.ProcOrdinary, status0: domain.StatusPretrial}
	age := 30
	if p.hasDOB {
		age = dateOf(p.dob).AgeOn(dateOf(A))
	}
	juvenile := age < 18
	group := 0
	switch {
	case juvenile:
		group = 2
	case p.sex == domain.Female:
		group = 1
	}
	pl.repeat = p.convicted || p.priorRepeat
	pl.prior5y = (p.prison && A-p.lastEnd < 1826) || (p.lastEnd == 0 && p.priorPrison5y)

	// Where: convicted men serving long sentences in CC3 and CC4 come from
	// the provincial prisons; a few people start in another cell.
	ci := catIndex(b.ref.category)
	if g.est.transferIn[pl.fac] && ci == 0 && !juvenile && r.Float64() < 0.55 {
		pf := g.est.provincial[pick(g.est.provCum, r.Float64())]
		if mc := g.est.menCells[pf]; len(mc) > 0 {
			pl.fac0, pl.cell0, pl.moveDay = pf, mc[r.IntN(len(mc))], -1
		}
	} else if cc := g.est.catCells[pl.fac][ci]; !b.ref.big && len(cc) > 1 && r.Float64() < 0.04 {
		c := cc[r.IntN(len(cc))]
		if c != pl.cell {
			pl.cell0, pl.moveDay = c, A+1+r.IntN(20)
		}
	}
	pl.court = g.est.court[pl.fac0]

	// What for.
	share := drugShareBefore
	if A >= day2017 {
		share = drugShareAfter
	}
	if group == 1 {
		share += 0.08
	}
	if group == 2 {
		share *= 0.6
	}
	pl.offence = pickOffence(r, group, r.Float64() < share)
	if p.nat != "KH" && r.IntN(4) == 0 {
		pl.offence = ofIllegalEntry
	}
	o := &offences[pl.offence]
	cls := o.class()
	x := g.aux
	pl.noOffence = x.Float64() < pNoOffenceDate || (juvenile && x.Float64() < pNoOffenceChild)
	if cls == domain.Misdemeanor && !juvenile && r.Float64() < pImmediate {
		pl.proc = domain.ProcImmediate
	}
	pl.injuries = r.IntN(70) == 0
	pl.property = int8(r.IntN(6))

	// Pre-trial detention limits (CPC Arts. 208, 209, 213, 214).
	limit := 4
	switch {
	case juvenile && age < 16:
		limit = 2
		if cls == domain.Felony {
			limit = 4
		}
	case juvenile:
		if cls == domain.Felony {
			limit = 6
		}
	case cls == domain.Felony:
		limit = 6
	}

	// The commitment order.
	pl.arrest, pl.arrestMin = A-r.IntN(3), r.IntN(1440)
	base := A
	u := r.Float64()
	switch {
	case u < pNoOrder:
		pl.noOrder = true
	case pl.proc == domain.ProcImmediate:
		pl.orderKind, pl.orderIssued = domain.OrderImmediateAppear, A
	case u < pNoOrder+pWarrant:
		pl.status0 = domain.StatusPolice
		pl.orderKind, pl.orderIssued = domain.OrderArrestWarrant, A-5-r.IntN(120)
		pl.arrest = A
		pl.poDay = A + 1 + r.IntN(3)
		base = pl.poDay
		pl.poExpires = addMonths(base, limit)
	default:
		pl.orderKind, pl.orderIssued, pl.orderExpires = domain.OrderDetention, A, addMonths(A, limit)
		pl.noExpiry = x.Float64() < pNoExpiry
	}

	// How long untried, and how it ends.
	minTp := 1
	if pl.poDay > 0 {
		minTp = pl.poDay - A + 1
	}
	var tp int
	exit := domain.Mechanism("")
	pb := pBail
	if juvenile {
		pb = 0.15
	}
	u = r.Float64()
	switch {
	case u < pb:
		exit, tp = domain.MechBail, 3+r.IntN(150)
	case u < pb+pDropped:
		exit, tp = domain.MechDropped, 10+r.IntN(230)
	case pl.proc == domain.ProcImmediate:
		tp = 2 + r.IntN(13)
		if r.Float64() < pImmediateLate {
			tp = 15 + r.IntN(100)
		}
	case juvenile:
		ld := addMonths(base, limit) - A
		tp = 10 + r.IntN(max(1, ld-10))
		if r.Float64() < pChildLong {
			tp = ld + 5 + r.IntN(200)
		}
	case cls == domain.Felony:
		tp = reflect(int(lognormal(r, felonyMedianDays, 0.35)), 30, 545, r)
		if r.Float64() < pFelonyLong {
			tp = 550 + r.IntN(450)
		}
	default:
		tp = reflect(int(lognormal(r, misdMedianDays, 0.3)), 14, 182, r)
		if r.Float64() < pMisdLong {
			tp = 185 + r.IntN(240)
		}
	}
	tp = max(tp, minTp)
	pe := A + tp

	// Extensions of the detention order while untried.
	if !juvenile && (pl.orderKind == domain.OrderDetention || pl.poDay > 0) {
		exp := pl.orderExpires
		if pl.poDay > 0 {
			exp = pl.poExpires
		}
		maxExt, extLen := 1, 2
		if cls == domain.Felony {
			maxExt, extLen = 2, 6
		}
		for pe > exp && pl.nExt < len(pl.extIssued) {
			if pl.nExt >= maxExt {
				// beyond the legal maximum: sometimes an (unlawful) further
				// extension, otherwise the order simply runs out
				if r.IntN(2) == 0 {
					pl.extIssued[pl.nExt], pl.extExpires[pl.nExt] = exp-r.IntN(10), addMonths(exp, extLen)
					pl.nExt++
				}
				break
			}
			if r.Float64() < pLapse {
				break
			}
			pl.extIssued[pl.nExt], pl.extExpires[pl.nExt] = exp-r.IntN(10), addMonths(exp, extLen)
			exp = pl.extExpires[pl.nExt]
			pl.nExt++
		}
	}

	if exit != "" {
		pl.end, pl.mech = pe, exit
		if exit == domain.MechBail {
			pl.note = "released under judicial supervision"
		}
		if exit == domain.MechDropped && x.Float64() < pCourtDismissal {
			pl.verdict, pl.acquitted, pl.dismissed = pe, true, true
			pl.note = "the charges were dismissed by the court"
			g.heldAfter(pl)
		}
		g.finishPrison(r, pl, p, age)
		return
	}

	// Trial.
	if pl.proc == domain.ProcOrdinary && tp >= 3 && r.Float64() < 0.10 {
		pl.hearing = pe - r.IntN(min(21, tp-2))
		pl.lawyer = int8(r.IntN(3))
	}
	V := pe
	pl.verdict = V
	if r.Float64() < pAcquit {
		pl.acquitted = true
		if r.Float64() < pProsecAppeal {
			pl.appeal, pl.byProsecution = V, true
			pl.aVerdict = V + 60 + r.IntN(420)
			if r.IntN(2) == 0 {
				pl.aAcquitted = true
				pl.end, pl.mech = pl.aVerdict, domain.MechAcquittal
			} else {
				pl.aMonths, pl.life = sentenceMonths(r, o)
				g.finalPhase(r, pl, pl.aVerdict, pl.aVerdict, pl.aMonths, pl.aVerdict-A)
			}
		} else {
			pl.end, pl.mech = V, domain.MechAcquittal
			g.heldAfter(pl)
		}
		g.finishPrison(r, pl, p, age)
		return
	}
	if (pl.offence == ofDrugTrafficking || pl.offence == ofDrugTraffickingAggr) && r.IntN(16) == 0 {
		pl.offence2 = ofDrugPossession
		o = &offences[ofDrugPossession]
	}
	pl.months, pl.life = sentenceMonths(r, o)
	credit := V - A
	if !pl.life && o.class() == domain.Misdemeanor && r.Float64() < 0.07 {
		pl.suspended, pl.vFinal = true, true
		pl.end, pl.mech = V, domain.MechSuspended
		g.finishPrison(r, pl, p, age)
		return
	}
	E := served(V, pl.months, credit, 0)
	if !pl.life && E <= V {
		pl.vFinal = true
		pl.end, pl.mech, pl.note = V, domain.MechServed, "sentence covered by the time held before trial"
		g.finishPrison(r, pl, p, age)
		return
	}
	pa := 0.3
	if pl.life || E-V > 120 {
		pa = pAppeal
	}
	pl.aMonths = pl.months
	F := V
	if r.Float64() < pa && (pl.life || E > V+26) {
		pl.appeal = V + 1 + r.IntN(25)
		pl.byProsecution = r.Float64() < 0.3
		aV := V + max(clampInt(int(lognormal(r, appealMedianDays, 0.5)), 60, 1400), pl.appeal-V+1)
		if !pl.life && E <= aV {
			pl.end, pl.mech, pl.note = E, domain.MechServed, "sentence served while the appeal was pending"
			g.finishPrison(r, pl, p, age)
			return
		}
		pl.aVerdict = aV
		if r.Float64() < 0.12 && aV-pl.appeal > 40 {
			pl.aHearing = aV - 7 - r.IntN(30)
		}
		x := r.Float64()
		switch {
		case x < 0.05:
			pl.aAcquitted = true
			pl.end, pl.mech = aV, domain.MechAcquittal
			g.finishPrison(r, pl, p, age)
			return
		case x < 0.22 && !pl.life:
			pl.aMonths = max(1, int(float64(pl.months)*(0.5+0.4*r.Float64())))
		}
		if !pl.life && served(V, pl.aMonths, credit, 0) <= aV {
			pl.end, pl.mech = aV, domain.MechServed
			g.finishPrison(r, pl, p, age)
			return
		}
		F = aV
	} else {
		pl.vFinal = true
	}
	g.finalPhase(r, pl, F, V, pl.aMonths, credit)
	g.finishPrison(r, pl, p, age)
}

// heldAfter makes some of the people acquitted, or whose charges the court
// dismissed, with no appeal by the prosecution, leave later than the verdict:
// the verdict is moved earlier and the stay keeps its length, so that the
// beds, and every figure they make, are unchanged. What the untried time no
// longer covers (a hearing, an extension after the new verdict date) is
// dropped.
func (g *gen) heldAfter(pl *plan) {
	x := g.aux
	if x.Float64() >= pHeldAfter {
		return
	}
	lo := pl.admit + 1
	if pl.poDay > 0 {
		lo = pl.poDay + 1
	}
	v := max(lo, pl.verdict-1-x.IntN(heldAfterDays))
	if v >= pl.verdict {
		return
	}
	pl.verdict = v
	for pl.nExt > 0 && pl.extIssued[pl.nExt-1] > v {
		pl.nExt--
	}
	if pl.hearing > v {
		pl.hearing = 0
	}
}

// finalPhase draws how a final sentence ends: served, or earlier by
// conditional release, pardon or reduction, or later (held after the end).
func (g *gen) finalPhase(r *rand.Rand, pl *plan, F, start, months, credit int) {
	A := pl.admit
	if pl.life {
		pl.end = A + 60*365
		return
	}
	E := served(start, months, credit, 0)
	if E <= F {
		pl.end, pl.mech = F, domain.MechServed
		return
	}
	tot := E - A
	pl.end, pl.mech = E, domain.MechServed
	x := r.Float64()
	switch {
	case x < pOverstay:
		pl.end, pl.note = E+7+r.IntN(240), "released after the end of the sentence"
	case x < pOverstay+pConditional && months >= 12:
		frac := 0.5
		if pl.repeat {
			frac = 2.0 / 3
		}
		rd := max(F+14, A+int(frac*float64(tot))+r.IntN(120))
		if rd < E {
			pl.end, pl.mech = rd, domain.MechConditional
		}
	case x < pOverstay+pConditional+pPardon && months >= 12:
		if pd := nextDecree(max(F+1, A+2*tot/3)); pd < E {
			pl.end, pl.mech = pd, domain.MechPardon
		}
	case x < pOverstay+pConditional+pPardon+pReduction && months >= 24:
		if rd := nextDecree(max(F+1, A+tot/3)); rd < E {
			pl.redDay, pl.redMonths = rd, 3+r.IntN(10)
			if e2 := E - pl.redMonths*30; e2 <= rd {
				pl.end, pl.mech = rd, domain.MechReduction
			} else {
				pl.end = e2
			}
		}
	}
}

var (
	chronicIllness = []string{"tuberculosis", "HIV", "diabetes", "hypertension", "hepatitis B", "chronic kidney disease"}
	mentalIllness  = []string{"depression", "psychosis", "post-traumatic stress", "schizophrenia"}
	disabilities   = []string{"visual impairment", "leg amputation", "hearing impairment", "paraplegia"}
)

// finishPrison places the transfer, death or escape, and health events.
func (g *gen) finishPrison(r *rand.Rand, pl *plan, p *person, age int) {
	A := pl.admit
	span := min(pl.end, dayEnd+1) - A
	if span > 1 {
		if r.Float64() < float64(span)/365*deathsPerYear {
			pl.end, pl.endKind, pl.mech, pl.note = A+1+r.IntN(span-1), domain.KDeath, "", ""
		} else if r.IntN(2500) == 0 {
			pl.end, pl.endKind, pl.mech, pl.note = A+1+r.IntN(span-1), domain.KEscape, "", ""
		}
	}
	if pl.moveDay == -1 {
		pl.moveDay = 0
		F := pl.verdict
		if pl.aVerdict > 0 {
			F = pl.aVerdict
		}
		_, _, _, _, ok := pl.sentenceBefore(F + 1)
		if ok && F > 0 {
			if d := F + 10 + r.IntN(50); d < pl.end {
				pl.moveDay = d
			}
		}
		if pl.moveDay == 0 {
			pl.fac, pl.cell = pl.fac0, pl.cell0
		}
	}
	if pl.moveDay > 0 && pl.moveDay >= pl.end {
		pl.moveDay = 0
		pl.fac, pl.cell = pl.fac0, pl.cell0
	}
	g.healthFacts(r, pl, p, age)
}

// healthFacts draws the vulnerabilities recorded during a stay (after its end
// is known, so that they fall within it).
func (g *gen) healthFacts(r *rand.Rand, pl *plan, p *person, age int) {
	A := pl.admit
	span := min(pl.end, dayEnd+1) - A
	if span < 1 {
		return
	}
	pc := 0.03
	if age >= 45 {
		pc = 0.08
	}
	if r.Float64() < pc {
		pl.addHealth(A+r.IntN(min(span, 60)), domain.FactChronic, 0, 0, chronicIllness[r.IntN(len(chronicIllness))])
	}
	if r.Float64() < 0.015 {
		pl.addHealth(A+r.IntN(min(span, 90)), domain.FactMental, 0, 0, mentalIllness[r.IntN(len(mentalIllness))])
	}
	if r.Float64() < 0.008 {
		pl.addHealth(A+r.IntN(min(span, 30)), domain.FactDisability, 0, 0, disabilities[r.IntN(len(disabilities))])
	}
	if p.sex != domain.Female || age < 18 {
		return
	}
	if age >= 20 && r.Float64() < 0.3 {
		pl.addHealth(A+r.IntN(min(span, 3)), domain.FactDependent, 0, A-r.IntN(min(age-17, 14)*365), "")
	}
	// Mothers of the anchor beds get their pregnancy with their child.
	if !g.curAnchor && age <= 42 && r.Float64() < 0.035 {
		d := A + r.IntN(min(span, 14))
		due := d + 20 + r.IntN(230)
		pl.addHealth(d, domain.FactPregnant, due, 0, "")
		// One birth in eight is never entered (the mother gave birth in a
		// hospital and the register was not told): a pregnancy long past
		// its due date, which screening lists under data to check. Decided
		// by the day drawn, so that no other draw of the bed moves.
		if !missedRecord(due, 8) {
			pl.addHealth(due, domain.FactPregnancyEnd, 0, 0, "birth; the child was placed with relatives")
		}
	}
}

// planDrug draws a placement in a drug centre starting on A.
func (g *gen) planDrug(r *rand.Rand, b *bed, p *person, A int, pl *plan) {
	*pl = plan{admit: A, fac: b.ref.fac, cell: b.ref.cell, fac0: b.ref.fac, cell0: b.ref.cell, offence: ofDrugAdmin,
		offence2: -1, proc: domain.ProcDrugAdmin, status0: domain.StatusDrugCentre, endKind: domain.KRelease,
		mech: domain.MechOther, note: "discharged from the centre"}
	pl.court = g.est.court[pl.fac]
	pl.arrest, pl.arrestMin = A-r.IntN(2), r.IntN(1440)
	pl.repeat = p.lastEnd > 0
	var los int
	if r.Float64() < 0.18 {
		pl.noOrder = true
		los = 30 + r.IntN(270)
	} else {
		m := 6
		if x := r.Float64(); x > 0.95 {
			m = 24
		} else if x > 0.7 {
			m = 12
		}
		pl.orderKind, pl.orderIssued, pl.orderExpires = domain.OrderDrugCentre, A, addMonths(A, m)
		od := pl.orderExpires - A
		if r.Float64() < 0.08 {
			los = od + 10 + r.IntN(190)
		} else {
			los = od*4/10 + 1 + r.IntN(od*6/10)
		}
	}
	pl.end = A + los
	if r.IntN(50) == 0 {
		pl.end, pl.endKind, pl.mech, pl.note = A+1+r.IntN(los), domain.KEscape, "", ""
	}
	span := min(pl.end, dayEnd+1) - A
	if r.Float64() < 0.04 {
		pl.addHealth(A+r.IntN(min(span, 30)), domain.FactChronic, 0, 0, []string{"HIV", "hepatitis C", "tuberculosis"}[r.IntN(3)])
	}
	if r.Float64() < 0.03 {
		pl.addHealth(A+r.IntN(min(span, 30)), domain.FactMental, 0, 0, "drug-induced psychosis")
	}
}

// planPolice draws a stay in police custody starting on A.
func (g *gen) planPolice(r *rand.Rand, b *bed, p *person, A int, pl *plan) {
	*pl = plan{admit: A, fac: b.ref.fac, cell: b.ref.cell, fac0: b.ref.fac, cell0: b.ref.cell, offence: -1, offence2: -1,
		status0: domain.StatusPolice, endKind: domain.KRelease}
	pl.court = g.est.court[pl.fac]
	pl.arrest, pl.arrestMin = A, r.IntN(1440)
	pl.orderKind, pl.orderIssued, pl.orderExpires = domain.OrderPoliceCustody, A, A+2
	los := 1 + r.IntN(2)
	if r.Float64() < 0.25 {
		los = 3 + r.IntN(7)
	}
	pl.end = A + los
	switch u := r.Float64(); {
	case u < 0.4:
		pl.mech, pl.note = domain.MechDropped, "released without charge"
	case u < 0.75:
		pl.mech, pl.note = domain.MechOther, "presented to the prosecutor"
	default:
		pl.mech = domain.MechBail
	}
}
