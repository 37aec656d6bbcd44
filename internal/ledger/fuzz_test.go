package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// FuzzImport: a JSON Lines file either imports and appends the events it
// says, or is refused with an error naming the file and line, in the error
// vocabulary, and leaves the register as it was; it never panics. The
// register (SQLite, one per fuzzing process) holds the fixture's estate, so
// that person events can fit; what an accepted input appends stays, so
// later inputs meet a register that has grown, as real imports do.
func FuzzImport(f *testing.F) {
	fix, err := os.ReadFile("testdata/register.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(fix)), "\n")
	estate, people := strings.Join(lines[:3], "\n"), lines[3:]
	f.Add(fix)
	f.Add([]byte(strings.Join(people, "\n")))
	f.Add([]byte("\xef\xbb\xbf" + strings.Join(people[:3], "\r\n") + "\r\n\r\n"))
	for _, l := range people {
		f.Add([]byte(l))
	}
	for _, s := range []string{
		`{"kind":"hearing","date":"2020-03-01","person":"P1","data":{"case":"PPC-2020-00001"}}`,
		`{"kind":"release","date":"2020-09-01","person":"P9","data":{"mechanism":"amnesty"}}`,
		`{"kind":"correction","date":"2020-09-01","person":"P1","data":{"target":1,"target_kind":"facility","reason":"x","void":true}}`,
		`{"kind":"person","date":"2020-01-10","person":"P1","data":{"name":"x","sex":"M","dob_basis":"declared"},"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"ab"}`,
		`{"kind":"census","date":"2020-01-31","facility":"CC1","data":{"category":"total","count":10000001,"source":"x"}}`,
		`{"kind":"facility","date":"2019-01-01","facility":"CC1","data":{"name":"","kind":"prison","capacity":-1}}`,
		"{}\n{}", "\n\n", "", "\xef\xbb\xbf", "[]", `{"kind":"person"`, "\x00",
	} {
		f.Add([]byte(s))
	}
	db := dbtest.Open(f, dbtest.SQLiteDSN(f))
	svc := ledger.New(db, ledger.WithClock(func() time.Time { return testNow }))
	ctx := context.Background()
	if _, err := svc.Import(ctx, strings.NewReader(estate), "estate.jsonl", registrar); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		before, err := db.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Import(ctx, bytes.NewReader(data), "fuzz.jsonl", registrar)
		after, herr := db.Head(ctx)
		if herr != nil {
			t.Fatal(herr)
		}
		if err != nil {
			if after != before {
				t.Fatalf("a refused file moved the head from %d to %d: %v", before.Seq, after.Seq, err)
			}
			var ee *ledger.EventError
			if !errors.As(err, &ee) || ee.File != "fuzz.jsonl" || ee.Line < 1 || !strings.HasPrefix(err.Error(), "fuzz.jsonl:") {
				t.Fatalf("the error does not name the file and line: %T %v", err, err)
			}
			if c := domain.ErrorCode(err); c != domain.ErrInvalid && c != domain.ErrConflict {
				t.Fatalf("the error is outside the vocabulary (code %q): %v", c, err)
			}
			return
		}
		if after.Seq-before.Seq != int64(res.Events) {
			t.Fatalf("the import says %d events but the head moved by %d", res.Events, after.Seq-before.Seq)
		}
	})
}
