package demo

import (
	"github.com/habeas-kh/habeas/internal/domain"
)

// pending is an event waiting to be put in order within a person's stay.
type pending struct {
	day, rank int
	ev        *domain.Event
}

// Order of events on the same day.
const (
	rankAdmission = iota
	rankOrder
	rankHealthIn
	rankCellAssign
	rankExtension
	rankHearing
	rankCharge
	rankVerdict
	rankAppeal
	rankReduction
	rankTransfer
	rankHealthOut
	rankEnd
)

var (
	propertyList = []string{"", "mobile phone", "mobile phone; 20,000 riels", "wallet with national ID card", "motorbike key; 5 US dollars", "none declared"}
	deathCauses  = []string{"illness (tuberculosis)", "heart failure", "illness", "suicide", "unknown, under investigation", "illness (HIV-related)"}
	lawyers      = []string{"", "legal aid lawyer (Bar Association)", "private lawyer"}
)

// emitBed emits the people of a bed whose stays are part of the register, in
// the order they first came, each with all their stays.
func (g *gen) emitBed(b *bed) {
	for i := range g.persons {
		p := &g.persons[i]
		if !p.emitted {
			continue
		}
		first := true
		for j := range g.stays {
			s := &g.stays[j]
			if s.who != i {
				continue
			}
			if first {
				first = false
				p.id = g.personID()
				g.recClock = 0
				ev := &domain.Event{Kind: domain.KPerson, Date: dateOf(s.pl.admit), Person: p.id,
					RecordedAt: g.recAt(s.pl.admit), RecordedBy: recordedBy, Via: via, Data: p.data()}
				g.put(ev)
			}
			g.stayEvents(b, p, s)
			for _, pe := range g.pend {
				pe.ev.Person = p.id
				pe.ev.Date = dateOf(pe.day)
				pe.ev.RecordedAt = g.recAt(pe.day)
				pe.ev.RecordedBy = recordedBy
				pe.ev.Via = via
				g.put(pe.ev)
			}
		}
	}
}

// recAt draws when an event of a day was recorded: the same day or the next,
// in office hours; events before the register opened were entered in its
// first two months. A person's events are recorded in the order they happened.
func (g *gen) recAt(day int) string {
	r := g.r
	var t int
	if day < dayStart {
		t = (dayStart+r.IntN(60))*86400 + 8*3600 + r.IntN(9*3600)
	} else {
		if r.IntN(4) == 0 {
			day++
		}
		t = day*86400 + 8*3600 + r.IntN(9*3600)
	}
	if t <= g.recClock {
		t = g.recClock + 60 + r.IntN(900)
	}
	g.recClock = t
	return stamp(t/86400, t%86400)
}

func (g *gen) add(day, rank int, kind domain.Kind, fac int, data any) {
	ev := &domain.Event{Kind: kind, Data: data}
	if fac >= 0 {
		ev.Facility = g.est.facs[fac].ID
	}
	g.pend = append(g.pend, pending{day: day, rank: rank, ev: ev})
}

func (g *gen) label(fac, cell int) string { return g.est.facs[fac].Cells[cell].Label }

// stayEvents builds the events of one stay into g.pend, in order.
func (g *gen) stayEvents(b *bed, p *person, s *stay) {
	pl := &s.pl
	r := g.r
	g.pend = g.pend[:0]
	lim := dayEnd
	if s.closed {
		lim = s.end - 1
	} else if s.end < lim {
		lim = s.end
	}
	A := pl.admit
	moved := pl.moveDay > 0 && pl.moveDay <= lim && pl.fac != pl.fac0
	facAt := func(day, rank int) int {
		if moved && (day > pl.moveDay || (day == pl.moveDay && rank > rankTransfer)) {
			return pl.fac
		}
		return pl.fac0
	}
	ct := &courts[pl.court]

	// Case and admission.
	var cs *domain.Case
	caseID := ""
	if pl.offence >= 0 {
		o := &offences[pl.offence]
		offDate := pl.arrest
		if pl.proc == domain.ProcOrdinary {
			offDate -= r.IntN(30)
		}
		od := dateOf(offDate)
		// A few offence dates are entered a century early (1919 for 2019):
		// before the date of birth, listed under data to check.
		if typo := od - 1000000; p.hasDOB && missedRecord(pl.arrest, 173) && validDate(typo) {
			od = typo
		}
		cs = &domain.Case{Procedure: pl.proc, OffenceDate: od, Charges: []domain.Charge{o.charge()}}
		if pl.noOffence {
			cs.OffenceDate = domain.NoDate
		}
		if pl.proc == domain.ProcDrugAdmin {
			caseID = "ADM-" + g.caseID(pl.court, dateOf(A).Year())
		} else {
			caseID = g.caseID(pl.court, dateOf(A).Year())
			cs.Court = ct.name
		}
		if pl.sameCase && p.lastCase != "" {
			// The draws above are made all the same, so that the rest of
			// the register does not change.
			caseID, cs.OffenceDate = p.lastCase, p.lastOffence
		}
		cs.ID = caseID
		p.lastCase, p.lastOffence = caseID, cs.OffenceDate
	}
	ad := &domain.AdmissionData{Cell: g.label(pl.fac0, pl.cell0), ArrestedAt: localTime(pl.arrest, pl.arrestMin),
		ArrestPlace: g.est.facs[pl.fac0].Province, Status: pl.status0, Case: cs, RepeatOffender: pl.repeat,
		PriorPrison5y: pl.prior5y, Property: propertyList[int(pl.property)%len(propertyList)], NextOfKin: p.nextOfKin()}
	if pl.injuries {
		ad.Injuries = "bruises on the face and arms"
		ad.Complaints = "says they were beaten during police custody"
	}
	if !pl.noOrder && pl.orderKind != "" {
		o := &domain.Order{Kind: pl.orderKind, Issued: dateOf(pl.orderIssued)}
		if pl.orderExpires != 0 && !pl.noExpiry {
			o.Expires = dateOf(pl.orderExpires)
		}
		switch pl.orderKind {
		case domain.OrderDetention:
			o.Authority, o.Reference = ct.judge, caseID+"/DO"
		case domain.OrderArrestWarrant:
			o.Authority, o.Reference = ct.judge, caseID+"/AW"
		case domain.OrderImmediateAppear:
			o.Authority, o.Reference = ct.prosecutor, caseID+"/IA"
		case domain.OrderDrugCentre:
			o.Authority, o.Reference = ct.prosecutor, caseID+"/DC"
		case domain.OrderPoliceCustody:
			o.Authority = "Judicial police, " + g.est.facs[pl.fac0].Name
			o.Reference = g.est.facs[pl.fac0].ID + "/" + dateOf(A).String() + "/" + localTime(A, pl.arrestMin)[11:13]
		}
		ad.Order = o
	}
	g.add(A, rankAdmission, domain.KAdmission, pl.fac0, ad)

	if pl.poDay > 0 && pl.poDay <= lim {
		g.add(pl.poDay, rankOrder, domain.KOrder, facAt(pl.poDay, rankOrder), &domain.OrderData{
			Order: domain.Order{Kind: domain.OrderDetention, Authority: ct.judge, Reference: caseID + "/DO",
				Issued: dateOf(pl.poDay), Expires: dateOf(pl.poExpires)},
			Status: domain.StatusPretrial})
	}
	for i := 0; i < pl.nExt; i++ {
		d := pl.extIssued[i]
		if d > lim {
			break
		}
		g.add(d, rankExtension, domain.KExtension, facAt(d, rankExtension), &domain.OrderData{
			Order: domain.Order{Kind: domain.OrderDetention, Authority: ct.judge, Reference: caseID + "/DO-E" + string(rune('1'+i)),
				Issued: dateOf(d), Expires: dateOf(pl.extExpires[i])}})
	}
	if pl.moveDay > 0 && pl.moveDay <= lim {
		if pl.fac != pl.fac0 {
			g.add(pl.moveDay, rankTransfer, domain.KTransfer, pl.fac0, &domain.TransferData{To: g.est.facs[pl.fac].ID,
				Cell: g.label(pl.fac, pl.cell), Reason: "convicted: transferred to serve the sentence"})
		} else {
			g.add(pl.moveDay, rankCellAssign, domain.KCellAssign, pl.fac0, &domain.CellAssignData{Cell: g.label(pl.fac, pl.cell)})
		}
	}
	if pl.hearing > 0 && pl.hearing <= lim {
		h := &domain.HearingData{Case: caseID, Court: ct.name, Purpose: "trial", Lawyer: lawyers[pl.lawyer], Outcome: "judgment reserved"}
		if pl.hearing == pl.verdict {
			h.Outcome = "judgment delivered"
		}
		g.add(pl.hearing, rankHearing, domain.KHearing, facAt(pl.hearing, rankHearing), h)
	}
	if pl.verdict > 0 && pl.verdict <= lim {
		V := pl.verdict
		if pl.offence2 >= 0 {
			g.add(V, rankCharge, domain.KCharge, facAt(V, rankCharge), &domain.ChargeData{Case: caseID,
				Charges: []domain.Charge{offences[pl.offence2].charge()}})
		}
		vd := &domain.VerdictData{Case: caseID, Court: ct.name, Outcome: domain.OutcomeConvicted, Final: pl.vFinal}
		if pl.acquitted {
			vd.Outcome, vd.Final = domain.OutcomeAcquitted, false
			if pl.dismissed {
				vd.Outcome = domain.OutcomeDismissed
			}
		} else {
			vd.Sentence = &domain.Sentence{Months: pl.months, Life: pl.life, Start: dateOf(V), PretrialCreditDays: V - A,
				Suspended: pl.suspended}
		}
		g.add(V, rankVerdict, domain.KVerdict, facAt(V, rankVerdict), vd)
	}
	// One in three prosecution appeals against an acquittal that the appeal
	// court turned into a conviction is never entered: a conviction after an
	// acquittal with no appeal on file, listed under data to check.
	lostAppeal := pl.acquitted && pl.byProsecution && pl.aVerdict > 0 && !pl.aAcquitted && missedRecord(pl.appeal, 3)
	if pl.appeal > 0 && pl.appeal <= lim && !lostAppeal {
		by := "defence"
		if pl.byProsecution {
			by = "prosecution"
		}
		g.add(pl.appeal, rankAppeal, domain.KAppeal, facAt(pl.appeal, rankAppeal), &domain.AppealData{Case: caseID, By: by})
	}
	if pl.aHearing > 0 && pl.aHearing <= lim {
		g.add(pl.aHearing, rankHearing, domain.KHearing, facAt(pl.aHearing, rankHearing), &domain.HearingData{Case: caseID,
			Court: appealCourt, Purpose: "appeal hearing", Lawyer: lawyers[1+r.IntN(2)], Outcome: "judgment reserved"})
	}
	if pl.aVerdict > 0 && pl.aVerdict <= lim {
		aV := pl.aVerdict
		vd := &domain.VerdictData{Case: caseID, Court: appealCourt, Outcome: domain.OutcomeConvicted, Final: true}
		switch {
		case pl.aAcquitted:
			vd.Outcome = domain.OutcomeAcquitted
		case pl.acquitted:
			vd.Sentence = &domain.Sentence{Months: pl.aMonths, Life: pl.life, Start: dateOf(aV), PretrialCreditDays: aV - A}
		default:
			vd.Sentence = &domain.Sentence{Months: pl.aMonths, Life: pl.life, Start: dateOf(pl.verdict), PretrialCreditDays: pl.verdict - A}
		}
		g.add(aV, rankVerdict, domain.KVerdict, facAt(aV, rankVerdict), vd)
	}
	if pl.redDay > 0 && pl.redDay <= lim {
		g.add(pl.redDay, rankReduction, domain.KReduction, facAt(pl.redDay, rankReduction),
			&domain.ReductionData{Months: pl.redMonths, Decree: decreeRef(pl.redDay)})
	}
	for i := 0; i < pl.nh; i++ {
		h := &pl.health[i]
		if h.day > lim {
			continue
		}
		hd := &domain.HealthData{Fact: h.fact, Detail: h.detail}
		if h.due != 0 {
			hd.Due = dateOf(h.due)
		}
		if h.child != 0 {
			hd.ChildDOB = dateOf(h.child)
		}
		rank := rankHealthIn
		if h.fact == domain.FactPregnancyEnd {
			rank = rankHealthOut
		}
		g.add(h.day, rank, domain.KHealth, facAt(h.day, rank), hd)
	}
	if b.anchor >= 0 {
		g.motherChild(b, p, s, lim, facAt)
	}

	// The end of the stay.
	if s.end <= dayEnd {
		if s.closed {
			g.closeStay(s, facAt(s.end, rankEnd))
		} else {
			e := s.end
			switch pl.endKind {
			case domain.KDeath:
				g.add(e, rankEnd, domain.KDeath, facAt(e, rankEnd), &domain.DeathData{Cause: deathCauses[r.IntN(len(deathCauses))],
					Circumstances: "died in custody; the family was informed"})
			case domain.KEscape:
				g.add(e, rankEnd, domain.KEscape, facAt(e, rankEnd), &domain.EscapeData{Note: "absent at the evening count"})
			default:
				g.add(e, rankEnd, domain.KRelease, facAt(e, rankEnd), g.release(pl, e, pl.mech, pl.note))
			}
		}
	}
	// Put in order (insertion sort: a stay has a handful of events).
	pd := g.pend
	for i := 1; i < len(pd); i++ {
		for j := i; j > 0 && (pd[j].day < pd[j-1].day || (pd[j].day == pd[j-1].day && pd[j].rank < pd[j-1].rank)); j-- {
			pd[j], pd[j-1] = pd[j-1], pd[j]
		}
	}
}

// release builds the release payload of a mechanism.
func (g *gen) release(pl *plan, day int, mech domain.Mechanism, note string) *domain.ReleaseData {
	ct := &courts[pl.court]
	rd := &domain.ReleaseData{Mechanism: mech, Note: note}
	switch mech {
	case domain.MechBail:
		rd.Authority = ct.judge
	case domain.MechDropped:
		rd.Authority = ct.prosecutor
		if pl.dismissed {
			rd.Authority = ct.name
		}
	case domain.MechAcquittal:
		rd.Authority = ct.name
		if pl.aVerdict > 0 && pl.aVerdict <= day {
			rd.Authority = appealCourt
		}
	case domain.MechServed, domain.MechSuspended:
		rd.Authority = ct.prosecutor
	case domain.MechConditional:
		rd.Authority = "Ministry of Justice"
	case domain.MechPardon, domain.MechReduction:
		rd.Authority = "Royal decree"
		rd.Reference = decreeRef(day)
	case domain.MechOther:
		if pl.proc == domain.ProcDrugAdmin {
			rd.Authority = g.est.facs[pl.fac].Name
		}
	}
	return rd
}

// closeStay ends a stay on the day its bed closes: the releases of the 2020
// reforms, by the mechanism that fits the person's situation.
func (g *gen) closeStay(s *stay, fac int) {
	pl := &s.pl
	e := s.end
	var mech domain.Mechanism
	note := "released under the 2020 reforms"
	switch pl.statusBefore(e) {
	case domain.StatusPolice, domain.StatusPretrial:
		mech, note = domain.MechBail, "released under judicial supervision (2020 reforms)"
	case domain.StatusAppeal:
		mech, note = domain.MechBail, "released pending appeal (2020 reforms)"
	case domain.StatusAcquitted:
		switch {
		case pl.byProsecution:
			mech, note = domain.MechAcquittal, "the prosecution's appeal was withdrawn"
		case pl.dismissed:
			mech, note = domain.MechDropped, "released after the dismissal of the charges (2020 reforms)"
		default:
			mech, note = domain.MechAcquittal, "released after the acquittal (2020 reforms)"
		}
	case domain.StatusDrugCentre:
		mech, note = domain.MechOther, "released in the 2020 decongestion"
	case domain.StatusFinal:
		start, months, credit, life, _ := pl.sentenceBefore(e)
		red := 0
		if pl.redDay > 0 && pl.redDay < e {
			red = pl.redMonths
		}
		if life {
			mech = domain.MechPardon
			break
		}
		E := served(start, months, credit, red)
		if E <= e {
			mech, note = domain.MechServed, "released after the end of the sentence"
			break
		}
		tot := float64(E + red*30 - pl.admit)
		frac := float64(e-pl.admit) / tot
		switch {
		case frac >= 2.0/3:
			mech = domain.MechPardon
		case frac >= 0.5:
			mech = domain.MechConditional
		case E-e <= 360:
			m := (E - e + 29) / 30
			g.add(e, rankReduction, domain.KReduction, fac, &domain.ReductionData{Months: m, Decree: decreeRef(e)})
			mech = domain.MechReduction
		default:
			mech = domain.MechPardon
		}
	default:
		mech = domain.MechOther
	}
	g.add(e, rankEnd, domain.KRelease, fac, g.release(pl, e, mech, note))
}

// motherChild gives the occupant of a mother's bed on the anchor date a child
// living with her, whose stay lies between the neighbouring anchor dates.
func (g *gen) motherChild(b *bed, p *person, s *stay, lim int, facAt func(day, rank int) int) {
	a := g.anchors[b.anchor]
	A := s.pl.admit
	if a.day < A || a.day >= s.end {
		return
	}
	r := g.r
	age := r.IntN(30 * 30) // up to 2 years and a half on the anchor date
	dob := a.day - age
	ci := max(A, a.day-r.IntN(a.day-a.prev))
	born := false
	if dob >= A {
		// born while the mother was in custody: the child lives with her
		// from birth (after the previous reference date)
		dob = max(dob, a.prev+1)
		ci, born = dob, true
	}
	co := min(a.day+1+r.IntN(a.next-a.day), addMonths(dob, 36))
	fam := p.name[0]
	childName := pickName(khmerFamily, fam)
	if p.nat == "VN" {
		childName = pickName(vietFamily, fam)
	}
	if r.IntN(2) == 0 {
		childName += " " + pickName(khmerMale, uint16(r.IntN(1<<15)))
	} else {
		childName += " " + pickName(khmerFemale, uint16(r.IntN(1<<15)))
	}
	if born {
		if start := max(A, dob-240); dob-start >= 20 {
			g.add(start, rankHealthIn, domain.KHealth, facAt(start, rankHealthIn), &domain.HealthData{Fact: domain.FactPregnant, Due: dateOf(dob)})
			// The birth of one child in four is entered as the child living
			// with the mother, and the pregnancy never closed: data to check
			// once its due date is long past.
			if !missedRecord(start, 4) {
				g.add(dob, rankHealthIn, domain.KHealth, facAt(dob, rankHealthIn), &domain.HealthData{Fact: domain.FactPregnancyEnd, Detail: "birth in custody"})
			}
		}
	}
	g.add(ci, rankHealthIn, domain.KHealth, facAt(ci, rankHealthIn), &domain.HealthData{Fact: domain.FactChildIn,
		ChildName: childName, ChildDOB: dateOf(dob)})
	if co < s.end && co <= lim {
		g.add(co, rankHealthOut, domain.KHealth, facAt(co, rankHealthOut), &domain.HealthData{Fact: domain.FactChildOut,
			ChildName: childName, ChildDOB: dateOf(dob), Detail: "left to live with relatives"})
	}
}
