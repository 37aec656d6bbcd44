package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// newPerson is one new person and their admission, as every entry point
// that registers people can express them: the admission form, the API, a
// JSONL file and the people and admissions sheets. Each case of
// TestEveryEntryPointRefusesAlike changes one value.
type newPerson struct {
	id, name, dob, registered, issued, expires string
}

func goodPerson(id string) newPerson {
	return newPerson{id: id, name: "Sok Dara", dob: "1990-01-01", registered: "2020-06-01", issued: "2020-06-01", expires: "2020-12-01"}
}

func (p newPerson) form() url.Values {
	return url.Values{"person_id": {p.id}, "name": {p.name}, "sex": {"M"}, "dob": {p.dob}, "dob_basis": {"declared"},
		"date": {p.registered}, "facility": {"CC1"}, "status": {"pretrial"}, "order_kind": {"detention_order"},
		"order_authority": {"Investigating judge"}, "order_reference": {"DO-1"}, "order_issued": {p.issued}, "order_expires": {p.expires}}
}

// jsonString writes s as a JSON string, leaving invalid UTF-8 as it is (a
// hostile client sends raw bytes; encoding/json would replace them).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (p newPerson) events() []string {
	return []string{
		`{"kind":"person","date":"` + p.registered + `","person":` + jsonString(p.id) + `,"data":{"name":` + jsonString(p.name) +
			`,"sex":"M","dob":"` + p.dob + `","dob_basis":"declared"}}`,
		`{"kind":"admission","date":"` + p.registered + `","person":` + jsonString(p.id) + `,"facility":"CC1","data":{"status":"pretrial",` +
			`"order":{"kind":"detention_order","authority":"Investigating judge","reference":"DO-1","issued":"` + p.issued + `","expires":"` + p.expires + `"}}}`,
	}
}

func (p newPerson) sheets() (people, admissions string) {
	people = "id,registered,name,sex,dob,dob_basis\n" + csvCell(p.id) + "," + p.registered + "," + csvCell(p.name) + ",M," + p.dob + ",declared\n"
	admissions = "person,date,facility,status,order_kind,order_authority,order_reference,order_issued,order_expires\n" +
		csvCell(p.id) + "," + p.registered + ",CC1,pretrial,detention_order,Investigating judge,DO-1," + p.issued + "," + p.expires + "\n"
	return people, admissions
}

func csvCell(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// refusal is what one entry point said: the place it names and the
// domain's message.
type refusal struct {
	place, msg string
}

// TestEveryEntryPointRefusesAlike: the same invalid person or admission is
// refused by the admission form, the API, the JSONL import and the sheet
// import, each naming its own place (a form field, a member of the request,
// a line and field, a row and column), and, where the rule is the domain's,
// with the same words.
func TestEveryEntryPointRefusesAlike(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 300)
	ctx := context.Background()
	reg := f.login("registrar")
	led := ledger.New(f.db)
	sheetsOf := intake.New(f.db, led)
	head := func() string {
		h, err := f.db.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h.Hash
	}
	long := strings.Repeat("x", domain.MaxPersonID+1)
	cases := []struct {
		name string
		p    newPerson
		// same: the four entry points give the domain's message word for word.
		same  bool
		words string
		// Where each entry point must place the refusal.
		formField, apiField, jsonlField string
		jsonlLine                       int
		sheet, column                   string
	}{
		{"order expires before it was issued", newPerson{expires: "2020-05-01"}, true, "before the order was issued",
			"order_expires", "events[1].data.order.expires", "data.order.expires", 2, "admissions.csv", "order_expires"},
		{"born after the registration", newPerson{dob: "2020-07-01"}, true, "after the date of registration",
			"dob", "events[0].data.dob", "data.dob", 1, "people.csv", "dob"},
		{"a 101-character identifier", newPerson{id: long}, true, "at most 100",
			"person_id", "events[0].person", "person", 1, "people.csv", "id"},
		{"a 201-character name", newPerson{name: strings.Repeat("ស", domain.MaxShort+1)}, true, "at most 200",
			"name", "events[0].data.name", "data.name", 1, "people.csv", "name"},
		{"born before 1900", newPerson{dob: "1850-01-01"}, true, "before 1900-01-01",
			"dob", "events[0].data.dob", "data.dob", 1, "people.csv", "dob"},
		{"a NUL in the identifier", newPerson{id: "P\x00-1"}, false, "",
			"person_id", "events[0].person", "person", 1, "people.csv", "id"},
		{"a name that is not UTF-8", newPerson{name: "Sok \xff\xfe Dara"}, false, "",
			"name", "events[0].data.name", "data.name", 1, "people.csv", "name"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := goodPerson("EP-" + string(rune('A'+i)))
			if c.p.id != "" {
				p.id = c.p.id
			}
			if c.p.name != "" {
				p.name = c.p.name
			}
			if c.p.dob != "" {
				p.dob = c.p.dob
			}
			if c.p.expires != "" {
				p.expires = c.p.expires
			}
			before := head()
			var got []refusal

			// The admission form.
			res := reg.post("/staff/admit", p.form())
			if res.code != 400 {
				t.Fatalf("form: %d, want 400\n%s", res.code, res.body)
			}
			m := regexp.MustCompile(`<label class="invalid"><span class="lbl">[^<]*(?:<span class="req"[^>]*>\*</span>)?</span>\s*<span class="err">([^<]*)</span><input name="` + regexp.QuoteMeta(c.formField) + `"`).FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("form: no message on the field %s:\n%s", c.formField, res.body)
			}
			got = append(got, refusal{c.formField, html.UnescapeString(m[1])})

			// The API.
			evs := p.events()
			res = reg.do("POST", "/api/v1/events", strings.NewReader(`{"events":[`+strings.Join(evs, ",")+`]}`), "application/json")
			var apiErr struct{ Code, Message, Field string }
			if res.code != 400 || json.Unmarshal([]byte(res.body), &apiErr) != nil || apiErr.Code != "invalid" {
				t.Fatalf("API: %d %s, want 400 invalid", res.code, res.body)
			}
			if apiErr.Field != c.apiField {
				t.Errorf("API: field %q, want %q (%s)", apiErr.Field, c.apiField, apiErr.Message)
			}
			got = append(got, refusal{apiErr.Field, strings.TrimPrefix(apiErr.Message, apiErr.Field+": ")})

			// A JSONL file.
			_, err := led.Import(ctx, strings.NewReader(strings.Join(evs, "\n")+"\n"), "events.jsonl", ledger.Actor{Name: "test"})
			var ee *ledger.EventError
			field, msg, ok := domain.FieldOf(err)
			if !errors.As(err, &ee) || !ok {
				t.Fatalf("JSONL: %v, want invalid input at a line", err)
			}
			if ee.File != "events.jsonl" || ee.Line != c.jsonlLine || field != c.jsonlField {
				t.Errorf("JSONL: %s:%d field %q, want events.jsonl:%d field %q (%v)", ee.File, ee.Line, field, c.jsonlLine, c.jsonlField, err)
			}
			got = append(got, refusal{field, msg})

			// The people and admissions sheets.
			people, admissions := p.sheets()
			sheet := func(name, data string) *intake.Sheet {
				return &intake.Sheet{File: name, Open: func() (tabular.Reader, error) {
					return tabular.NewCSV(strings.NewReader(data), name, tabular.Options{})
				}}
			}
			_, err = sheetsOf.ImportRegister(ctx, intake.RegisterSheets{People: sheet("people.csv", people), Admissions: sheet("admissions.csv", admissions)}, intake.Options{Actor: ledger.Actor{Name: "test"}})
			var rows *intake.RowErrors
			if !errors.As(err, &rows) || len(rows.Errs) == 0 || !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("sheets: %v, want the rows refused as invalid input", err)
			}
			re := rows.Errs[0]
			for _, e := range rows.Errs {
				if e.File == c.sheet {
					re = e
					break
				}
			}
			if re.File != c.sheet || re.Row != 2 || re.Column != c.column {
				t.Errorf("sheets: %s row %d column %q, want %s row 2 column %q (%v)", re.File, re.Row, re.Column, c.sheet, c.column, err)
			}
			got = append(got, refusal{re.Column, re.Msg})

			for _, g := range got {
				if c.same && (g.msg != got[0].msg || !strings.Contains(g.msg, c.words)) {
					t.Errorf("%s said %q; the form said %q; want the same words, with %q", g.place, g.msg, got[0].msg, c.words)
				}
			}
			if head() != before {
				t.Fatal("a refused entry wrote to the ledger")
			}
		})
	}
	// Each of them is accepted once it is right: the refusals above were
	// about the one value changed, not the rest.
	p := goodPerson("EP-OK/2020")
	if res := reg.post("/staff/admit", p.form()); res.code != 303 {
		t.Fatalf("a valid admission through the form: %d\n%s", res.code, res.body)
	}
	// An identifier with a slash opens through its escaped link.
	if res := reg.get("/staff/persons/" + url.PathEscape(p.id)); res.code != 200 || !strings.Contains(res.body, "Sok Dara") {
		t.Errorf("the person page of %q: %d", p.id, res.code)
	}
	if res := reg.get("/staff/register?q=" + url.QueryEscape(p.id)); !strings.Contains(res.body, `href="/staff/persons/EP-OK%2f2020"`) && !strings.Contains(res.body, `href="/staff/persons/EP-OK%2F2020"`) {
		t.Errorf("the register links %q without escaping its slash:\n%s", p.id, regexp.MustCompile(`.{0,200}EP-OK.{0,200}`).FindAllString(res.body, -1))
	}
}
