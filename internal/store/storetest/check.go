package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// d reads a date literal.
func d(s string) domain.Date { return domain.MustDate(s) }

// sameSet reports (as an error of t) whether got and want hold the same rows,
// in any order. Nil and empty are the same.
func sameSet[T any](t testing.TB, what string, got, want []T) bool {
	t.Helper()
	g, w := sortedCopy(got), sortedCopy(want)
	if len(g) == 0 && len(w) == 0 {
		return true
	}
	if reflect.DeepEqual(g, w) {
		return true
	}
	t.Errorf("%s:\n got  %s\n want %s", what, rowsString(g), rowsString(w))
	return false
}

// sameList is sameSet where the order matters.
func sameList[T any](t testing.TB, what string, got, want []T) bool {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return true
	}
	if reflect.DeepEqual(got, want) {
		return true
	}
	t.Errorf("%s:\n got  %s\n want %s", what, rowsString(got), rowsString(want))
	return false
}

func sortedCopy[T any](rows []T) []T {
	keys := make([]string, len(rows))
	idx := make([]int, len(rows))
	for i, r := range rows {
		keys[i] = fmt.Sprintf("%#v", r)
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	out := make([]T, len(rows))
	for i, j := range idx {
		out[i] = rows[j]
	}
	return out
}

func rowsString[T any](rows []T) string {
	var sb strings.Builder
	sb.WriteString("[")
	for i, r := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		if se, ok := any(r).(store.StoredEvent); ok {
			fmt.Fprintf(&sb, "{Seq:%d Kind:%s Date:%s Person:%q Facility:%q Body:%q Prev:%.8s Hash:%.8s}",
				se.Seq, se.Kind, se.Date, se.Person, se.Facility, se.Body, se.Prev, se.Hash)
			continue
		}
		fmt.Fprintf(&sb, "%+v", r)
	}
	sb.WriteString("]")
	return sb.String()
}

// nonZero drops rows with a zero count.
func nonZero(rows []store.FacilityCount) []store.FacilityCount {
	var out []store.FacilityCount
	for _, r := range rows {
		if r.Count != 0 {
			out = append(out, r)
		}
	}
	return out
}

func fatalIf(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func headOf(t testing.TB, s store.Store) store.Head {
	t.Helper()
	h, err := s.Head(t.Context())
	fatalIf(t, err, "Head")
	return h
}

func eventsFrom(t testing.TB, s store.Store, from int64) []store.StoredEvent {
	t.Helper()
	var out []store.StoredEvent
	err := s.Events(t.Context(), from, func(se store.StoredEvent) error {
		se.Body = append([]byte(nil), se.Body...)
		out = append(out, se)
		return nil
	})
	fatalIf(t, err, fmt.Sprintf("Events(%d)", from))
	return out
}

type personEvents struct {
	Person string
	Events []store.StoredEvent
}

func eventsByPerson(t testing.TB, s store.Store) []personEvents {
	t.Helper()
	var out []personEvents
	err := s.EventsByPerson(t.Context(), func(p string, evs []store.StoredEvent) error {
		c := make([]store.StoredEvent, len(evs))
		for i, se := range evs {
			se.Body = append([]byte(nil), se.Body...)
			c[i] = se
		}
		out = append(out, personEvents{p, c})
		return nil
	})
	fatalIf(t, err, "EventsByPerson")
	return out
}

// verifyChain checks that evs is a whole ledger: sequence numbers 1..n, each
// Prev the Hash of the event before (GenesisHash first), each Hash the chain
// hash of its body.
func verifyChain(t testing.TB, evs []store.StoredEvent) {
	t.Helper()
	prev := domain.GenesisHash
	for i, se := range evs {
		if se.Seq != int64(i+1) {
			t.Errorf("event #%d has seq %d, want %d", i, se.Seq, i+1)
			return
		}
		if se.Prev != prev {
			t.Errorf("event %d: prev %.12s, want the hash of the previous event %.12s", se.Seq, se.Prev, prev)
			return
		}
		if h := domain.ChainHash(se.Prev, se.Body); se.Hash != h {
			t.Errorf("event %d: hash %.12s, but the body and prev hash to %.12s", se.Seq, se.Hash, h)
			return
		}
		prev = se.Hash
	}
}

func population(t testing.TB, s store.Store, asOf domain.Date) []store.PopRow {
	t.Helper()
	rows, err := s.Population(t.Context(), asOf)
	fatalIf(t, err, fmt.Sprintf("Population(%s)", asOf))
	return rows
}

// popCount sums the population of rows matching keep (all when nil).
func popCount(rows []store.PopRow, keep func(store.PopRow) bool) int {
	n := 0
	for _, r := range rows {
		if keep == nil || keep(r) {
			n += r.Count
		}
	}
	return n
}

func atFacility(f string) func(store.PopRow) bool {
	return func(r store.PopRow) bool { return r.Facility == f }
}

func flagsOn(t testing.TB, s store.Store, asOf domain.Date) []store.FlagRow {
	t.Helper()
	rows, err := s.FlagsOn(t.Context(), asOf)
	fatalIf(t, err, fmt.Sprintf("FlagsOn(%s)", asOf))
	return rows
}

// digests collects ProjectionDigests, checking that it gives each person
// once, in ascending id order.
func digests(t testing.TB, s store.Store) map[string]store.Digest {
	t.Helper()
	m := map[string]store.Digest{}
	var last string
	err := s.ProjectionDigests(t.Context(), func(id string, dg store.Digest) error {
		if len(m) > 0 && id <= last {
			t.Errorf("ProjectionDigests gave %q after %q: not in ascending order", id, last)
		}
		m[id], last = dg, id
		return nil
	})
	fatalIf(t, err, "ProjectionDigests")
	return m
}

// expectDigests checks the stored digests against DigestFile of files.
func expectDigests(t testing.TB, s store.Store, files []*domain.PersonFile) {
	t.Helper()
	got := digests(t, s)
	want := make(map[string]store.Digest, len(files))
	for _, f := range files {
		want[f.ID] = store.DigestFile(f)
	}
	diffDigests(t, got, want)
}

func diffDigests(t testing.TB, got, want map[string]store.Digest) {
	t.Helper()
	var bad []string
	for id, w := range want {
		g, ok := got[id]
		switch {
		case !ok:
			bad = append(bad, id+" missing")
		case g != w:
			bad = append(bad, id+" differs")
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			bad = append(bad, id+" unexpected")
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		if len(bad) > 10 {
			bad = append(bad[:10], fmt.Sprintf("… %d more", len(bad)-10))
		}
		t.Errorf("projection digests (%d stored, %d expected): %s", len(got), len(want), strings.Join(bad, "; "))
	}
}

// snapshot is everything a store shows, to check that a failed call wrote
// nothing.
type snapshot struct {
	head       store.Head
	latest     domain.Date
	events     []store.StoredEvent
	byPerson   []personEvents
	facilities []store.Facility
	capacities []store.Capacity
	cells      []store.Cell
	census     []store.Census
	persons    map[string]store.Person
	exists     map[string]bool
	digests    map[string]store.Digest
	pop        [][]store.PopRow
}

func takeSnapshot(t testing.TB, s store.Store, ids []string, dates []domain.Date) snapshot {
	t.Helper()
	ctx := t.Context()
	sn := snapshot{head: headOf(t, s), events: eventsFrom(t, s, 0), byPerson: eventsByPerson(t, s), digests: digests(t, s)}
	var err error
	sn.latest, err = s.LatestDate(ctx)
	fatalIf(t, err, "LatestDate")
	sn.facilities, err = s.Facilities(ctx)
	fatalIf(t, err, "Facilities")
	sn.capacities, err = s.Capacities(ctx)
	fatalIf(t, err, "Capacities")
	sn.cells, err = s.Cells(ctx)
	fatalIf(t, err, "Cells")
	sn.census, err = s.Census(ctx)
	fatalIf(t, err, "Census")
	sn.persons, err = s.Persons(ctx, ids)
	fatalIf(t, err, "Persons")
	sn.exists, err = s.PersonExists(ctx, ids)
	fatalIf(t, err, "PersonExists")
	for _, dt := range dates {
		sn.pop = append(sn.pop, population(t, s, dt))
	}
	return sn
}

func (a snapshot) expectSame(t testing.TB, b snapshot, what string) {
	t.Helper()
	if a.head != b.head {
		t.Errorf("%s: head moved from %d to %d", what, a.head.Seq, b.head.Seq)
	}
	if a.latest != b.latest {
		t.Errorf("%s: LatestDate moved from %s to %s", what, a.latest, b.latest)
	}
	sameList(t, what+": events", b.events, a.events)
	if !reflect.DeepEqual(normPE(a.byPerson), normPE(b.byPerson)) {
		t.Errorf("%s: EventsByPerson changed", what)
	}
	sameSet(t, what+": facilities", b.facilities, a.facilities)
	sameSet(t, what+": capacities", b.capacities, a.capacities)
	sameSet(t, what+": cells", b.cells, a.cells)
	sameSet(t, what+": census", b.census, a.census)
	if !reflect.DeepEqual(normMap(a.persons), normMap(b.persons)) {
		t.Errorf("%s: persons changed:\n got  %+v\n want %+v", what, b.persons, a.persons)
	}
	for id, ok := range b.exists {
		if ok != a.exists[id] {
			t.Errorf("%s: PersonExists(%s) changed to %v", what, id, ok)
		}
	}
	if !reflect.DeepEqual(normMap(a.digests), normMap(b.digests)) {
		t.Errorf("%s: projection digests changed", what)
	}
	for i := range a.pop {
		sameSet(t, fmt.Sprintf("%s: population #%d", what, i), b.pop[i], a.pop[i])
	}
}

func normPE(p []personEvents) []personEvents {
	if len(p) == 0 {
		return nil
	}
	return p
}

func normMap[K comparable, V any](m map[K]V) map[K]V {
	if len(m) == 0 {
		return nil
	}
	return m
}

// filterEvents keeps the rows of one person.
func filterEvents(evs []store.StoredEvent, person string) []store.StoredEvent {
	var out []store.StoredEvent
	for _, se := range evs {
		if se.Person == person {
			out = append(out, se)
		}
	}
	return out
}

// scribble overwrites the bodies of a batch after it was appended, so that a
// store that kept a reference to the caller's bytes is caught.
func scribble(b *store.Batch) {
	for i := range b.Events {
		copy(b.Events[i].Body, bytes.Repeat([]byte{'#'}, len(b.Events[i].Body)))
	}
}
