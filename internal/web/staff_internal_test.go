package web

import (
	"net/url"
	"testing"
)

func TestPageLinks(t *testing.T) {
	q := url.Values{"q": {"sok"}, "offset": {"50"}}
	for _, c := range []struct {
		off, size  int
		more       bool
		prev, next string
	}{
		{0, 50, true, "", "/staff/register?offset=50&q=sok"},
		{0, 50, false, "", ""},
		{50, 50, true, "/staff/register?offset=0&q=sok", "/staff/register?offset=100&q=sok"},
		{30, 50, false, "/staff/register?offset=0&q=sok", ""},
	} {
		prev, next := pageLinks("/staff/register", q, c.off, c.size, c.more)
		if prev != c.prev || next != c.next {
			t.Errorf("offset %d: %q %q, want %q %q", c.off, prev, next, c.prev, c.next)
		}
	}
	if q.Get("offset") != "50" {
		t.Error("the request's query was changed")
	}
}
