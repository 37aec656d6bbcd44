package web_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestPublishedReports: two reports published on the command line are
// both listed on the public side, with their checkpoint and key; every file
// is served byte for byte as publish wrote it, at a permanent address that
// does not depend on the folder (deleted here); and the manifest's
// signature checks with the public key alone (crypto/ed25519 here, not
// the code under test), then every file against the manifest.
//
// Then a late entry dated in a published month: the figures it changes are
// marked revised on the dashboard and the facility's page, and the
// revision log lists each with the published and the current value.
func TestPublishedReports(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	f := newFixture(t, dsn, publicPeople)
	c := f.client()
	c.cookies["lang"] = "en"
	if res := c.get("/reports/published"); res.code != 200 || !strings.Contains(res.body, `id="published-none"`) {
		t.Fatalf("before any publication: %d", res.code)
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "ministry")
	if code, _, e := runCLI(t, "report", "keygen", "--out", key); code != 0 {
		t.Fatal(e)
	}
	written := map[int]map[string][]byte{}
	for i, date := range []string{"2020-11-30", "2020-12-31"} {
		out := filepath.Join(dir, "pub-"+date)
		code, msg, e := runCLI(t, "--db", dsn, "--user", "admin", "report", "publish", "--as-of", date, "--key", key+".key", "--out", out)
		if code != 0 || !strings.Contains(msg, fmt.Sprintf("published report %d", i+1)) {
			t.Fatalf("publish %s: exit %d %s %s", date, code, msg, e)
		}
		written[i+1] = readTree(t, out)
		// The register keeps the files: the folder may go.
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
	}
	pubPEM, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "km"} {
		c.cookies["lang"] = lang
		page := c.get("/reports/published").body
		for id := 1; id <= 2; id++ {
			for _, want := range []string{fmt.Sprintf(`id="published-%d"`, id), fmt.Sprintf(`href="/reports/published/%d/"`, id),
				fmt.Sprintf(`href="/reports/published/%d/checkpoint.txt"`, id), fmt.Sprintf(`href="/reports/published/%d/manifest.json"`, id)} {
				if !strings.Contains(page, want) {
					t.Errorf("the list (%s) lacks %s", lang, want)
				}
			}
		}
		if !strings.Contains(page, strings.TrimSpace(string(pubPEM))[:40]) || !strings.Contains(page, "openssl pkeyutl -verify") {
			t.Errorf("the list (%s) lacks the public key or the instructions to verify", lang)
		}
	}
	c.cookies["lang"] = "en"
	for id, files := range written {
		if len(files) < 10 {
			t.Fatalf("publication %d wrote only %d files", id, len(files))
		}
		for name, want := range files {
			res := c.get(fmt.Sprintf("/reports/published/%d/%s", id, name))
			if res.code != 200 || res.body != string(want) {
				t.Errorf("publication %d, %s: %d, %d bytes, want the %d bytes publish wrote", id, name, res.code, len(res.body), len(want))
			}
		}
		if res := c.get(fmt.Sprintf("/reports/published/%d/", id)); res.body != string(files["index.html"]) {
			t.Errorf("publication %d: its address does not serve its page", id)
		}
		// The key alone: the PEM served beside the files, and the standard
		// library.
		block, _ := pem.Decode([]byte(c.get(fmt.Sprintf("/reports/published/%d/key.pub", id)).body))
		if block == nil {
			t.Fatalf("publication %d: key.pub is not PEM", id)
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		pub, ok := k.(ed25519.PublicKey)
		if err != nil || !ok {
			t.Fatalf("publication %d: key.pub: %v", id, err)
		}
		manifest := []byte(c.get(fmt.Sprintf("/reports/published/%d/manifest.json", id)).body)
		sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.get(fmt.Sprintf("/reports/published/%d/manifest.sig", id)).body))
		if err != nil || !ed25519.Verify(pub, manifest, sig) {
			t.Fatalf("publication %d: the manifest's signature does not check with the key alone (%v)", id, err)
		}
		var m struct {
			Files []struct{ Path, SHA256 string }
		}
		if err := json.Unmarshal(manifest, &m); err != nil || len(m.Files) == 0 {
			t.Fatalf("publication %d: manifest: %v", id, err)
		}
		for _, mf := range m.Files {
			sum := sha256.Sum256([]byte(c.get(fmt.Sprintf("/reports/published/%d/%s", id, mf.Path)).body))
			if hex.EncodeToString(sum[:]) != mf.SHA256 {
				t.Errorf("publication %d: %s as served does not match the manifest", id, mf.Path)
			}
		}
		// And habeas report verify on a folder downloaded from the server.
		got := filepath.Join(dir, fmt.Sprintf("downloaded-%d", id))
		for name := range files {
			p := filepath.Join(got, filepath.FromSlash(name))
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(c.get(fmt.Sprintf("/reports/published/%d/%s", id, name)).body), 0o644)
		}
		os.WriteFile(filepath.Join(dir, "key.pub"), []byte(c.get(fmt.Sprintf("/reports/published/%d/key.pub", id)).body), 0o644)
		if code, out, e := runCLI(t, "report", "verify", got, "--key", filepath.Join(dir, "key.pub")); code != 0 || !strings.Contains(out, "verify: ok") {
			t.Errorf("publication %d downloaded: verify exit %d %s %s", id, code, out, e)
		}
	}
	for _, p := range []string{"/reports/published/3/", "/reports/published/x/", "/reports/published/1/no-such-file"} {
		if res := c.get(p); res.code != 404 {
			t.Errorf("%s: %d, want 404", p, res.code)
		}
	}
	if res := c.get("/reports/revisions"); res.code != 200 || !strings.Contains(res.body, `id="revisions-none"`) {
		t.Fatalf("the revision log before any late entry: %d", res.code)
	}

	// A late entry dated in November: someone admitted to CC1 on 15
	// November 2020 is entered after November's report was published.
	var pubNov struct {
		National []struct {
			Key   string
			Value float64
		}
		Facilities []struct {
			ID     string
			Counts map[string]struct{ Value *int }
		}
	}
	if err := json.Unmarshal(written[1]["data/report.json"], &pubNov); err != nil {
		t.Fatal(err)
	}
	was := map[string]float64{}
	for _, fg := range pubNov.National {
		was[fg.Key] = fg.Value
	}
	cc1 := -1
	for _, fr := range pubNov.Facilities {
		if fr.ID == "CC1" && fr.Counts["population"].Value != nil {
			cc1 = *fr.Counts["population"].Value
		}
	}
	if cc1 < 0 {
		t.Fatal("CC1's population was not published")
	}
	reg := f.login("registrar")
	res := reg.do("POST", "/api/v1/events", strings.NewReader(`{"events":[`+
		`{"kind":"person","date":"2020-11-15","person":"LATE-1","data":{"name":"Late Entry","sex":"M","dob":"1990-05-01","dob_basis":"document"}},`+
		`{"kind":"admission","date":"2020-11-15","person":"LATE-1","facility":"CC1","data":{"status":"pretrial"}}]}`), "application/json")
	if res.code != 201 {
		t.Fatalf("the late entry: %d %s", res.code, res.body)
	}
	for _, lang := range []string{"en", "km"} {
		c.cookies["lang"] = lang
		log := c.get("/reports/revisions").body
		for _, w := range []struct {
			key       string
			was, want int
		}{
			{"national/all/population", int(was["population"]), int(was["population"]) + 1},
			{"facility/CC1/population", cc1, cc1 + 1},
		} {
			row := regexp.MustCompile(`<tr id="[^"]*" data-key="` + regexp.QuoteMeta(w.key) + `" data-report="1">(.*?)</tr>`).FindStringSubmatch(log)
			if row == nil {
				t.Errorf("the revision log (%s) does not list %s against report 1", lang, w.key)
				continue
			}
			if lang == "en" && (!strings.Contains(row[1], `class="n was">`+grouped(w.was)+`<`) || !strings.Contains(row[1], `class="n now">`+grouped(w.want)+`<`)) {
				t.Errorf("the revision of %s: %s, want %d then %d", w.key, row[1], w.was, w.want)
			}
		}
		// The person is still held on 31 December: December's published
		// population is revised too, against report 2; the trend's November
		// point in December's report as well.
		for _, k := range []string{`data-key="national/all/population" data-report="2"`, `data-key="trend/2020-11-30/population" data-report="2"`} {
			if !strings.Contains(log, k) {
				t.Errorf("the revision log (%s) lacks %s", lang, k)
			}
		}
		if strings.Contains(log, `data-key="facility/CC2/population"`) {
			t.Errorf("the revision log (%s) lists CC2, which the late entry did not change", lang)
		}
		dash := c.get("/?as_of=2020-11-30").body
		if !strings.Contains(dash, `id="revised-note"`) || !regexp.MustCompile(`id="fig-population">[^<]*</dd><a class="revised"`).MatchString(dash) {
			t.Errorf("the dashboard of November (%s) does not mark the population revised", lang)
		}
		fac := c.get("/facilities/CC1?as_of=2020-11-30").body
		if !regexp.MustCompile(`id="fac-population">[^<]*</dd><a class="revised"`).MatchString(fac) {
			t.Errorf("CC1's page of November (%s) does not mark its population revised", lang)
		}
		if fac := c.get("/facilities/CC2?as_of=2020-11-30").body; regexp.MustCompile(`id="fac-population">[^<]*</dd><a class="revised"`).MatchString(fac) {
			t.Errorf("CC2's page (%s) marks a population the late entry did not change", lang)
		}
	}
}

// readTree reads every file under dir, by slash-separated name.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
