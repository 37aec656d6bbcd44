package screening

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"iter"
	"slices"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
)

// results holds a screening's results until they are sorted and written. At
// a million people, Result values with their slices and strings, and then
// the whole JSON document, took 5 GB; here each result is a few varints and
// its reasons (about 240 bytes), packed into
// large byte chunks that the garbage collector need not scan. Everything a
// Fired or Undecided repeats from its rule (kind, citation, note, weight) is
// stored as the rule's index and filled in again when read.
type results struct {
	pack   *rules.Pack
	chunks [][]byte
	ents   []entry
}

// entry is what sorting needs of one result, and where the rest is.
type entry struct {
	priority  int32
	unlawful  bool
	confirmed bool // unlawful on confirmed law
	chunk     uint32
	off       uint32
}

// batch is one worker's results for one chunk of people, encoded.
type batch struct {
	buf  []byte
	ents []entry // chunk is set when the batch is added to results
}

// encoder packs results; each worker has its own.
type encoder struct {
	ruleIdx map[string]int
}

func newEncoder(p *rules.Pack) *encoder {
	e := &encoder{ruleIdx: make(map[string]int, len(p.Rules)+len(p.Checks))}
	for i, r := range p.Rules {
		e.ruleIdx[r.ID] = i
	}
	for i, r := range p.Checks {
		e.ruleIdx[r.ID] = len(p.Rules) + i
	}
	return e
}

// ruleAt is the rule or data check of an index given by the encoder: the
// rules of law first, then the checks.
func ruleAt(p *rules.Pack, i uint64) *rules.Rule {
	if n := uint64(len(p.Rules)); i >= n {
		return p.Checks[i-n]
	}
	return p.Rules[i]
}

func (e *encoder) add(b *batch, r *Result) error {
	if len(b.buf) > 1<<30 {
		return fmt.Errorf("screening results of one chunk of people too large")
	}
	b.ents = append(b.ents, entry{priority: int32(r.Priority), unlawful: r.Unlawful, confirmed: r.ConfirmedLaw, off: uint32(len(b.buf))})
	buf := appendString(b.buf, r.Person)
	buf = appendString(buf, r.Facility)
	buf = appendString(buf, string(r.Status))
	buf = appendTraits(buf, &r.Traits)
	buf = binary.AppendUvarint(buf, uint64(r.NextChange))
	buf = binary.AppendUvarint(buf, uint64(len(r.Fired)))
	for i := range r.Fired {
		if buf = e.appendFired(buf, &r.Fired[i]); buf == nil {
			return fmt.Errorf("rule %s of %s is not in the pack", r.Fired[i].Rule, r.Person)
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(r.Upcoming)))
	for i := range r.Upcoming {
		if buf = e.appendFired(buf, &r.Upcoming[i]); buf == nil {
			return fmt.Errorf("rule %s of %s is not in the pack", r.Upcoming[i].Rule, r.Person)
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(r.Undecided)))
	for _, u := range r.Undecided {
		i, ok := e.ruleIdx[u.Rule]
		if !ok {
			return fmt.Errorf("rule %s of %s is not in the pack", u.Rule, r.Person)
		}
		buf = binary.AppendUvarint(buf, uint64(i))
		buf = binary.AppendUvarint(buf, uint64(len(u.Unknown)))
		for _, s := range u.Unknown {
			buf = appendString(buf, s)
		}
		buf = appendString(buf, u.Error)
	}
	buf = binary.AppendUvarint(buf, uint64(len(r.Checks)))
	for i := range r.Checks {
		if buf = e.appendFired(buf, &r.Checks[i]); buf == nil {
			return fmt.Errorf("data check %s of %s is not in the pack", r.Checks[i].Rule, r.Person)
		}
	}
	b.buf = buf
	return nil
}

// Trait bits of the encoding.
const (
	trViolent = 1 << iota
	trFelony
	trDrug
	trGrave
	trChronic
	trDaysLeft
	trIll
	trPregnant
	trMother
	trMinor
)

func appendTraits(buf []byte, t *Traits) []byte {
	var bits uint16
	for _, x := range []struct {
		on  bool
		bit uint16
	}{{t.Violent, trViolent}, {t.Felony, trFelony}, {t.Drug, trDrug}, {t.Grave, trGrave}, {t.Chronic, trChronic}, {t.HasDaysLeft, trDaysLeft},
		{t.Ill, trIll}, {t.Pregnant, trPregnant}, {t.Mother, trMother}, {t.Minor, trMinor}} {
		if x.on {
			bits |= x.bit
		}
	}
	buf = binary.AppendUvarint(buf, uint64(bits))
	buf = binary.AppendUvarint(buf, uint64(t.Age+1)) // -1 (unknown) is 0
	buf = binary.AppendVarint(buf, int64(t.DaysLeft))
	return appendString(buf, t.Cell)
}

func (r *reader) traits() Traits {
	bits := r.uvarint()
	t := Traits{Violent: bits&trViolent != 0, Felony: bits&trFelony != 0, Drug: bits&trDrug != 0, Grave: bits&trGrave != 0,
		Chronic: bits&trChronic != 0, Ill: bits&trIll != 0, Pregnant: bits&trPregnant != 0, Mother: bits&trMother != 0,
		Minor: bits&trMinor != 0}
	t.Age = int(r.uvarint()) - 1
	t.HasDaysLeft = bits&trDaysLeft != 0
	d, n := binary.Varint(*r)
	if n <= 0 {
		panic("screening: corrupt result encoding")
	}
	*r = (*r)[n:]
	t.DaysLeft = int(d)
	t.Cell = r.string()
	return t
}

func (e *encoder) appendFired(buf []byte, f *Fired) []byte {
	i, ok := e.ruleIdx[f.Rule]
	if !ok {
		return nil
	}
	buf = binary.AppendUvarint(buf, uint64(i))
	buf = binary.AppendUvarint(buf, uint64(f.Date))
	return appendString(buf, f.Reason)
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// chunkSize is the size of the chunks results are copied into: a worker's
// buffer grows by doubling and may be half empty, a chunk is filled.
const chunkSize = 4 << 20

// add copies a worker's batch into the chunks.
func (rs *results) add(b *batch) {
	if len(b.ents) == 0 {
		return
	}
	last := len(rs.chunks) - 1
	if last < 0 || len(rs.chunks[last])+len(b.buf) > cap(rs.chunks[last]) {
		rs.chunks = append(rs.chunks, make([]byte, 0, max(chunkSize, len(b.buf))))
		last++
	}
	base := len(rs.chunks[last])
	rs.chunks[last] = append(rs.chunks[last], b.buf...)
	for _, e := range b.ents {
		e.chunk, e.off = uint32(last), e.off+uint32(base)
		rs.ents = append(rs.ents, e)
	}
}

func (rs *results) len() int { return len(rs.ents) }

// person is the id of the person of an entry, without copying it.
func (rs *results) person(e entry) []byte {
	buf := rs.chunks[e.chunk][e.off:]
	n, k := binary.Uvarint(buf)
	return buf[k : k+int(n)]
}

// sort puts people held unlawfully first, then by priority score, highest
// first, then by id (see Sort).
func (rs *results) sort() {
	slices.SortFunc(rs.ents, func(a, b entry) int {
		if a.unlawful != b.unlawful {
			if a.unlawful {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.priority, a.priority); c != 0 {
			return c
		}
		return bytesCompare(rs.person(a), rs.person(b))
	})
}

func bytesCompare(a, b []byte) int {
	return cmp.Compare(string(a), string(b))
}

// all decodes the results in their order, one at a time.
func (rs *results) all() iter.Seq[Result] {
	return func(yield func(Result) bool) {
		if rs == nil {
			return
		}
		for _, e := range rs.ents {
			if !yield(rs.decode(e)) {
				return
			}
		}
	}
}

// reader walks an encoded result. The encoding is written by this package
// only, so a read past the end is a bug, not bad input: it panics.
type reader []byte

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(*r)
	if n <= 0 {
		panic("screening: corrupt result encoding")
	}
	*r = (*r)[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	s := string((*r)[:n])
	*r = (*r)[n:]
	return s
}

func (rs *results) decode(e entry) Result {
	return decodeResult(rs.pack, rs.chunks[e.chunk][e.off:], e)
}

// EncodeResult packs one result for storing, as a screening holds its
// results (the rules by their index in p): it is read back with the same
// pack only.
func EncodeResult(p *rules.Pack, r *Result) ([]byte, error) {
	flags := uint64(0)
	if r.Unlawful {
		flags |= 1
	}
	if r.ConfirmedLaw {
		flags |= 2
	}
	b := &batch{buf: binary.AppendVarint(binary.AppendUvarint(nil, flags), int64(r.Priority))}
	if err := newEncoder(p).add(b, r); err != nil {
		return nil, err
	}
	return b.buf, nil
}

// DecodeResult reads a result packed by EncodeResult with the same pack.
// Stored bytes may be damaged: a bad encoding is an error, not a panic.
func DecodeResult(p *rules.Pack, buf []byte) (res Result, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("a stored screening result cannot be read: %v", x)
		}
	}()
	rd := reader(buf)
	flags := rd.uvarint()
	prio, n := binary.Varint(rd)
	if n <= 0 {
		return Result{}, fmt.Errorf("a stored screening result cannot be read: bad priority")
	}
	rd = rd[n:]
	return decodeResult(p, rd, entry{priority: int32(prio), unlawful: flags&1 != 0, confirmed: flags&2 != 0}), nil
}

func decodeResult(p *rules.Pack, buf []byte, e entry) Result {
	rd := reader(buf)
	res := Result{Person: rd.string(), Facility: rd.string(), Status: domain.LegalStatus(rd.string()),
		Unlawful: e.unlawful, ConfirmedLaw: e.confirmed, Priority: int(e.priority)}
	res.Traits = rd.traits()
	res.NextChange = domain.Date(rd.uvarint())
	firedList := func() []Fired {
		n := rd.uvarint()
		if n == 0 {
			return nil
		}
		out := make([]Fired, n)
		for i := range out {
			r := ruleAt(p, rd.uvarint())
			d := domain.Date(rd.uvarint())
			out[i] = fired(r, rd.string(), d)
		}
		return out
	}
	res.Fired = firedList()
	if res.Fired == nil {
		res.Fired = []Fired{}
	}
	res.Upcoming = firedList()
	if n := rd.uvarint(); n > 0 {
		res.Undecided = make([]Undecided, n)
		for i := range res.Undecided {
			r := p.Rules[rd.uvarint()]
			u := Undecided{Rule: r.ID, Kind: r.Kind}
			if k := rd.uvarint(); k > 0 {
				u.Unknown = make([]string, k)
				for j := range u.Unknown {
					u.Unknown[j] = rd.string()
				}
			}
			u.Error = rd.string()
			res.Undecided[i] = u
		}
	}
	res.Checks = firedList()
	return res
}
