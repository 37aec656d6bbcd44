package web_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

// TestIdempotencyKey: a POST to /api/v1/events sent again with the same
// Idempotency-Key and body is answered as the first was and writes nothing;
// another body under the key is refused with 422; two users' keys do not
// collide; a key older than the retention may be used again (issue 14,
// item 15).
func TestIdempotencyKey(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, be.DSN(t))
			start := time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC)
			var now atomic.Int64
			now.Store(start.Unix())
			clock := func() time.Time { return time.Unix(now.Load(), 0) }
			if _, err := ledger.New(db).Record(ctx, ledger.Actor{Name: "setup", Via: "test"}, &domain.Event{Kind: domain.KFacility,
				Date: domain.MustDate("2019-01-01"), Facility: "CC1",
				Data: &domain.FacilityData{Name: "Correctional Centre 1", Kind: domain.Prison, Province: "Phnom Penh", Capacity: 100}}); err != nil {
				t.Fatal(err)
			}
			srv, err := web.New(newServicesWith(t, db, ledger.WithClock(clock)), web.Options{Log: testLog(t)})
			if err != nil {
				t.Fatal(err)
			}
			root := auth.System("setup", "test")
			for _, u := range []auth.NewUser{{Name: "registrar", Password: password, Role: auth.Registrar, Facilities: []string{"CC1"}},
				{Name: "other", Password: password, Role: auth.Registrar, Facilities: []string{"CC1"}}} {
				if err := srv.Auth().AddUser(ctx, root, u); err != nil {
					t.Fatal(err)
				}
			}
			f := &fixture{t: t, db: db, srv: srv, ts: httptest.NewServer(srv.Handler())}
			t.Cleanup(f.ts.Close)
			reg, other := f.login("registrar"), f.login("other")

			head := func() int64 { h, _ := db.Head(ctx); return h.Seq }
			body := func(id string) string {
				return `{"events":[{"kind":"person","date":"2024-03-01","person":"` + id + `","data":{"name":"Person ` + id +
					`","sex":"F","dob":"1990-02-03","dob_basis":"document"}},{"kind":"admission","date":"2024-03-01","person":"` + id +
					`","facility":"CC1","data":{"status":"pretrial"}}]}`
			}
			post := func(c *client, key, b string) response {
				c.header.Set("Idempotency-Key", key)
				return c.do("POST", "/api/v1/events", strings.NewReader(b), "application/json")
			}

			first := post(reg, "k1", body("P1"))
			if first.code != 201 || first.body != `{"seqs":[2,3]}`+"\n" && first.body != `{"seqs":[2,3]}` {
				t.Fatalf("first POST: %d %q", first.code, first.body)
			}
			again := post(reg, "k1", body("P1"))
			if again.code != first.code || again.body != first.body || head() != 3 {
				t.Errorf("retry: %d %q, head %d; want %d %q, head 3", again.code, again.body, head(), first.code, first.body)
			}

			// Another body under the key: refused, nothing written.
			res := post(reg, "k1", body("P2"))
			var e struct{ Code string }
			if res.code != 422 || json.Unmarshal([]byte(res.body), &e) != nil || e.Code != "key_reused" || head() != 3 {
				t.Errorf("another body under k1: %d %s, head %d; want 422 key_reused, head 3", res.code, res.body, head())
			}

			// Another user's k1 is theirs.
			res = post(other, "k1", body("P3"))
			if res.code != 201 || res.body == first.body || head() != 5 {
				t.Errorf("another user's k1: %d %s, head %d; want 201 and new events", res.code, res.body, head())
			}

			// Within the retention the key holds; after it, it is free.
			now.Store(start.Add(23 * time.Hour).Unix())
			if res = post(reg, "k1", body("P2")); res.code != 422 {
				t.Errorf("k1 after 23 hours with another body: %d %s, want 422", res.code, res.body)
			}
			now.Store(start.Add(25 * time.Hour).Unix())
			res = post(reg, "k1", body("P2"))
			if res.code != 201 || !strings.Contains(res.body, `[6,7]`) || head() != 7 {
				t.Errorf("k1 after 25 hours: %d %s, head %d; want 201 [6,7]", res.code, res.body, head())
			}
			// And the new write holds the key in its turn.
			if again = post(reg, "k1", body("P2")); again.code != 201 || again.body != res.body || head() != 7 {
				t.Errorf("retry of the write after expiry: %d %s, head %d", again.code, again.body, head())
			}
			// A request without a key is not made idempotent.
			reg.header.Del("Idempotency-Key")
			if res = reg.do("POST", "/api/v1/events", strings.NewReader(body("P4")), "application/json"); res.code != 201 {
				t.Errorf("without a key: %d %s", res.code, res.body)
			}
			// The admission form carries a key of its own: sent twice, it
			// writes once and redirects to the same page.
			page := reg.get("/staff/admit")
			m := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(page.body)
			if page.code != 200 || m == nil {
				t.Fatalf("the admission form has no idempotency key: %d", page.code)
			}
			if other := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(reg.get("/staff/admit").body); other == nil || other[1] == m[1] {
				t.Errorf("two admission forms share a key: %v and %q", other, m[1])
			}
			form := url.Values{"idempotency_key": {m[1]}, "person_id": {"F1"}, "name": {"Test Person"}, "sex": {"M"}, "dob": {"1990-01-01"},
				"dob_basis": {"declared"}, "date": {"2024-03-01"}, "facility": {"CC1"}, "status": {"pretrial"}}
			before := head()
			one := reg.post("/staff/admit", form)
			two := reg.post("/staff/admit", form)
			if one.code != 303 || two.code != 303 || one.header.Get("Location") != two.header.Get("Location") || head() != before+2 {
				t.Errorf("a form sent twice: %d %s then %d %s, %d events written; want one write and the same answer",
					one.code, one.header.Get("Location"), two.code, two.header.Get("Location"), head()-before)
			}
			form.Set("person_id", "F2")
			if res := reg.post("/staff/admit", form); res.code != 422 || head() != before+2 {
				t.Errorf("another form under the key: %d, %d events written", res.code, head()-before)
			}
			rep, err := auth.VerifyAudit(ctx, db, head())
			if err != nil || !rep.OK() {
				t.Errorf("verify: %+v %v", rep, err)
			}
		})
	}
}

// TestRetryAfterTheFileChanged: a write sent again under its key is answered
// as the first time even when the first write, or one after it, changed
// what the events would be checked against: a registrar of CC1 who
// transferred someone to CC2 and never heard back (the server was killed
// after the commit) must be told 201 on the retry, not that the person is
// no longer theirs. Found by the kill -9 campaign (bench/fault.sh), where
// the retry of a committed transfer was answered 400 and the client took a
// stored transfer for a refused one.
func TestRetryAfterTheFileChanged(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, be.DSN(t))
			setup := ledger.Actor{Name: "setup", Via: "test"}
			for _, id := range []string{"CC1", "CC2"} {
				if _, err := ledger.New(db).Record(ctx, setup, &domain.Event{Kind: domain.KFacility,
					Date: domain.MustDate("2019-01-01"), Facility: id,
					Data: &domain.FacilityData{Name: "Correctional Centre " + id, Kind: domain.Prison, Province: "Phnom Penh", Capacity: 100}}); err != nil {
					t.Fatal(err)
				}
			}
			srv, err := web.New(newServices(t, db), web.Options{Log: testLog(t)})
			if err != nil {
				t.Fatal(err)
			}
			root := auth.System("setup", "test")
			for _, u := range []auth.NewUser{{Name: "registrar", Password: password, Role: auth.Registrar, Facilities: []string{"CC1"}},
				{Name: "admin", Password: password, Role: auth.Admin}} {
				if err := srv.Auth().AddUser(ctx, root, u); err != nil {
					t.Fatal(err)
				}
			}
			f := &fixture{t: t, db: db, srv: srv, ts: httptest.NewServer(srv.Handler())}
			t.Cleanup(f.ts.Close)
			reg, admin := f.login("registrar"), f.login("admin")
			head := func() int64 { h, _ := db.Head(ctx); return h.Seq }
			post := func(c *client, key, b string) response {
				c.header.Set("Idempotency-Key", key)
				return c.do("POST", "/api/v1/events", strings.NewReader(b), "application/json")
			}
			admit := func(id string) string {
				return `{"events":[{"kind":"person","date":"2024-03-01","person":"` + id + `","data":{"name":"Person ` + id +
					`","sex":"F","dob":"1990-02-03","dob_basis":"document"}},{"kind":"admission","date":"2024-03-01","person":"` + id +
					`","facility":"CC1","data":{"status":"pretrial"}}]}`
			}
			transfer := func(id, from string) string {
				return `{"events":[{"kind":"transfer","date":"2024-03-02","person":"` + id + `"` + from +
					`,"data":{"to":"CC2","reason":"overcrowding"}}]}`
			}
			mustPost := func(c *client, key, b, want string) response {
				t.Helper()
				res := post(c, key, b)
				if res.code != 201 || strings.TrimSpace(res.body) != want {
					t.Fatalf("POST %s: %d %s, want 201 %s", key, res.code, res.body, want)
				}
				return res
			}
			retry := func(c *client, key, b string, first response) {
				t.Helper()
				before := head()
				if res := post(c, key, b); res.code != first.code || res.body != first.body || head() != before {
					t.Errorf("retry of %s: %d %s, %d events written; want the first answer, %d %s, and none",
						key, res.code, res.body, head()-before, first.code, first.body)
				}
			}

			// The registrar's own transfer out of CC1, naming the facility
			// left as the API allows: P1 is in CC2 when the retry comes.
			mustPost(reg, "k1", admit("P1"), `{"seqs":[3,4]}`)
			moved := mustPost(reg, "k2", transfer("P1", `,"facility":"CC1"`), `{"seqs":[5]}`)
			retry(reg, "k2", transfer("P1", `,"facility":"CC1"`), moved)
			// The same without the facility: now decided by the scope.
			mustPost(reg, "k3", admit("P2"), `{"seqs":[6,7]}`)
			moved = mustPost(reg, "k4", transfer("P2", ""), `{"seqs":[8]}`)
			retry(reg, "k4", transfer("P2", ""), moved)
			// An admission retried after someone else moved the person on.
			admitted := mustPost(reg, "k5", admit("P3"), `{"seqs":[9,10]}`)
			mustPost(admin, "a1", transfer("P3", ""), `{"seqs":[11]}`)
			retry(reg, "k5", admit("P3"), admitted)
			// Another request under a used key is refused as such, before
			// its events are checked.
			res := post(reg, "k2", transfer("P1", `,"facility":"CC2"`))
			var e struct{ Code string }
			if res.code != 422 || json.Unmarshal([]byte(res.body), &e) != nil || e.Code != "key_reused" {
				t.Errorf("another body under k2: %d %s, want 422 key_reused", res.code, res.body)
			}
			rep, err := auth.VerifyAudit(ctx, db, head())
			if err != nil || !rep.OK() {
				t.Errorf("verify: %+v %v", rep, err)
			}
		})
	}
}
