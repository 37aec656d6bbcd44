// Package demo generates a deterministic synthetic register of Cambodian
// prisons and detainees, calibrated to the published figures of domain.md
// (population and its trend, capacity, pre-trial share, women, children with
// their mothers, drug offences), with enough unusual legal situations that
// every rule of the Cambodia pack fires for some people, and a few errors of
// record, as any register has (a birth never entered, a detention order
// entered without its expiry, an offence dated a century early, a
// prosecution appeal never entered), that screening lists under data to
// check.
//
// # How it works
//
// The prison system is modelled as beds. The population path P(t) is a
// function of the day; bed k exists from the first day P(t) > k until the
// first day after the peak on which P(t) <= k, and it is never empty: a stay
// ends on a day and the next stay in the bed starts that same day. The
// population on a day is therefore exactly the number of beds that exist,
// P(t), whatever the lengths of the stays — which come from a model of
// Cambodian criminal procedure (pre-trial detention, extensions, verdict,
// appeal, sentence, pardons…) and are drawn freely. Beds that close after
// March 2020 are the releases of the 2020 reforms (bail, pardons, sentence
// reductions, conditional release).
//
// Each bed is assigned a cell (and so a facility and a category: men, women,
// juveniles) by a low-discrepancy sequence, so that any number of beds from
// the first is split among cells in almost exact proportion to their weights:
// composition by facility, cell and sex is stable over time and hits its
// targets on every date. Children living with their mothers are anchored the
// same way: for a set of reference dates, a chosen number of women's beds get
// a child living with whoever occupies them that day, with the child's stay
// kept between the neighbouring reference dates, so the count is exact on
// those dates (30 at the end of 2015, 101 at the end of June 2020) and moves
// smoothly between them.
//
// Each bed has its own random stream (PCG seeded from the seed and the bed),
// and its stays are generated and emitted before the next bed's, so the
// generator streams with memory independent of the number of people. A
// person's later stays come from the same bed (re-offenders); the stays of a
// bed before the register opened on 2015-01-01 are drawn and discarded so
// that the people in custody that day have realistic admission dates.
// Drug detention centres, police custody (records from 2020) and the juvenile
// centre are pools of their own, outside the prison system's count.
//
// What is exact and what is approximate: the prison-system population on
// every day (People on 2020-03-31, 21,900 scaled at the end of 2016), the
// capacities, and the children living with their mothers on the reference
// dates are exact by construction. The legal composition (about 75% not
// finally convicted), the women and minors, the drug admissions of 2017 to
// July 2020 and the number of people in each unusual legal situation follow
// from the probabilities of plan.go and are checked by the tests within
// tolerances. demo_test.go measures all of it by folding the events with the
// domain's own fold.
//
// Known simplifications: people already in custody when the register opens
// keep their real (earlier) admission dates, before the 2015-01-01 dating of
// the facility records; a judgment nobody appeals is recorded as final on the
// day it is given; the case and person numbers follow the order of
// generation, not of the calendar.
package demo

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Options of the demo register.
type Options struct {
	Seed   int64 // same seed => byte-identical event stream
	People int   // people in custody in the prison system on 2020-03-31; 0 means the real figure 38990
}

// End is the last date of the demo register.
const End domain.Date = 20201231

// basePeople is the prison population on 31 March 2020 (domain.md section 1).
const basePeople = 38990

// Recording fields of every event.
const (
	recordedBy = "demo"
	via        = domain.ViaDemo
)

// Generate emits the register as ledger events: the facilities and their
// cells, then every person's registration followed by their custody events
// in date order. Seq, Prev and Hash are left zero for the ledger to assign.
// It stops at the first error of emit or when ctx is done.
func Generate(ctx context.Context, opt Options, emit func(*domain.Event) error) error {
	if opt.People < 0 {
		return errors.New("demo: the number of people cannot be negative")
	}
	if opt.People == 0 {
		opt.People = basePeople
	}
	// Generation runs in its own goroutine, one batch of events ahead of the
	// caller's emit: the stream is the same as if it were sequential.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*domain.Event, 4)
	var genErr error
	go func() {
		defer close(batches)
		g := newGen(ctx, opt, batches)
		genErr = g.run()
	}()
	var emitErr error
	for b := range batches {
		if emitErr != nil {
			continue // drain so that the generator can stop
		}
		for _, ev := range b {
			if err := emit(ev); err != nil {
				emitErr = err
				cancel()
				break
			}
		}
	}
	if emitErr != nil {
		return emitErr
	}
	return genErr
}

// run generates everything into batches.
func (g *gen) run() error {
	if err := g.emitEstate(); err != nil {
		return err
	}
	for _, p := range g.pools {
		if err := g.runPool(p); err != nil {
			return err
		}
	}
	if err := g.emitCommitments(); err != nil {
		return err
	}
	return g.flush()
}

// batchSize is the number of events handed over at a time.
const batchSize = 4096

// put adds an event to the current batch.
func (g *gen) put(ev *domain.Event) { g.batch = append(g.batch, ev) }

// flush hands the current batch over, unless the run was cancelled.
func (g *gen) flush() error {
	if len(g.batch) == 0 {
		return g.ctx.Err()
	}
	select {
	case g.batches <- g.batch:
		g.batch = make([]*domain.Event, 0, batchSize+64)
		return nil
	case <-g.ctx.Done():
		return g.ctx.Err()
	}
}

// gen is the state of one run; nothing in it grows with the number of people
// except the one byte per prison bed that marks the mothers' beds.
type gen struct {
	opt     Options
	ctx     context.Context
	batches chan<- []*domain.Event
	batch   []*domain.Event
	scale   float64
	est     *estate
	pools   []*pool
	offset  [numPools]float64 // low-discrepancy offsets, from the seed

	// designated[k] is 1 + the anchor index for which prison bed k holds a
	// mother living with her child, or 0.
	designated []uint8
	anchors    []anchor

	pcg *rand.PCG
	r   *rand.Rand
	// aux draws what issue 15 added to the legal process (held after an
	// acquittal, court dismissals, missing offence dates and expiries) from
	// a stream of its own, so that the main stream, and with it every stay,
	// population and calibrated figure, is what it was.
	auxPCG *rand.PCG
	aux    *rand.Rand

	nextID int
	caseNo [][]int32 // per court, per year since 1990

	// per bed, reused
	curAnchor bool // the current bed is a mother's bed
	recClock  int  // when the current person's last event was recorded (seconds)
	persons   []person
	stays     []stay
	pend      []pending
}

// anchor is a reference date with the number of children living with their
// mothers on it.
type anchor struct {
	day, count int
	prev, next int // the child's stay must lie strictly between these
}

// anchorTargets: children living in prison with their mothers, at scale 1 —
// 30 at the end of 2015 and 101 in June 2020 (domain.md section 1), smooth
// growth in between, some decline with the releases of late 2020.
var anchorTargets = []struct {
	date  string
	count float64
}{
	{"2015-06-30", 27}, {"2015-12-31", 30}, {"2016-06-30", 35}, {"2016-12-31", 39}, {"2017-06-30", 45},
	{"2017-12-31", 51}, {"2018-06-30", 59}, {"2018-12-31", 67}, {"2019-06-30", 77}, {"2019-12-31", 88},
	{"2020-06-30", 101}, {"2020-12-31", 93},
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newGen(ctx context.Context, opt Options, batches chan<- []*domain.Event) *gen {
	g := &gen{opt: opt, ctx: ctx, batches: batches, scale: float64(opt.People) / basePeople,
		batch: make([]*domain.Event, 0, batchSize+64)}
	g.est = buildEstate(opt.People)
	for k := 0; k < numPools; k++ {
		g.pools = append(g.pools, newPool(k, opt.People))
		g.offset[k] = float64(splitmix(uint64(opt.Seed)^uint64(k+1)*0x632be59bd9b4e019)>>11) / (1 << 53)
	}
	g.pcg = rand.NewPCG(0, 0)
	g.r = rand.New(g.pcg)
	g.auxPCG = rand.NewPCG(0, 0)
	g.aux = rand.New(g.auxPCG)
	g.caseNo = make([][]int32, len(courts))
	for i := range g.caseNo {
		g.caseNo[i] = make([]int32, 40)
	}
	g.designate()
	return g
}

// golden is the fractional part of the golden ratio: the additive sequence
// frac(offset + k*golden) spreads any prefix of beds over [0,1) almost evenly.
var golden = (math.Sqrt(5) - 1) / 2

// bedCell returns the cell of bed k of a pool.
func (g *gen) bedCell(pool, k int) cellRef {
	u := g.offset[pool] + float64(k+1)*golden
	u -= math.Floor(u)
	return g.est.cells[pool][pick(g.est.cum[pool], u)]
}

// designate chooses, for each anchor date, the women's beds whose occupant
// on that date lives with a child: as many as the target, spread evenly over
// the women's beds that exist that day and are not already chosen.
func (g *gen) designate() {
	p := g.pools[poolPrison]
	g.designated = make([]uint8, p.beds)
	women := make([]bool, p.beds)
	for k := range women {
		women[k] = g.bedCell(poolPrison, k).category == catWomen
	}
	for i, a := range anchorTargets {
		day := domain.MustDate(a.date).DayNumber()
		an := anchor{day: day, count: round(a.count * g.scale)}
		an.prev = dayStart - 183
		if i > 0 {
			an.prev = domain.MustDate(anchorTargets[i-1].date).DayNumber()
		}
		an.next = dayEnd + 183
		if i+1 < len(anchorTargets) {
			an.next = domain.MustDate(anchorTargets[i+1].date).DayNumber()
		}
		g.anchors = append(g.anchors, an)
		open := p.at(day)
		avail := 0
		for k := 0; k < open; k++ {
			if women[k] && g.designated[k] == 0 {
				avail++
			}
		}
		n := min(an.count, avail)
		if n == 0 {
			continue
		}
		// the j-th chosen bed is the floor((j+0.5)*avail/n)-th available one
		rank, j := 0, 0
		next := int((float64(j) + 0.5) * float64(avail) / float64(n))
		for k := 0; k < open && j < n; k++ {
			if !women[k] || g.designated[k] != 0 {
				continue
			}
			if rank == next {
				g.designated[k] = uint8(i + 1)
				j++
				next = int((float64(j) + 0.5) * float64(avail) / float64(n))
			}
			rank++
		}
	}
}

// emitEstate emits the facilities and their cells.
func (g *gen) emitEstate() error {
	at := stamp(dayStart, 8*3600)
	date := dateOf(dayStart)
	for _, f := range g.est.facs {
		ev := &domain.Event{Kind: domain.KFacility, Date: date, Facility: f.ID, RecordedAt: at, RecordedBy: recordedBy, Via: via,
			Data: &domain.FacilityData{Name: f.Name, Kind: f.Kind, Province: f.Province, Capacity: f.Capacity, CapacitySource: CapacitySource}}
		g.put(ev)
	}
	for _, f := range g.est.facs {
		for _, c := range f.Cells {
			ev := &domain.Event{Kind: domain.KCell, Date: date, Facility: f.ID, RecordedAt: at, RecordedBy: recordedBy, Via: via,
				Data: &domain.CellData{Label: c.Label, AreaM2: c.AreaM2, Capacity: c.Capacity, Category: c.Category}}
			g.put(ev)
		}
	}
	return nil
}

// stamp formats a recording time: day (a day number) at secs after midnight
// UTC, as RFC 3339.
func stamp(day, secs int) string {
	h, mi, sec := secs/3600, secs/60%60, secs%60
	b := []byte(dateOf(day).String() + "T00:00:00Z")
	b[11], b[12] = byte('0'+h/10), byte('0'+h%10)
	b[14], b[15] = byte('0'+mi/10), byte('0'+mi%10)
	b[17], b[18] = byte('0'+sec/10), byte('0'+sec%10)
	return string(b)
}

// localTime formats a local date and time YYYY-MM-DDTHH:MM.
func localTime(day, minutes int) string {
	s := stamp(day, minutes*60)
	return s[:16]
}

// caseID allocates the next case number of a court for a year.
func (g *gen) caseID(court, year int) string {
	yi := year - 1990
	if yi < 0 {
		yi = 0
	}
	if yi >= len(g.caseNo[court]) {
		yi = len(g.caseNo[court]) - 1
	}
	g.caseNo[court][yi]++
	n := int(g.caseNo[court][yi])
	b := make([]byte, 0, 16)
	b = append(b, courts[court].code...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(year), 10)
	b = append(b, '-')
	for d := 10000; d > 1 && n < d; d /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(n), 10)
	return string(b)
}

// personID allocates the next person id.
func (g *gen) personID() string {
	g.nextID++
	b := make([]byte, 0, 10)
	b = append(b, 'P')
	n := g.nextID
	for d := 10000000; d > 1 && n < d; d /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(n), 10)
	return string(b)
}
