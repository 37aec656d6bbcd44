package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

// TestFormReaderErrors: a form with several bad fields is refused with one
// invalid-input error per field, in the order of the form, each in the one
// error vocabulary; the page shows each message on its field and the status
// is 400 invalid, also when the error is wrapped on its way up.
func TestFormReaderErrors(t *testing.T) {
	f := url.Values{"person_id": {"T 1"}, "name": {"Sok"}, "sex": {"Q"}, "dob": {"1990-02-30"}, "dob_basis": {"declared"},
		"facility": {"CC1"}, "status": {"pretrial"}, "case": {"C-1"}, "offence": {"theft"}, "class": {"misdemeanour"},
		"max_months": {"many"}}
	_, err := admissionEvents(English, f, true)
	if err == nil {
		t.Fatal("a form with four bad fields and a missing date was accepted")
	}
	want := []fieldMsg{
		{"person_id", "must not contain white space or control characters (character 2 is U+0020)"},
		{"date", "is required"},
		{"sex", "is not one of the values offered"},
		{"dob", "must be a date that exists, written day/month/year (31/12/2020) or 2020-12-31; got “1990-02-30”"},
		{"procedure", "is required when “Case number” is given"},
		{"max_months", "must be a whole number from 0 to 1,200; got “many”"},
	}
	if !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("the form's error %v is not invalid input", err)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Field != "person_id" {
		t.Errorf("the form's error %v: the first is not a domain error on person_id", err)
	}
	s := &Server{log: slog.New(slog.DiscardHandler)}
	for _, e := range []error{err, fmt.Errorf("reading the admission form: %w", err)} {
		msgs, ok := s.formErrors(e)
		if !ok || fmt.Sprint(msgs) != fmt.Sprint(want) {
			t.Errorf("form messages of %v:\n got %v\nwant %v", e, msgs, want)
		}
		r := httptest.NewRequest("POST", "/api/v1/events", nil)
		if code, c, _, field := s.status(r, e); code != 400 || c != "invalid" || field != "person_id" {
			t.Errorf("status of the form's error: %d %s %s, want 400 invalid person_id", code, c, field)
		}
	}
	// An error of another kind is no form message.
	if _, ok := s.formErrors(domain.Forbidden("not your facility")); ok {
		t.Error("a refusal of access was taken for a form message")
	}
}
