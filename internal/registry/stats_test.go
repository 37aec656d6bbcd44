package registry_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestStats: the unprotected figures are the service's to refuse, to the
// public and to any role limited to some facilities.
func TestStats(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	reg := open(t, db)
	admin := &auth.Principal{User: "a", Role: auth.Admin, Via: "test"}
	if _, err := reg.Stats(ctx, admin, domain.NoDate); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("an empty register: %v", err)
	}
	_, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 5, People: 300}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    *auth.Principal
		want error
	}{
		{nil, domain.ErrUnauthenticated},
		{&auth.Principal{User: "r", Role: auth.Registrar, Facilities: []string{"CC1"}}, domain.ErrForbidden},
		{&auth.Principal{User: "m", Role: auth.Monitor, Facilities: []string{"CC1", "CC2"}}, domain.ErrForbidden},
		{&auth.Principal{User: "l", Role: auth.Legal}, nil},
		{&auth.Principal{User: "n", Role: auth.Analyst}, nil},
		{admin, nil},
	} {
		st, err := reg.Stats(ctx, c.p, domain.MustDate("2019-06-30"))
		if c.want != nil {
			if !errors.Is(err, c.want) || st != nil {
				t.Errorf("%+v: %v, want %v", c.p, err, c.want)
			}
			continue
		}
		want, werr := stats.Compute(ctx, db, domain.MustDate("2019-06-30"), stats.Options{})
		if err != nil || werr != nil || !reflect.DeepEqual(st, want) {
			t.Errorf("%+v: %v %v, or not the figures stats.Compute counts", c.p, err, werr)
		}
	}
	latest, err := db.LatestDate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := reg.Stats(ctx, admin, domain.NoDate); err != nil || st.AsOf != latest.String() {
		t.Errorf("no date: %v, want the figures of %s", err, latest)
	}
}
