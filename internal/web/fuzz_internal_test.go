package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

// apiBodySeeds are bodies of the API's writes: well formed, of the wrong
// shape, malformed, and trailing junk.
var apiBodySeeds = []string{
	`{"events":[{"kind":"hearing","date":"2020-03-01","person":"P1","data":{"case":"PPC-2020-00001"}}]}`,
	`{"events":[{"kind":"person","date":"2020-01-10","person":"P1","data":{"name":"Sok","sex":"M","dob":"1990-05-01","dob_basis":"document"}},{"kind":"admission","date":"2020-01-10","person":"P1","facility":"CC1","data":{"status":"pretrial"}}]}`,
	`{"events":[{"kind":"hearing","date":"2020-02-30","person":"P1","data":{"cas":"x"}}]}`,
	`{"events":[1,"x",null,[]]}`,
	`{"events":{}}`, `{"event":[]}`, `{"events":[]} {}`, `{"events":[`, `[]`, `1`, `"x"`, `null`, ``, " \n",
	`{"name":"ana","display":"Ana","password":"correct horse","role":"registrar","facilities":["CC1"],"health":true}`,
	`{"name":1,"facilities":"CC1"}`, `{"role":"admin","facilities":[1]}`, `{"user":"ana","label":"\u0000"}`,
	`{"user":"ana","user":"root"}`, "{\"label\":\"\xff\"}", `{"health":"yes"}`, `{"a":{"b":{"c":[[[[[[[[]]]]]]]]}}}`,
}

// FuzzReadJSON: whatever the body, the API's reader and the events decoder
// behind POST /api/v1/events either accept it or answer 400 naming the
// field (or "body") at fault; they never panic and never fail as an
// internal error.
func FuzzReadJSON(f *testing.F) {
	for _, s := range apiBodySeeds {
		for target := range uint8(4) {
			f.Add([]byte(s), target)
		}
	}
	s := &Server{log: slog.New(slog.DiscardHandler)}
	f.Fuzz(func(t *testing.T, body []byte, target uint8) {
		if len(body) > 1<<16 {
			return
		}
		r := httptest.NewRequest("POST", "/api/v1/events", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		var in eventsIn
		var v any = &in
		switch target % 4 {
		case 1:
			v = &newUserIn{}
		case 2:
			v = &roleIn{}
		case 3:
			v = &tokenIn{}
		}
		err := readJSON(w, r, v)
		if err == nil && target%4 == 0 {
			// As apiRecord reads each event.
			for i, raw := range in.Events {
				if _, err = domain.DecodeEvent(raw); err != nil {
					err = domain.InField(fmt.Sprintf("events[%d]", i), err)
					break
				}
			}
		}
		if err == nil {
			return
		}
		code, c, _, field := s.status(r, err)
		if code != 400 || c != "invalid" {
			t.Fatalf("%q: answered %d %s for %v", body, code, c, err)
		}
		if field == "" {
			t.Fatalf("%q: the error names no field: %v", body, err)
		}
		if w.Code != 200 {
			t.Fatalf("%q: readJSON wrote a status %d itself", body, w.Code)
		}
	})
}

// FuzzForms: whatever a browser posts, the staff forms (admission, each
// event of a registered person, the commitments) read it into events or
// into invalid-input errors, each on a field the form has; they never panic.
func FuzzForms(f *testing.F) {
	seeds := []struct{ form, query string }{
		{"admission", "person_id=T1&name=Sok&sex=M&dob=1990-05-01&dob_basis=declared&facility=CC1&date=2020-01-10&status=pretrial&case=C-1&offence=theft&class=felony&max_months=60&drug=on"},
		{"admission", "person_id=T+1&sex=Q&dob=1990-02-30&max_months=many&case=C&offence=x&order_kind=detention_order&order_issued=2020-13-01"},
		{"admission", "person_id=%00&name=a%0Ab&date=%FF&max_months=-1&max_months=99999999999999999999"},
		{"transfer", "date=2020-03-01&to=PP-KDL&reason=court"},
		{"hearing", "date=2020-03-01&case=C-1&court=%E1%9E%80&outcome=adjourned"},
		{"order_extension", "date=2020-03-01&order_kind=extension&order_expires=2021-02-29"},
		{"verdict", "date=2020-03-01&case=C-1&outcome=convicted&sentence_months=1201&sentence_start="},
		{"verdict", "outcome=maybe&final=1"},
		{"release", "date=2020-09-01&mechanism=amnesty&note=line%0Aline"},
		{"parole", "date=2020-09-01"},
		{"pledge", "pledge_date=2020-01-01&pledge_deadline=2021-01-01&pledge_target=100&pledge_mechanisms=+amnesty+&pledge_groups=women&pledge_facilities=CC1,,PP-KDL"},
		{"pledge", "pledge_target=0&pledge_start=x"},
		{"declaration", "decl_date=2020-06-01&decl_figure=100000001&decl_pledge=P"},
		{"reform", "reform_date=2020-06-01&reform_status=done&reform_title=" + strings.Repeat("x", 1001)},
		{"", "%zz&&=&a=b=c;d"},
	}
	for _, s := range seeds {
		f.Add(s.form, s.query)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, form, query string) {
		if len(query) > 1<<14 {
			return
		}
		vals, _ := url.ParseQuery(query) // a form with broken pairs keeps the good ones, as net/http does
		var evs []*domain.Event
		var err error
		switch form {
		case "admission", "admission_new":
			evs, err = admissionEvents(English, vals, form == "admission_new" || vals.Has("name"))
		case "pledge", "declaration", "reform":
			var ev *domain.Event
			ev, err = commitmentFromForm(English, form, vals)
			evs = []*domain.Event{ev}
		case "correction":
			// Read by the registry, which needs a register: not a form reader.
			return
		default:
			var ev *domain.Event
			ev, err = eventFromForm(ctx, nil, English, form, "P1", vals)
			evs = []*domain.Event{ev}
		}
		if err == nil {
			for _, ev := range evs {
				if ev == nil {
					t.Fatalf("%s %q: no error and no event", form, query)
				}
			}
			return
		}
		if !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("%s %q: error outside the vocabulary: %v", form, query, err)
		}
		s := &Server{log: slog.New(slog.DiscardHandler)}
		msgs, ok := s.formErrors(err)
		if !ok {
			t.Fatalf("%s %q: the error shows on no field: %v", form, query, err)
		}
		for _, m := range msgs {
			if m.Field == "" {
				t.Fatalf("%s %q: a message on no field: %v", form, query, m)
			}
		}
	})
}

// TestReadJSONNotAnObject: a body that is JSON but not an object, or an
// object with a member named "" (both found by FuzzReadJSON), is refused on
// the field "body", in words a client reads, not with an error on no field.
func TestReadJSONNotAnObject(t *testing.T) {
	r := httptest.NewRequest("POST", "/api/v1/events", strings.NewReader(`{"":""}`))
	err := readJSON(httptest.NewRecorder(), r, &eventsIn{})
	if field, msg, _ := domain.FieldOf(err); field != "body" || msg != `unknown field ""` {
		t.Errorf(`{"":""}: got %q %q (%v), want body: unknown field ""`, field, msg, err)
	}
	for body, got := range map[string]string{`[]`: "array", `1`: "number", `"x"`: "string", `true`: "bool"} {
		r := httptest.NewRequest("POST", "/api/v1/events", strings.NewReader(body))
		err := readJSON(httptest.NewRecorder(), r, &eventsIn{})
		field, msg, ok := domain.FieldOf(err)
		if !ok || field != "body" || msg != "must be a JSON object, got "+got {
			t.Errorf("%s: got %q %q (%v), want body: must be a JSON object, got %s", body, field, msg, err, got)
		}
	}
}
