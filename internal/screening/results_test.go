package screening

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// reference screens the demo register the plain way: every person's file
// folded and screened with Screen, kept as Result values, sorted with Sort.
func reference(t *testing.T, st store.Store, opt Options) []Result {
	t.Helper()
	ctx := context.Background()
	facs, err := st.Facilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := Kinds{}
	for _, f := range facs {
		kinds[f.ID] = f.Kind
	}
	pack := builtin(t)
	var out []Result
	err = st.EventsByPerson(ctx, func(id string, stored []store.StoredEvent) error {
		evs, err := store.DecodeEvents(stored)
		if err != nil {
			return err
		}
		f, err := domain.Project(id, evs, kinds, opt.AsOf)
		if err != nil {
			return err
		}
		if opt.Facility != "" && f.State.Facility != opt.Facility {
			return nil
		}
		if r, ok := Screen(pack, f, kinds, opt.AsOf, opt.Within); ok {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	Sort(out)
	return out
}

// TestRunMatchesScreen checks what Run keeps packed against the people
// screened one by one: the same results in the same order, the same
// summary, and the JSON document encoding/json gives for them as a list.
func TestRunMatchesScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo register")
	}
	db := demoStore(t)
	pack := builtin(t)
	for _, opt := range []Options{
		{AsOf: demo.End, Within: 30},
		{AsOf: domain.MustDate("2019-06-30"), Facility: "CC1", Workers: 3},
		{AsOf: domain.MustDate("2014-01-01")}, // before the register: nobody
	} {
		rep, err := Run(context.Background(), db, pack, opt)
		if err != nil {
			t.Fatal(err)
		}
		want := reference(t, db, opt)
		var got []Result
		for r := range rep.Persons() {
			got = append(got, r)
		}
		if len(got) != len(want) || rep.Len() != len(want) || rep.Summary.Screened != len(want) {
			t.Fatalf("as of %s: Run yields %d people (Len %d, screened %d), Screen one by one %d",
				opt.AsOf, len(got), rep.Len(), rep.Summary.Screened, len(want))
		}
		fired, undecided, khmer := 0, 0, 0
		for i := range want {
			// Screen gives the reasons in Khmer too; Run, for a whole
			// register, keeps English only (Fired.ReasonKm): the same
			// results otherwise.
			for _, fs := range [][]Fired{want[i].Fired, want[i].Upcoming, want[i].Checks} {
				for j := range fs {
					if fs[j].ReasonKm != "" {
						khmer++
					}
					fs[j].ReasonKm = ""
				}
			}
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("as of %s, person #%d:\n got  %+v\n want %+v", opt.AsOf, i, got[i], want[i])
			}
			fired += len(want[i].Fired) + len(want[i].Upcoming)
			undecided += len(want[i].Undecided)
		}
		if fired > 0 && khmer == 0 {
			t.Errorf("as of %s: Screen gave no reason in Khmer", opt.AsOf)
		}
		if len(want) > 0 && (fired == 0 || undecided == 0) {
			t.Errorf("as of %s: %d rules fired and %d undecided: the comparison covers too little", opt.AsOf, fired, undecided)
		}
		if s := Summarize(pack, want); !reflect.DeepEqual(rep.Summary, s) {
			t.Errorf("as of %s: summary\n got  %+v\n want %+v", opt.AsOf, rep.Summary, s)
		}

		var streamed, whole bytes.Buffer
		if err := rep.WriteJSON(&streamed); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&whole)
		enc.SetIndent("", "  ")
		err = enc.Encode(struct {
			Pack     PackInfo    `json:"pack"`
			Head     store.Head  `json:"ledger_head"`
			AsOf     domain.Date `json:"as_of"`
			Within   int         `json:"within_days,omitempty"`
			Facility string      `json:"facility,omitempty"`
			Summary  Summary     `json:"summary"`
			Persons  []Result    `json:"persons"`
		}{rep.Pack, rep.Head, rep.AsOf, rep.Within, rep.Facility, rep.Summary, want})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
			a, b := streamed.String(), whole.String()
			n := 0
			for n < len(a) && n < len(b) && a[n] == b[n] {
				n++
			}
			t.Fatalf("as of %s: WriteJSON differs from encoding/json at byte %d:\n got  %.200q\n want %.200q", opt.AsOf, n, a[n:], b[n:])
		}
		var back struct{ Persons []Result }
		m, err := json.Marshal(rep)
		if err != nil || json.Unmarshal(m, &back) != nil || len(back.Persons) != len(want) {
			t.Errorf("as of %s: json.Marshal of the report: %v, %d persons back", opt.AsOf, err, len(back.Persons))
		}
	}
}
