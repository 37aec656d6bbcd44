package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestOrganisationsMarkersBundles walks the monitoring path on the command
// line: organisations and their users; a monitor's laptop that records
// concern markers sealed with only the organisation's public key and
// writes a signed bundle; the server that imports it once, recognises it
// the second time, refuses it changed, signed by an unregistered key or for
// an unknown organisation; and reads the markers with the organisation's
// key only.
func TestOrganisationsMarkersBundles(t *testing.T) {
	dir := t.TempDir()
	server, laptop := filepath.Join(dir, "server.db"), filepath.Join(dir, "laptop.db")
	mustRun(t, "--db", server, "demo", "--people", "200", "--seed", "2")
	mustRun(t, "--db", server, "org", "add", "licadho", "--name", "LICADHO", "--kind", "monitoring")
	if code, _, errOut := run(t, "--db", server, "org", "add", "xx", "--name", "X", "--kind", "club"); code == 0 || !strings.Contains(errOut, "kind: must be one of") {
		t.Errorf("an organisation of an unknown kind: exit %d %q", code, errOut)
	}
	if list := mustRun(t, "--db", server, "org", "list"); !strings.Contains(list, "administration") || !strings.Contains(list, "licadho") {
		t.Errorf("org list:\n%s", list)
	}
	mustRun(t, "--db", server, "user", "add", "dara", "--role", "monitor", "--facility", "CC1", "--org", "licadho")
	if code, _, errOut := run(t, "--db", server, "user", "add", "vann", "--role", "monitor", "--facility", "CC1", "--org", "ghost"); code == 0 || !strings.Contains(errOut, `"ghost"`) {
		t.Errorf("a user of an unknown organisation: exit %d %q", code, errOut)
	}
	if list := mustRun(t, "--db", server, "user", "list"); !regexp.MustCompile(`dara\s+monitor.*licadho`).MatchString(list) {
		t.Errorf("user list does not show dara in licadho:\n%s", list)
	}

	// The organisation's record key; the laptop gets its public half only.
	orgKey := filepath.Join(dir, "licadho.agekey")
	out := mustRun(t, "org", "key", "generate", "--out", orgKey)
	pub := regexp.MustCompile(`age1[0-9a-z]+`).FindString(out)
	if pub == "" {
		t.Fatalf("no public key in %q", out)
	}
	pubFile := filepath.Join(dir, "licadho.agepub")
	if err := os.WriteFile(pubFile, []byte(pub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The laptop's signing key, and another never registered.
	mustRun(t, "report", "keygen", "--out", filepath.Join(dir, "laptop"))
	mustRun(t, "report", "keygen", "--out", filepath.Join(dir, "stranger"))
	mustRun(t, "--db", server, "org", "key", "add", "licadho", filepath.Join(dir, "laptop.pub"))

	mustRun(t, "--db", laptop, "org", "add", "licadho", "--name", "LICADHO", "--kind", "monitoring")
	lap := []string{"--db", laptop, "--user", "dara", "--org-key", "licadho=" + pubFile}
	mustRun(t, append(lap, "marker", "add", "--org", "licadho", "--date", "2020-06-01", "--category", "political",
		"--pseudonym", "Zq-SK9-pseudo", "--source", "interview:notes of QWERTY visit, file 14@2020-05-30")...)
	mustRun(t, append(lap, "marker", "add", "--org", "licadho", "--date", "2020-06-02", "--category", "ill_treatment",
		"--pseudonym", "Zq-VK4-pseudo", "--source", "family:account of his sister")...)
	if code, _, errOut := run(t, append(lap, "marker", "add", "--org", "licadho", "--date", "2020-06-02", "--category", "political",
		"--pseudonym", "NoSource")...); code == 0 || !strings.Contains(errOut, "sources") {
		t.Errorf("a marker without a source: exit %d %q", code, errOut)
	}
	// The laptop cannot read what it sealed: it has the public key only.
	if code, _, _ := run(t, append(lap, "marker", "list", "--org", "licadho")...); code == 0 {
		t.Error("the laptop read markers with the public key only")
	}
	bundleFile := filepath.Join(dir, "b1.json")
	mustRun(t, "--db", laptop, "export", "bundle", "--org", "licadho", "--since", "1", "--key", filepath.Join(dir, "laptop.key"), "--out", bundleFile)
	strangerFile := filepath.Join(dir, "b2.json")
	mustRun(t, "--db", laptop, "export", "bundle", "--org", "licadho", "--since", "1", "--key", filepath.Join(dir, "stranger.key"), "--out", strangerFile)

	headOf := func() string {
		return regexp.MustCompile(`head[^\n]*`).FindString(mustRun(t, "--db", server, "verify"))
	}
	before := headOf()
	// Refused, and nothing stored: a changed bundle, an unregistered key.
	b, _ := os.ReadFile(bundleFile)
	tampered := filepath.Join(dir, "tampered.json")
	os.WriteFile(tampered, bytes.Replace(b, []byte(`"date":"2020-06-01"`), []byte(`"date":"2020-06-03"`), 1), 0o600)
	if bytes.Equal(b, mustRead(t, tampered)) {
		t.Fatal("the tampering changed nothing")
	}
	if code, _, errOut := run(t, "--db", server, "import", "bundle", tampered); code == 0 || !strings.Contains(errOut, "tampered.json: the signature does not match") {
		t.Errorf("a changed bundle: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "--db", server, "import", "bundle", strangerFile); code == 0 || !strings.Contains(errOut, "not registered for licadho") {
		t.Errorf("a bundle signed by an unregistered key: exit %d %q", code, errOut)
	}
	if after := headOf(); after != before {
		t.Errorf("refused bundles changed the ledger: %s, was %s", after, before)
	}

	out = mustRun(t, "--db", server, "import", "bundle", bundleFile)
	if !strings.Contains(out, "imported 2 events of licadho") {
		t.Errorf("import: %q", out)
	}
	afterFirst := headOf()
	if out := mustRun(t, "--db", server, "import", "bundle", bundleFile); !strings.Contains(out, "all 2 events were imported before: nothing added") {
		t.Errorf("the second import: %q", out)
	}
	if h := headOf(); h != afterFirst {
		t.Errorf("the second import changed the ledger: %s, was %s", h, afterFirst)
	}
	// The server reads them with the organisation's key, as dara recorded
	// them; without the key it cannot.
	srv := []string{"--db", server, "--org-key", "licadho=" + orgKey}
	list := mustRun(t, append(srv, "marker", "list", "--org", "licadho")...)
	if !strings.Contains(list, "~Zq-SK9-pseudo") || !strings.Contains(list, "notes of QWERTY visit, file 14") || !strings.Contains(list, "~Zq-VK4-pseudo") ||
		strings.Count(list, "dara") != 2 {
		t.Errorf("marker list on the server:\n%s", list)
	}
	if code, _, _ := run(t, "--db", server, "marker", "list", "--org", "licadho"); code == 0 {
		t.Error("markers read without the organisation's key")
	}
	// Neither database file holds them in clear.
	for _, p := range []string{server, laptop} {
		for _, s := range []string{p, p + "-wal"} {
			if data, _ := os.ReadFile(s); bytes.Contains(data, []byte("QWERTY")) || bytes.Contains(data, []byte("Zq-SK9")) {
				t.Errorf("%s holds a marker in clear", s)
			}
		}
	}
	// A bundle of an organisation the server does not know.
	mustRun(t, "--db", laptop, "org", "add", "ghost", "--name", "Ghost", "--kind", "monitoring")
	ghost := filepath.Join(dir, "ghost.json")
	mustRun(t, "--db", laptop, "export", "bundle", "--org", "ghost", "--since", "1", "--key", filepath.Join(dir, "laptop.key"), "--out", ghost)
	if code, _, errOut := run(t, "--db", server, "import", "bundle", ghost); code == 0 || !strings.Contains(errOut, `organisation "ghost" is not known here`) {
		t.Errorf("a bundle of an unknown organisation: exit %d %q", code, errOut)
	}
	// Destroying a record's key on the server: verify still passes.
	seq := regexp.MustCompile(`(?m)^(\d+)\s+2020-06-01`).FindStringSubmatch(list)
	if seq == nil {
		t.Fatalf("no event number in\n%s", list)
	}
	mustRun(t, append(srv, "marker", "destroy", seq[1], "--org", "licadho", "--reason", "consent withdrawn")...)
	if list := mustRun(t, append(srv, "marker", "list", "--org", "licadho")...); strings.Contains(list, "Zq-SK9") || !strings.Contains(list, "(destroyed)") {
		t.Errorf("after destroying:\n%s", list)
	}
	mustRun(t, "--db", server, "verify")
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
