package demo

import (
	"math/rand/v2"

	"github.com/habeas-kh/habeas/internal/domain"
)

// The offences of the demo: a small table with penalties of the order of
// those of the Criminal Code 2009 and the Law on Drug Control 2012. They are
// for demonstration only, not a statement of the law. The class follows the
// Criminal Code's rule: a felony when the maximum exceeds five years of
// imprisonment, a misdemeanour otherwise.
type offence struct {
	name            string
	min, max        int
	life            bool
	drug, violent   bool
	men, women, juv float64 // relative frequency among admissions of each group
}

const (
	ofDrugUse = iota
	ofDrugPossession
	ofDrugTrafficking
	ofDrugTraffickingAggr
	ofDrugTraffickingLarge
	ofTheft
	ofAggrTheft
	ofRobbery
	ofFraud
	ofBreachOfTrust
	ofViolence
	ofAggrViolence
	ofMurder
	ofPremeditatedMurder
	ofRape
	ofIndecentAssault
	ofHumanTrafficking
	ofLogging
	ofIllegalEntry
	ofGambling
	ofWeapons
	ofIncitement
	ofDrugAdmin // drug-centre placement, not an offence tried in court
	numOffences
)

var offences = [numOffences]offence{
	ofDrugUse:              {"Illegal use of drugs (Law on Drug Control)", 1, 6, false, true, false, 4, 4, 10},
	ofDrugPossession:       {"Unlawful possession of drugs (Law on Drug Control)", 12, 60, false, true, false, 70, 72, 75},
	ofDrugTrafficking:      {"Drug trafficking (Law on Drug Control)", 60, 120, false, true, false, 10, 10, 8},
	ofDrugTraffickingAggr:  {"Drug trafficking, aggravated (Law on Drug Control)", 120, 240, false, true, false, 1.2, 1, 0},
	ofDrugTraffickingLarge: {"Drug trafficking in large quantities (Law on Drug Control)", 240, 360, true, true, false, 0.25, 0.25, 0},
	ofTheft:                {"Theft (Criminal Code)", 6, 36, false, false, false, 22, 20, 34},
	ofAggrTheft:            {"Aggravated theft (Criminal Code)", 24, 60, false, false, false, 12, 6, 15},
	ofRobbery:              {"Theft with violence (Criminal Code)", 60, 120, false, false, true, 3.5, 1, 6},
	ofFraud:                {"Fraud (Criminal Code)", 6, 36, false, false, false, 5, 14, 1},
	ofBreachOfTrust:        {"Breach of trust (Criminal Code)", 6, 36, false, false, false, 3, 10, 0},
	ofViolence:             {"Intentional violence (Criminal Code)", 12, 36, false, false, true, 9, 6, 12},
	ofAggrViolence:         {"Aggravated intentional violence (Criminal Code)", 24, 60, false, false, true, 6, 3, 6},
	ofMurder:               {"Murder (Criminal Code)", 120, 180, false, false, true, 1.4, 0.8, 1},
	ofPremeditatedMurder:   {"Premeditated murder (Criminal Code)", 180, 360, true, false, true, 0.35, 0.15, 0},
	ofRape:                 {"Rape (Criminal Code)", 60, 120, false, false, true, 2.5, 0, 3},
	ofIndecentAssault:      {"Indecent assault (Criminal Code)", 12, 36, false, false, true, 3, 0, 3},
	ofHumanTrafficking:     {"Human trafficking (Law on Suppression of Human Trafficking)", 84, 180, false, false, false, 0.5, 2.5, 0},
	ofLogging:              {"Illegal logging (Forestry Law)", 12, 60, false, false, false, 3, 1, 0},
	ofIllegalEntry:         {"Illegal entry (Immigration Law)", 1, 6, false, false, false, 2, 4, 1},
	ofGambling:             {"Illegal gambling", 1, 6, false, false, false, 3, 6, 2},
	ofWeapons:              {"Illegal possession of weapons", 12, 36, false, false, true, 2, 0, 1},
	ofIncitement:           {"Incitement to commit a felony (Criminal Code)", 6, 24, false, false, false, 0.5, 0.5, 0},
	ofDrugAdmin:            {"Drug use: compulsory treatment (Law on Drug Control, administrative placement)", 0, 0, false, true, false, 0, 0, 0},
}

func (o *offence) class() domain.OffenceClass {
	if o.max > 60 {
		return domain.Felony
	}
	if o.max == 0 {
		return domain.Petty
	}
	return domain.Misdemeanor
}

func (o *offence) charge() domain.Charge {
	return domain.Charge{Offence: o.name, Class: o.class(), MinMonths: o.min, MaxMonths: o.max, Life: o.life,
		Drug: o.drug, Violent: o.violent}
}

// cumulative tables per group (0 men, 1 women, 2 children) for drug and
// other offences.
var offenceCum [3][2][]float64
var offenceIdx [2][]int

func init() {
	for i := 0; i < numOffences; i++ {
		if i == ofDrugAdmin {
			continue
		}
		d := 1
		if offences[i].drug {
			d = 0
		}
		offenceIdx[d] = append(offenceIdx[d], i)
	}
	for g := 0; g < 3; g++ {
		for d := 0; d < 2; d++ {
			acc := 0.0
			var cum []float64
			for _, i := range offenceIdx[d] {
				o := &offences[i]
				acc += [3]float64{o.men, o.women, o.juv}[g]
				cum = append(cum, acc)
			}
			for j := range cum {
				cum[j] /= acc
			}
			offenceCum[g][d] = cum
		}
	}
}

// pickOffence draws an offence for a group, drug-related or not.
func pickOffence(r *rand.Rand, group int, drug bool) int {
	d := 1
	if drug {
		d = 0
	}
	return offenceIdx[d][pick(offenceCum[group][d], r.Float64())]
}

// sentenceMonths draws the sentence pronounced for an offence: most are near
// the minimum. life reports a life sentence.
func sentenceMonths(r *rand.Rand, o *offence) (months int, life bool) {
	if o.life && r.IntN(12) == 0 {
		return 0, true
	}
	u := r.Float64()
	m := o.min + int(float64(o.max-o.min)*u*u*u+0.5)
	if m >= 24 {
		m = m / 6 * 6
	}
	if m < 1 {
		m = 1
	}
	return m, false
}

// Holidays on which royal decrees of pardon and sentence reduction are
// customarily granted: Khmer New Year, the King's birthday, Independence Day.
var decreeDays = [][2]int{{4, 13}, {5, 14}, {11, 9}}

// nextDecree returns the first decree day on or after day.
func nextDecree(day int) int {
	d := dateOf(day)
	y := d.Year()
	for {
		for _, md := range decreeDays {
			c := domain.MakeDate(y, md[0], md[1]).DayNumber()
			if c >= day {
				return c
			}
		}
		y++
	}
}

// decreeRef is the reference of the royal decree of a decree day.
func decreeRef(day int) string {
	d := dateOf(day)
	b := make([]byte, 0, 24)
	b = append(b, "NS/RKT/"...)
	b = append2(b, d.Month())
	b = append2(b, d.Year()%100)
	b = append(b, '/')
	n := (d.Year()*37 + d.Month()*11 + d.Day()) % 900
	b = append(b, byte('1'+n/100), byte('0'+n/10%10), byte('0'+n%10))
	return string(b)
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10%10), byte('0'+v%10)) }
