package demo

import (
	"math/rand/v2"

	"github.com/habeas-kh/habeas/internal/domain"
)

// bed is one bed of a pool while its stays are generated.
type bed struct {
	pool    *pool
	k       int
	ref     cellRef
	open    int
	close   int  // the day the bed goes out of use, or after End
	initial bool // exists when the register opens
	anchor  int  // index of the anchor date of a mother's bed, or -1
}

// stay is one custody episode in a bed.
type stay struct {
	who    int // index in gen.persons
	pl     plan
	end    int  // actual end: the plan's end, or the bed's closing day
	closed bool // ended by the bed closing (2020 releases)
}

// Re-offending: the chance that a stay is that of someone who held the bed
// two stays before (and has been out for at least reoffendGap days).
var reoffend = [numPools]float64{poolPrison: 0.14, poolDrug: 0.22, poolPolice: 0.04, poolJuvenile: 0}

const reoffendGap = 60

func (g *gen) runPool(p *pool) error {
	for k := 0; k < p.beds; k++ {
		g.runBed(p, k)
		if len(g.batch) >= batchSize {
			if err := g.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *gen) runBed(p *pool, k int) {
	b := bed{pool: p, k: k, ref: g.bedCell(p.kind, k), close: p.close(k), anchor: -1}
	b.open, b.initial = p.open(k)
	if p.kind == poolPrison && g.designated[k] != 0 {
		b.anchor = int(g.designated[k]) - 1
	}
	g.pcg.Seed(splitmix(uint64(g.opt.Seed)^uint64(p.kind+1)<<56), splitmix(uint64(k)^0x5851f42d4c957f2d))
	g.auxPCG.Seed(splitmix(uint64(g.opt.Seed)^uint64(p.kind+1)<<56^0xa0761d6478bd642f), splitmix(uint64(k)^0xe7037ed1a0b428db))
	r := g.r
	g.curAnchor = b.anchor >= 0
	g.persons = g.persons[:0]
	g.stays = g.stays[:0]

	t := b.open
	if b.initial {
		// Draw the stays before the register opened and keep those who are
		// still in custody when it does.
		switch p.kind {
		case poolPolice:
			t -= 3 + r.IntN(30)
		case poolJuvenile:
			t -= 365 + r.IntN(3*365)
		default:
			t -= 4*365 + r.IntN(6*365)
		}
	}
	for t <= dayEnd && t < b.close {
		who := g.choosePerson(r, &b, t)
		var prev *plan // the person's stay before this one, in this bed
		if n := len(g.stays); n >= 2 && g.stays[n-2].who == who && !g.stays[n-2].closed {
			pp := g.stays[n-2].pl
			prev = &pp
		}
		g.stays = append(g.stays, stay{who: who})
		s := &g.stays[len(g.stays)-1]
		per := &g.persons[who]
		switch p.kind {
		case poolDrug:
			g.planDrug(r, &b, per, t, &s.pl)
		case poolPolice:
			g.planPolice(r, &b, per, t, &s.pl)
		default:
			g.planPrison(r, &b, per, t, &s.pl)
			sameCase(prev, &s.pl)
		}
		s.end = s.pl.end
		if s.end >= b.close {
			s.end, s.closed = b.close, true
		}
		if s.end > p.start {
			per.emitted = true
		}
		per.lastEnd = s.end
		if s.pl.endKind == domain.KDeath && !s.closed {
			per.dead = true
		}
		if s.pl.endKind == domain.KEscape && !s.closed {
			per.escaped = true
		}
		if s.pl.convicted(s.end) {
			per.convicted = true
			if s.pl.prisonSentence() {
				per.prison = true
			}
		}
		t = s.end
	}
	g.emitBed(&b)
}

// choosePerson returns the index of the person of the next stay: a new one,
// or someone who held the bed two stays before and re-offends.
func (g *gen) choosePerson(r *rand.Rand, b *bed, t int) int {
	n := len(g.stays)
	if n >= 2 && b.anchor < 0 && b.ref.category != catJuvenile && r.Float64() < reoffend[b.pool.kind] {
		c := &g.persons[g.stays[n-2].who]
		if !c.dead && !c.escaped && c.lastEnd <= t-reoffendGap && g.stays[n-1].who != g.stays[n-2].who {
			if c.emitted && c.lastEnd > b.pool.start {
				return g.stays[n-2].who
			}
			// Someone whose earlier stays predate the register: a new file,
			// with the priors known at admission.
			np := g.newPersonFor(r, b, t)
			np.priorRepeat = c.convicted
			np.priorPrison5y = c.prison && t-c.lastEnd < 5*365
			np.sex = c.sex
			g.persons = append(g.persons, np)
			return len(g.persons) - 1
		}
	}
	g.persons = append(g.persons, g.newPersonFor(r, b, t))
	return len(g.persons) - 1
}

// newPersonFor draws a person who fits the bed's category.
func (g *gen) newPersonFor(r *rand.Rand, b *bed, t int) person {
	sex := domain.Male
	switch b.ref.category {
	case catWomen:
		sex = domain.Female
	case catJuvenile:
		if r.Float64() < juvenileGirls {
			sex = domain.Female
		}
	}
	var age int
	switch {
	case b.ref.category == catJuvenile:
		age = childAge(r)
	case b.anchor >= 0:
		age = 18 + r.IntN(20) // a mother living with a young child
	case b.pool.kind == poolDrug:
		if r.IntN(100) < 8 {
			age = 14 + r.IntN(4)
		} else {
			age = 18 + int(r.ExpFloat64()*9)
			if age > 70 {
				age = 18 + r.IntN(30)
			}
		}
	case b.pool.kind == poolPolice:
		if r.IntN(100) < 5 {
			age = 15 + r.IntN(3)
		} else {
			age = adultAge(r)
		}
	default:
		age = adultAge(r)
	}
	return newPerson(r, sex, t, age)
}

// sameCase makes a stay that follows a release under judicial supervision
// before trial a detention again on the same case (the supervision
// revoked, say): the pre-trial days of both count against one limit
// (issue 15, item 4). It takes no draw, so the register is otherwise the
// one it would be.
func sameCase(prev, pl *plan) {
	if prev == nil || prev.mech != domain.MechBail || prev.verdict != 0 || prev.offence < 0 || prev.proc != domain.ProcOrdinary ||
		pl.offence < 0 || pl.proc != domain.ProcOrdinary {
		return
	}
	pl.offence, pl.court, pl.sameCase = prev.offence, prev.court, true
}
