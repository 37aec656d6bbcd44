package intake_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// FuzzImport: whatever the file, an import either succeeds and appends what
// it says, or fails and appends nothing; it never panics.
func FuzzImport(f *testing.F) {
	for _, s := range []string{good, bad, header, header + "1;A;CC;X;1;2;3;31/01/2020\r\n1;A;CC;X;1;2;3;31/01/2020\r\n",
		header + "1;A;CC;X;-1;2;3;31/01/2020\r\n", header + "1;A;CC;X;1;2;3;99999\r\n", "Codice\n1\n"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	e := open(f, dbtest.SQLiteDSN(f))
	m := parseMapping(f)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		ctx := context.Background()
		before := head(t, e)
		r, err := tabular.NewCSV(bytes.NewReader(data), "fuzz.csv", tabular.Options{})
		if err != nil {
			return
		}
		var rej bytes.Buffer
		res, err := e.svc.Import(ctx, r, m, intake.Options{What: intake.Census, File: "fuzz.csv", Actor: ledger.Actor{Name: "f"},
			SkipInvalid: skip, Rejects: &rej})
		after := head(t, e)
		if err != nil {
			if after != before {
				t.Fatalf("a failed import wrote %d events: %v", after-before, err)
			}
			if !strings.Contains(err.Error(), "fuzz.csv") && !strings.Contains(err.Error(), "test.yaml") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		if after-before != int64(res.Events) {
			t.Fatalf("the import says %d events but wrote %d", res.Events, after-before)
		}
	})
}
