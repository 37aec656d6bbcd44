package domain_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/habeas-kh/habeas/internal/domain"
)

// eventSeeds are interchange lines of every shape the decoder has to refuse
// or accept: real events, wrong types, duplicates, deep nesting, escapes.
var eventSeeds = []string{
	`{"kind":"person","date":"2020-01-10","person":"P1","data":{"name":"Sok Dara","sex":"M","dob":"1990-05-01","dob_basis":"document","nationality":"KH"}}`,
	`{"kind":"admission","date":"2020-01-10","person":"P1","facility":"CC1","data":{"cell":"A1","status":"pretrial","order":{"kind":"detention_order","authority":"judge","reference":"DO-1","issued":"2020-01-10","expires":"2020-07-10"},"case":{"id":"PPC-2020-00001","procedure":"ordinary","charges":[{"offence":"theft","class":"felony","min_months":24,"max_months":60,"drug":true}]}}}`,
	`{"kind":"correction","date":"2020-09-01","person":"P3","data":{"target":12,"target_kind":"release","reason":"typo","date":"2020-03-25","data":{"mechanism":"amnesty"}}}`,
	`{"kind":"correction","date":"2020-09-01","person":"P1","data":{"target":7,"target_kind":"admission","reason":"x","void":true}}`,
	`{"kind":"correction","date":"2020-09-01","data":{"target":7,"target_kind":"parole","reason":"x","data":{}}}`,
	`{"kind":"census","date":"2020-01-31","facility":"CC1","data":{"category":"total","count":1015,"source":"MoI"}}`,
	`{"kind":"facility","date":"2019-01-01","facility":"CC1","data":{"name":"CC 1","kind":"prison","province":"Kandal","capacity":100,"capacity_source":"test"}}`,
	`{"kind":"release","date":"2020-09-01","person":"P2","data":{"mechanism":"amnesty"},"prev":"00","hash":"ab"}`,
	`{"kind":"health","date":"2020-09-01","person":"P2","data":{"fact":"birth","child_name":"\u0000","child_dob":"2020-09-01"}}`,
	`{"kind":"admission","date":"2020-01-01","person":"P1","person":"P2","data":{}}`,
	`{"kind":"person","date":"2020-02-30","person":"P1","data":{"name":"x"}}`,
	`{"kind":"person","date":"\u0032020-01-01","person":"P1","data":{"name":"x","dob":"2020-01-01"}}`,
	`{"kind":"person","date":null,"person":"P1","data":null}`,
	`{"kind":"reduction","date":"2020-01-01","person":"P1","data":{"months":99999999999999999999}}`,
	`{"kind":"reduction","date":"2020-01-01","person":"P1","data":{"months":1e3,"days":-1.5}}`,
	`{"kind":"pledge","date":"2020-01-01","data":{"facilities":[[[[[[[[[[]]]]]]]]]]}}`,
	`{"seq":-1,"kind":"escape","date":"2020-01-01","person":"P1","data":{"note":"\ud800"}}`,
	`{"kind":"x"}`, `{}`, `[]`, `null`, ``, `{"kind":"person",`, "\xff\xfe{}", `{"kind":"person","date":"2020-01-01"} {}`,
}

// FuzzDecodeEvent: no line makes the decoder panic; a refused line is
// invalid input; and an event that decodes and keeps every rule encodes to a
// canonical body that decodes to the same event, so that what is hashed is
// what was read.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range eventSeeds {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile("../ledger/testdata/register.jsonl"); err == nil {
		for _, l := range bytes.Split(b, []byte("\n")) {
			f.Add(l)
		}
	}
	recorded := time.Date(2021, 1, 5, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line []byte) {
		if len(line) > 1<<16 {
			return
		}
		ev, err := domain.DecodeEvent(line)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("refused with an error outside the vocabulary: %T %v", err, err)
			}
			return
		}
		if err := ev.Validate(recorded); err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("invalid event refused with an error outside the vocabulary: %T %v", err, err)
			}
			if _, _, ok := domain.FieldOf(err); !ok {
				t.Fatalf("invalid event refused without naming a field: %v", err)
			}
			return
		}
		body, err := domain.Body(ev)
		if err != nil {
			t.Fatalf("a valid event does not encode: %v", err)
		}
		again, err := domain.DecodeEvent(body)
		if err != nil {
			t.Fatalf("the canonical body %s does not decode: %v", body, err)
		}
		want := *ev
		want.Prev, want.Hash = "", ""
		// An empty list and a missing one are the same fact: the canonical
		// body omits both ("charges":[] reads back as no charges).
		if d := cmp.Diff(&want, again, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("round trip through %s changed the event (-read +again):\n%s", body, d)
		}
		if b2, err := domain.Body(again); err != nil || !bytes.Equal(body, b2) {
			t.Fatalf("the canonical body is not stable:\n%s\n%s (%v)", body, b2, err)
		}
	})
}
