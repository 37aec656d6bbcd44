// Package storetest is the conformance suite of store.Store: every backend's
// tests call Run, and every backend must pass it unchanged. It also provides
// the helpers the suite uses to build valid batches (Builder, Ledger), which
// other packages' tests may use to fill a store.
//
// Conventions the suite pins down where the interface leaves room:
//   - A method with nothing to report returns an empty result (nil or empty
//     slice or map) and no error; the order of rows is not significant unless
//     the interface states one (Events, PersonEvents, EventsByPerson, CellsOn).
//   - The stores given to Run group ages by the default bands,
//     domain.AgeBands.
//   - Person ids are ordered bytewise (Go string order, SQL COLLATE "C").
//   - CellsOn breaks ties in count by facility, then cell, ascending.
//   - Count queries return no rows with a zero count; Admissions may return
//     zero rows in drug, which the suite ignores.
//   - FlagsOn counts distinct people per facility and kind, except
//     FlagChild, which counts flags (children); only flags of people held on
//     the date count, even when a file leaves a flag open after release.
//   - An Append that fails writes nothing. A batch whose first event does not
//     follow the head fails with an error wrapping ErrChainConflict; other
//     violations (a repeated seq) may fail with any error.
//   - Persons and PersonExists reflect the person projections: a person left
//     out of a ReplaceProjections no longer exists for them.
//   - LatestDate is the greatest event date, not the date of the last event.
//   - BeginAppend: writes are seen through the Appender and by no one else
//     until Commit; other readers are not blocked meanwhile; an Append
//     prepared on the same head waits (or is refused) and fails with
//     ErrChainConflict; after a failed Write the caller rolls back; Rollback
//     after Commit changes nothing.
//   - Commit with a context cancelled before the transaction is committed
//     fails with an error that is context.Canceled and writes nothing; so
//     does a cancellation during Commit, unless it comes too late to stop
//     it (then everything is written). Rollback after a failed Commit
//     changes nothing.
package storetest

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/store"
)

type conformanceTest struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

var tests = []conformanceTest{
	{"Empty", testEmpty},
	{"AppendRead", testAppendRead},
	{"EventsCallbackError", testCallbackError},
	{"ChainConflict", testChainConflict},
	{"Atomicity", testAtomicity},
	{"ConcurrentAppend", testConcurrentAppend},
	{"BeginAppendCommit", testBeginAppendCommit},
	{"BeginAppendRollback", testBeginAppendRollback},
	{"EstateChangedSince", testEstateChangedSince},
	{"BeginAppendExclusive", testBeginAppendExclusive},
	{"CommitCancelled", testCommitCancelled},
	{"LatestDate", testLatestDate},
	{"Facilities", testFacilities},
	{"CellsCensus", testCellsCensus},
	{"Persons", testPersons},
	{"ReplacePersons", testReplacePersons},
	{"PopulationBoundaries", testPopulationBoundaries},
	{"PopulationGroups", testPopulationGroups},
	{"AgeBands", testAgeBands},
	{"FlagsOn", testFlagsOn},
	{"CellsOn", testCellsOn},
	{"Strata", testStrata},
	{"Admissions", testAdmissions},
	{"Releases", testReleases},
	{"ReleaseRows", testReleaseRows},
	{"PopulationChanges", testPopulationChanges},
	{"Commitments", testCommitments},
	{"FollowUps", testFollowUps},
	{"Visits", testVisits},
	{"Screenings", testScreenings},
	{"Digests", testDigests},
	{"ReplaceProjections", testReplaceProjections},
	{"Reference", testReference},
	{"AggregateEdges", testAggregateEdges},
	{"Bulk", testBulk},
	{"Tree", testTree},
	{"CurrentScreening", testCurrentScreening},
	{"Publications", testPublications},
}

// Run runs every conformance test against fresh, empty, migrated stores made
// by open (called once per subtest; open registers its own cleanup with
// t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, s)
		})
	}
}
