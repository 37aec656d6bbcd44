package store

import (
	"crypto/sha256"
	"hash"
	"sort"
	"strconv"

	"github.com/habeas-kh/habeas/internal/domain"
)

// The digest of a person's projections is built table by table so that a
// backend can compute it while streaming each table in person order, holding
// only one small hash per person and table. The row encodings below are the
// single definition both sides use.

// Digester accumulates the rows of one table for one person.
type Digester struct{ h hash.Hash }

func NewDigester() *Digester { return &Digester{h: sha256.New()} }

func (d *Digester) field(s string) {
	d.h.Write([]byte(s))
	d.h.Write([]byte{0x1f})
}

func (d *Digester) num(n int64) { d.field(strconv.FormatInt(n, 10)) }

func (d *Digester) end() { d.h.Write([]byte{0x1e}) }

func (d *Digester) Sum() (out [32]byte) {
	copy(out[:], d.h.Sum(nil))
	return out
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (d *Digester) Person(p Person) {
	d.field(p.ID)
	d.field(p.Name)
	d.field(string(p.Sex))
	d.num(int64(p.DOB))
	d.field(string(p.DOBBasis))
	d.field(p.Nationality)
	d.num(b2i(p.InCustody))
	d.field(p.Facility)
	d.field(p.Cell)
	d.field(string(p.Status))
	d.num(int64(p.Admitted))
	d.num(int64(p.LastDate))
	d.field(string(p.ExitKind))
	d.num(int64(p.ExitDate))
	d.field(string(p.Mechanism))
	d.end()
}

// Stay rows are digested in order of From (stays of a person never overlap).
func (d *Digester) Stay(s domain.Stay) {
	d.field(s.Facility)
	d.field(s.Cell)
	d.num(int64(s.From))
	d.num(int64(s.To))
	d.field(string(s.Status))
	d.num(b2i(s.Drug))
	d.field(string(s.Sex))
	d.num(int64(s.DOB))
	d.end()
}

// Episode rows are digested in order of N.
func (d *Digester) Episode(e domain.Episode) {
	d.num(int64(e.N))
	d.num(int64(e.Admitted))
	d.field(e.FacilityIn)
	d.num(int64(e.Ended))
	d.field(string(e.EndKind))
	d.field(string(e.Mechanism))
	d.field(e.FacilityOut)
	d.field(string(e.StatusAtEnd))
	d.num(b2i(e.Drug))
	d.end()
}

// Flag rows are digested in FlagLess order.
func (d *Digester) Flag(f domain.Flag) {
	d.field(string(f.Kind))
	d.num(int64(f.From))
	d.num(int64(f.To))
	d.num(int64(f.ChildDOB))
	d.field(f.Detail)
	d.end()
}

// FlagLess is the order flags are digested (and read back) in.
func FlagLess(a, b domain.Flag) bool {
	if a.From != b.From {
		return a.From < b.From
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.ChildDOB != b.ChildDOB {
		return a.ChildDOB < b.ChildDOB
	}
	if a.To != b.To {
		return a.To < b.To
	}
	return a.Detail < b.Detail
}

// Table indexes for CombineDigests.
const (
	TPersons = iota
	TStays
	TEpisodes
	TFlags
	NTables
)

// CombineDigests folds the per-table digests of a person into one. A table
// with no rows for the person contributes the digest of nothing.
func CombineDigests(parts *[NTables][32]byte) Digest {
	h := sha256.New()
	for i := range parts {
		h.Write(parts[i][:])
	}
	var out Digest
	copy(out[:], h.Sum(nil))
	return out
}

// EmptyDigest is the digest of a table with no rows for the person.
var EmptyDigest = NewDigester().Sum()

// DigestFile computes the digest of the projection rows a person's file
// produces, as a backend must compute it from its stored rows.
func DigestFile(f *domain.PersonFile) Digest {
	var parts [NTables][32]byte
	d := NewDigester()
	d.Person(PersonOf(f))
	parts[TPersons] = d.Sum()
	parts[TStays], parts[TEpisodes], parts[TFlags] = EmptyDigest, EmptyDigest, EmptyDigest
	if len(f.Stays) > 0 {
		d = NewDigester()
		stays := append([]domain.Stay(nil), f.Stays...)
		sort.Slice(stays, func(i, j int) bool { return stays[i].From < stays[j].From })
		for _, s := range stays {
			d.Stay(s)
		}
		parts[TStays] = d.Sum()
	}
	if len(f.Episodes) > 0 {
		d = NewDigester()
		for _, e := range f.Episodes {
			d.Episode(e)
		}
		parts[TEpisodes] = d.Sum()
	}
	if len(f.Flags) > 0 {
		d = NewDigester()
		flags := append([]domain.Flag(nil), f.Flags...)
		sort.Slice(flags, func(i, j int) bool { return FlagLess(flags[i], flags[j]) })
		for _, fl := range flags {
			d.Flag(fl)
		}
		parts[TFlags] = d.Sum()
	}
	return CombineDigests(&parts)
}
