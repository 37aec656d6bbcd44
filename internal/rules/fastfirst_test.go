package rules_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
)

// TestFastFirstMatchesPartial: evaluating a rule that reads an unknown fact
// with the fast program first gives, for every person of a demo register on
// several dates and every rule and data check of the Cambodia pack, the
// outcome partial evaluation gives: decided the same way, or undecided on
// the same facts.
func TestFastFirstMatchesPartial(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo register")
	}
	pack, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kinds := screening.Kinds{}
	byPerson := map[string][]*domain.Event{}
	var order []string
	err = demo.Generate(ctx, demo.Options{Seed: 5, People: 600}, func(ev *domain.Event) error {
		if f, ok := ev.Data.(*domain.FacilityData); ok {
			kinds[ev.Facility] = f.Kind
		}
		if ev.Person != "" {
			if byPerson[ev.Person] == nil {
				order = append(order, ev.Person)
			}
			byPerson[ev.Person] = append(byPerson[ev.Person], ev)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]*rules.Rule(nil), pack.Rules...), pack.Checks...)
	compared, undecided := 0, 0
	for _, day := range []string{"2016-06-30", "2019-03-31", "2020-12-31"} {
		d := domain.MustDate(day)
		var v rules.Values
		for _, id := range order {
			f, err := domain.Project(id, byPerson[id], kinds, d)
			if err != nil {
				t.Fatal(err)
			}
			if !screening.Held(f, d) {
				continue
			}
			screening.Facts(f, kinds, d, &v)
			for _, r := range all {
				got, want := pack.EvaluateRule(r, &v), pack.EvaluatePartial(r, &v)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s as of %s, %s: fast first %+v, partial %+v", id, day, r.ID, got, want)
				}
				compared++
				if got.Undecided {
					undecided++
				}
			}
		}
	}
	if compared < 10000 || undecided == 0 {
		t.Fatalf("compared %d outcomes, %d undecided: too few to prove anything", compared, undecided)
	}
	t.Logf("%d outcomes compared, %d undecided", compared, undecided)
}
