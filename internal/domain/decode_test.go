package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

// TestDecodeEventErrors: a bad line is refused with the path of the field at
// fault, however deep, and what was wrong with it.
func TestDecodeEventErrors(t *testing.T) {
	adm := func(data string) string {
		return `{"kind":"admission","date":"2020-01-01","person":"P1","data":` + data + `}`
	}
	cases := []struct {
		line, field, msg string
	}{
		{adm(`{"status":"untried","case":{"id":"C","procedure":"x","charges":[{"offence":"a"},{"offence":"b","clas":"felony"}]}}`), "data.case.charges[1].clas", "unknown field"},
		{adm(`{"status":"untried","case":{"id":"C","procedure":"x","charges":[{"offence":"a","min_months":"6"}]}}`), "data.case.charges[0].min_months", "expected int, got a string"},
		{adm(`{"status":"untried","case":{"id":"C","charges":{"offence":"a"}}}`), "data.case.charges", "got an object"},
		{adm(`{"status":"untried","order":{"kind":"x","issued":"2020-02-30"}}`), "data.order.issued", `got "2020-02-30"`},
		{adm(`{"status":"untried",,}`), "data", "malformed JSON"},
		{`{"kind":"admission","date":"2020-01-01","person":"P1","person":"P2","data":{}}`, "person", "duplicate"},
		// Member names are matched exactly, as the format writes them.
		{`{"kind":"admission","Date":"2020-01-01","person":"P1","data":{}}`, "Date", "unknown field"},
		{`{"kind":"person","date":"2020-01-01","person":"P1","data":{"dob":19900101}}`, "data.dob", "YYYY-MM-DD"},
		{`{"kind":"person","date":"2020-01-01","person":"P1","data":{"name":"x"}`, "", "malformed JSON"},
		{`{"kind":"person","date":"2020-01-01","person":"P1","data":{"name":"x"}} {}`, "", "malformed JSON"},
		{`{"kind":"person","date":"2020-1-1","person":"P1","data":{"name":"x"}}`, "date", "YYYY-MM-DD"},
	}
	for _, c := range cases {
		_, err := domain.DecodeEvent([]byte(c.line))
		var fe *domain.Error
		if !errors.As(err, &fe) || !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: got %v, want a field error", c.line, err)
			continue
		}
		if fe.Field != c.field || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%s:\n got %q: %q\nwant %q: …%s…", c.line, fe.Field, fe.Msg, c.field, c.msg)
		}
	}
}

// TestDecodeEventDates: dates are read exactly, with or without escapes.
func TestDecodeEventDates(t *testing.T) {
	ev, err := domain.DecodeEvent([]byte(`{"kind":"person","date":"2020-03-31","person":"P1","data":{"name":"x","sex":"F","dob":"\u0032000-02-29","dob_basis":"document"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Date.String() != "2020-03-31" {
		t.Errorf("date %s", ev.Date)
	}
	if p := ev.Data.(*domain.PersonData); p.DOB.String() != "2000-02-29" {
		t.Errorf("escaped dob read as %s", p.DOB)
	}
}
