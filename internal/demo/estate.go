package demo

import (
	"fmt"
	"math"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Facility is one place of detention of the demo estate, with its cells, as
// the generator registers it for a given scale.
type Facility struct {
	ID       string
	Name     string
	Kind     domain.FacilityKind
	Province string
	Capacity int
	// Planned is the population the generator aims at in the facility on
	// 2020-03-31 (people admitted elsewhere and transferred in later, as long
	// sentences to CC3 and CC4 are, make the observed figure a little lower).
	Planned int
	Cells   []Cell
}

// Cell is a cell (or dormitory) of a facility.
type Cell struct {
	Label    string
	AreaM2   float64
	Capacity int
	Category string // men, women or juveniles
}

// CapacitySource is the basis given for every demo capacity.
const CapacitySource = "demo: calibrated to LICADHO/Amnesty 2020 figures"

// Cell categories.
const (
	catMen      = "men"
	catWomen    = "women"
	catJuvenile = "juveniles"
)

// province is one of the 25 provinces and municipalities, with the court of
// first instance sitting there (Kep has none: Kampot's court serves it).
type province struct {
	name      string
	code      string // used in facility ids
	courtCode string // used in case numbers
}

var provinces = []province{
	{"Phnom Penh", "PNH", "PPC"},
	{"Banteay Meanchey", "BMC", "BMC"},
	{"Battambang", "BTB", "BBC"},
	{"Kampong Cham", "KCM", "KCC"},
	{"Kampong Chhnang", "KCH", "KNC"},
	{"Kampong Speu", "KSP", "KSC"},
	{"Kampong Thom", "KTM", "KTC"},
	{"Kampot", "KPT", "KPC"},
	{"Kandal", "KDL", "KDC"},
	{"Kep", "KEP", ""},
	{"Koh Kong", "KKG", "KKC"},
	{"Kratie", "KRT", "KRC"},
	{"Mondulkiri", "MDK", "MKC"},
	{"Oddar Meanchey", "OMC", "OMC"},
	{"Pailin", "PLN", "PLC"},
	{"Preah Sihanouk", "PSH", "PSC"},
	{"Preah Vihear", "PVH", "PVC"},
	{"Prey Veng", "PVG", "PYC"},
	{"Pursat", "PST", "PUC"},
	{"Ratanakiri", "RTK", "RKC"},
	{"Siem Reap", "SRP", "SRC"},
	{"Stung Treng", "STG", "STC"},
	{"Svay Rieng", "SVR", "SVC"},
	{"Takeo", "TKO", "TKC"},
	{"Tbong Khmum", "TBK", "TBC"},
}

func provinceIndex(name string) int {
	for i, p := range provinces {
		if p.name == name {
			return i
		}
	}
	panic("demo: unknown province " + name)
}

// court is a court that issues orders and judgments in the demo.
type court struct {
	name       string
	code       string
	judge      string // "Investigating judge, <court>"
	prosecutor string
}

// courts: one per province with a court (index = province index; Kep's
// entry is Kampot's court), then the military court. The table is built once
// and never changed.
var courts, militaryCourt = buildCourts()

const appealCourt = "Court of Appeal (Phnom Penh)"

func buildCourts() ([]court, int) {
	var cs []court
	kampot := -1
	for i, p := range provinces {
		if p.code == "KPT" {
			kampot = i
		}
	}
	for _, p := range provinces {
		name := p.name + " Provincial Court of First Instance"
		if p.code == "PNH" {
			name = "Phnom Penh Court of First Instance"
		}
		cs = append(cs, court{name: name, code: p.courtCode})
	}
	for i, p := range provinces {
		if p.courtCode == "" {
			cs[i] = cs[kampot] // Kep shares Kampot's court
		}
	}
	mil := len(cs)
	cs = append(cs, court{name: "Military Court (Phnom Penh)", code: "MLC"})
	for i := range cs {
		cs[i].judge = "Investigating judge, " + cs[i].name
		cs[i].prosecutor = "Prosecutor, " + cs[i].name
	}
	return cs, mil
}

// facSpec describes a facility at scale 1: its official capacity and the
// population the demo puts there on 2020-03-31, with the women and children
// among them (the generator rescales the totals; see buildEstate).
type facSpec struct {
	id       string
	name     string
	kind     domain.FacilityKind
	province string
	court    int // -1: the court of the province
	capacity int
	pop      float64
	women    float64
	juv      float64
	// transferIn marks centres that receive convicted men from provincial
	// prisons after their final judgment.
	transferIn bool
}

// officialCapacity is the official capacity of the 28 prisons (domain.md
// section 1); CC3's capacity in the table below is what makes the sum exact.
const officialCapacity = 26593

// prisonSpecs is the prison system: 4 correctional centres, 23 provincial
// and municipal prisons (Tbong Khmum has none of its own: CC3 is there;
// Kampot and Kep share one) and the military prison. Known capacities and
// loads are those of domain.md section 2; the others are believable guesses.
var prisonSpecs = []facSpec{
	{"CC1", "Correctional Centre 1 (Prey Sar, men)", domain.CorrectionalCentre, "Phnom Penh", -1, 1700, 10000, 0, 0, false},
	{"CC2", "Correctional Centre 2 (Prey Sar, women and juveniles)", domain.CorrectionalCentre, "Phnom Penh", -1, 300, 1150, 850, 300, false},
	{"CC3", "Correctional Centre 3 (Tbong Khmum)", domain.CorrectionalCentre, "Tbong Khmum", -1, 0 /* remainder */, 3300, 0, 0, true},
	{"CC4", "Correctional Centre 4 (Pursat)", domain.CorrectionalCentre, "Pursat", -1, 2500, 2000, 100, 0, true},
	{"PP-PNH", "Phnom Penh Municipal Prison", domain.Prison, "Phnom Penh", -1, 1000, 1300, 100, 60, false},
	{"PP-BMC", "Banteay Meanchey Provincial Prison", domain.Prison, "Banteay Meanchey", -1, 1000, 1530, 120, 60, false},
	{"PP-BTB", "Battambang Provincial Prison", domain.Prison, "Battambang", -1, 650, 1300, 100, 60, false},
	{"PP-KCM", "Kampong Cham Provincial Prison", domain.Prison, "Kampong Cham", -1, 1000, 1500, 120, 70, false},
	{"PP-KCH", "Kampong Chhnang Provincial Prison", domain.Prison, "Kampong Chhnang", -1, 800, 900, 70, 40, false},
	{"PP-KSP", "Kampong Speu Provincial Prison", domain.Prison, "Kampong Speu", -1, 1000, 1300, 110, 60, false},
	{"PP-KTM", "Kampong Thom Provincial Prison", domain.Prison, "Kampong Thom", -1, 50, 208, 15, 8, false},
	{"PP-KPT", "Kampot Provincial Prison (Kampot and Kep)", domain.Prison, "Kampot", -1, 1000, 1300, 100, 50, false},
	{"PP-KDL", "Kandal Provincial Prison", domain.Prison, "Kandal", -1, 314, 1042, 80, 40, false},
	{"PP-KKG", "Koh Kong Provincial Prison", domain.Prison, "Koh Kong", -1, 700, 650, 50, 25, false},
	{"PP-KRT", "Kratie Provincial Prison", domain.Prison, "Kratie", -1, 800, 700, 50, 25, false},
	{"PP-MDK", "Mondulkiri Provincial Prison", domain.Prison, "Mondulkiri", -1, 400, 250, 20, 10, false},
	{"PP-OMC", "Oddar Meanchey Provincial Prison", domain.Prison, "Oddar Meanchey", -1, 800, 900, 70, 35, false},
	{"PP-PLN", "Pailin Provincial Prison", domain.Prison, "Pailin", -1, 400, 300, 25, 10, false},
	{"PP-PSH", "Preah Sihanouk Provincial Prison", domain.Prison, "Preah Sihanouk", -1, 1000, 1500, 120, 55, false},
	{"PP-PVH", "Preah Vihear Provincial Prison", domain.Prison, "Preah Vihear", -1, 600, 500, 40, 20, false},
	{"PP-PVG", "Prey Veng Provincial Prison", domain.Prison, "Prey Veng", -1, 1000, 1200, 100, 50, false},
	{"PP-PST", "Pursat Provincial Prison", domain.Prison, "Pursat", -1, 900, 800, 60, 30, false},
	{"PP-RTK", "Ratanakiri Provincial Prison", domain.Prison, "Ratanakiri", -1, 600, 500, 40, 20, false},
	{"PP-SRP", "Siem Reap Provincial Prison", domain.Prison, "Siem Reap", -1, 1000, 1900, 160, 80, false},
	{"PP-STG", "Stung Treng Provincial Prison", domain.Prison, "Stung Treng", -1, 600, 400, 30, 15, false},
	{"PP-SVR", "Svay Rieng Provincial Prison", domain.Prison, "Svay Rieng", -1, 900, 1100, 85, 40, false},
	{"PP-TKO", "Takeo Provincial Prison", domain.Prison, "Takeo", -1, 1000, 1300, 110, 55, false},
	{"MIL", "Military Prison (Phnom Penh)", domain.Prison, "Phnom Penh", -2, 300, 160, 0, 0, false},
}

// Shares of the prison-system population on 2020-03-31 held in women's and
// juvenile cells. The facility figures above set how they are spread; these
// set the totals. Juvenile cells hold children at admission, some of whom come
// of age inside, so the share of under-18s on a date is somewhat lower.
const (
	womenCellShare    = 0.074
	juvenileCellShare = 0.060
	juvenileGirls     = 0.15 // of the children in juvenile cells
)

// Other facilities (not part of the prison system).
var drugSpecs = []facSpec{
	{"DC-PSH", "National Drug Rehabilitation Centre (Preah Sihanouk)", domain.DrugCentre, "Preah Sihanouk", -1, 1200, 1900, 190, 0, false},
	{"DC-PNH", "Phnom Penh Drug Rehabilitation Centre", domain.DrugCentre, "Phnom Penh", -1, 250, 480, 50, 0, false},
	{"DC-BTB", "Battambang Drug Rehabilitation Centre", domain.DrugCentre, "Battambang", -1, 150, 230, 20, 0, false},
	{"DC-BMC", "Banteay Meanchey Drug Rehabilitation Centre", domain.DrugCentre, "Banteay Meanchey", -1, 150, 220, 20, 0, false},
	{"DC-SRP", "Siem Reap Drug Rehabilitation Centre", domain.DrugCentre, "Siem Reap", -1, 150, 230, 20, 0, false},
	{"DC-KCM", "Kampong Cham Drug Rehabilitation Centre", domain.DrugCentre, "Kampong Cham", -1, 120, 190, 15, 0, false},
	{"DC-KPT", "Kampot Drug Rehabilitation Centre", domain.DrugCentre, "Kampot", -1, 100, 150, 15, 0, false},
}

var policeSpecs = []facSpec{
	{"PC-PNH", "Phnom Penh Municipal Police Commissariat (custody)", domain.PoliceCustody, "Phnom Penh", -1, 40, 11, 1, 0, false},
	{"PC-SRP", "Siem Reap Provincial Police Commissariat (custody)", domain.PoliceCustody, "Siem Reap", -1, 20, 5, 1, 0, false},
}

var juvenileSpecs = []facSpec{
	{"JC-PNH", "Juvenile Rehabilitation Centre (Phnom Penh)", domain.JuvenileCentre, "Phnom Penh", -1, 60, 45, 0, 45, false},
}

// capacityOf returns a facility's capacity at scale 1; CC3's, left blank in
// the table, is what makes the prison system's total the official one.
func capacityOf(specs []facSpec, i int) int {
	if specs[i].capacity != 0 || specs[i].id != "CC3" {
		return specs[i].capacity
	}
	sum := 0
	for _, s := range specs {
		sum += s.capacity
	}
	return officialCapacity - sum
}

// Pool kinds: each pool is a set of beds with its own population path and its
// own way of generating stays.
const (
	poolPrison = iota
	poolDrug
	poolPolice
	poolJuvenile
	numPools
)

// cellRef locates a cell of the estate, with the share of its pool's beds it
// receives.
type cellRef struct {
	fac, cell int
	weight    float64
	category  string
	big       bool
}

type estate struct {
	facs  []Facility
	court []int // court index per facility
	// transferIn per facility.
	transferIn []bool
	// pool cells, and for the prison pool the provincial prisons (sources of
	// transfers to the centres).
	cells      [numPools][]cellRef
	cum        [numPools][]float64
	provincial []int
	provCum    []float64
	menCells   [][]int // per facility: indices of men's cells (not big ones)
	catCells   [][3][]int
}

func round(x float64) int { return int(math.Floor(x + 0.5)) }

// apportion splits total into integer parts proportional to weights that sum
// exactly to total (largest remainders, ties to the lowest index).
func apportion(total int, weights []float64) []int {
	out := make([]int, len(weights))
	if len(weights) == 0 {
		return out
	}
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	if sum <= 0 {
		for i := range weights {
			weights[i] = 1
		}
		sum = float64(len(weights))
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		q := float64(total) * w / sum
		out[i] = int(math.Floor(q))
		given += out[i]
		rems[i] = rem{i, q - math.Floor(q)}
	}
	// selection of the largest remainders, stable by index
	for given < total {
		best := -1
		for j := range rems {
			if rems[j].r < 0 {
				continue
			}
			if best < 0 || rems[j].r > rems[best].r {
				best = j
			}
		}
		out[rems[best].i]++
		rems[best].r = -1
		given++
	}
	return out
}

// buildEstate scales the facility tables and lays out the cells.
func buildEstate(people int) *estate {
	scale := float64(people) / float64(basePeople)
	e := &estate{}
	groups := []struct {
		specs []facSpec
		pool  int
	}{{prisonSpecs, poolPrison}, {drugSpecs, poolDrug}, {policeSpecs, poolPolice}, {juvenileSpecs, poolJuvenile}}

	// Women and juvenile shares of the prison system, rescaled to the
	// national targets: men stay as in the table, women and children are
	// multiplied so that they make the set shares of the total, and the whole
	// is expressed in people on 2020-03-31 at scale 1.
	var pm, pw, pj float64
	for _, s := range prisonSpecs {
		pm += s.pop - s.women - s.juv
		pw += s.women
		pj += s.juv
	}
	total := pm / (1 - womenCellShare - juvenileCellShare)
	norm := basePeople / total
	wMul := womenCellShare * total / pw * norm
	jMul := juvenileCellShare * total / pj * norm

	for _, grp := range groups {
		caps := make([]float64, len(grp.specs))
		capTotal := 0
		for i := range grp.specs {
			c := capacityOf(grp.specs, i)
			caps[i] = float64(c)
			capTotal += c
		}
		scaled := apportion(round(float64(capTotal)*scale), caps)
		for i, s := range grp.specs {
			fi := len(e.facs)
			men, women, juv := s.pop-s.women-s.juv, s.women, s.juv
			if grp.pool == poolPrison {
				men, women, juv = men*norm, women*wMul, juv*jMul
			}
			f := Facility{ID: s.id, Name: s.name, Kind: s.kind, Province: s.province, Capacity: scaled[i],
				Planned: round((men + women + juv) * scale)}
			ct := s.court
			switch ct {
			case -1:
				ct = provinceIndex(s.province)
			case -2:
				ct = militaryCourt
			}
			e.court = append(e.court, ct)
			e.transferIn = append(e.transferIn, s.transferIn)
			if s.kind == domain.Prison && s.id != "MIL" {
				e.provincial = append(e.provincial, fi)
				e.provCum = append(e.provCum, s.pop)
			}
			// Category capacities, then cells.
			catPops := []float64{men, women, juv}
			catNames := []string{catMen, catWomen, catJuvenile}
			catCaps := apportion(f.Capacity, append([]float64(nil), catPops...))
			var catCells [3][]int
			var men2 []int
			for c := 0; c < 3; c++ {
				if catPops[c] <= 0 {
					continue
				}
				capc := catCaps[c]
				nbig := 0
				bigCap := 0
				if s.id == "CC1" && c == 0 {
					nbig = max(1, round(scale))
					bigCap = min(round(150*scale), capc)
				}
				ncell := max(1, round(float64(capc-bigCap)/cellDesign))
				regular := apportion(capc-bigCap, make([]float64, ncell))
				bigs := apportion(bigCap, make([]float64, nbig))
				popc := catPops[c]
				bigPop := 0.0
				if nbig > 0 {
					bigPop = bigCellPop
					popc -= bigPop
				}
				for j, cp := range bigs {
					label := fmt.Sprintf("H-%02d", j+1)
					f.Cells = append(f.Cells, Cell{Label: label, AreaM2: float64(cp) * 2.5, Capacity: cp, Category: catNames[c]})
					e.cells[grp.pool] = append(e.cells[grp.pool], cellRef{fac: fi, cell: len(f.Cells) - 1,
						weight: bigPop / float64(nbig), category: catNames[c], big: true})
				}
				capSum := 0
				for _, cp := range regular {
					capSum += cp
				}
				for j, cp := range regular {
					label := cellLabel(grp.pool, c, j)
					area := float64(cp) * (1.6 + 0.1*float64((j*7+len(s.id))%9))
					area = math.Round(area*2) / 2
					f.Cells = append(f.Cells, Cell{Label: label, AreaM2: area, Capacity: cp, Category: catNames[c]})
					w := popc / float64(len(regular))
					if capSum > 0 {
						w = popc * float64(cp) / float64(capSum)
					}
					ci := len(f.Cells) - 1
					catCells[c] = append(catCells[c], ci)
					if c == 0 {
						men2 = append(men2, ci)
					}
					e.cells[grp.pool] = append(e.cells[grp.pool], cellRef{fac: fi, cell: ci, weight: w, category: catNames[c]})
				}
			}
			e.menCells = append(e.menCells, men2)
			e.catCells = append(e.catCells, catCells)
			e.facs = append(e.facs, f)
		}
	}
	for p := 0; p < numPools; p++ {
		acc := 0.0
		for _, c := range e.cells[p] {
			acc += c.weight
		}
		run := 0.0
		for _, c := range e.cells[p] {
			run += c.weight
			e.cum[p] = append(e.cum[p], run/acc)
		}
		e.cum[p][len(e.cum[p])-1] = 1
	}
	acc := 0.0
	for _, w := range e.provCum {
		acc += w
	}
	run := 0.0
	for i, w := range e.provCum {
		run += w
		e.provCum[i] = run / acc
	}
	return e
}

// cellDesign is the design capacity of an ordinary cell at scale 1.
const cellDesign = 50

// bigCellPop is the population put in CC1's big cells (the "530 in a cell" of
// the LICADHO statement), at scale 1, out of CC1's 10,000.
const bigCellPop = 560

func cellLabel(pool, cat, j int) string {
	switch pool {
	case poolDrug:
		if cat == 1 {
			return fmt.Sprintf("F-%02d", j+1)
		}
		return fmt.Sprintf("D-%02d", j+1)
	case poolPolice:
		if cat == 1 {
			return fmt.Sprintf("LW-%02d", j+1)
		}
		return fmt.Sprintf("L-%02d", j+1)
	}
	switch cat {
	case 1:
		return fmt.Sprintf("W-%02d", j+1)
	case 2:
		return fmt.Sprintf("J-%02d", j+1)
	}
	// men's blocks of 20 cells: A-01 … A-20, B-01 …
	block := j / 20
	letter := string(rune('A' + block%7))
	if block >= 7 {
		letter += fmt.Sprint(block / 7)
	}
	return fmt.Sprintf("%s-%02d", letter, j%20+1)
}

// pick returns the index in cum of the cell holding fraction u.
func pick(cum []float64, u float64) int {
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// Facilities returns the facility list the generator uses, scaled for opt.
func Facilities(opt Options) []Facility {
	people := opt.People
	if people <= 0 {
		people = basePeople
	}
	e := buildEstate(people)
	out := make([]Facility, len(e.facs))
	for i, f := range e.facs {
		f.Cells = append([]Cell(nil), f.Cells...)
		out[i] = f
	}
	return out
}
