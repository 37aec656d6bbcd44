package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// settingOf is the value and source config check prints for key.
func settingOf(t *testing.T, out, key string) (value, from string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `\s+(\S+)\s+(.+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in\n%s", key, out)
	}
	return m[1], strings.TrimSpace(m[2])
}

// TestConfigPrecedence: a flag beats its environment variable, which beats
// the file, which beats the default; config check says which gave each.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "habeas.yaml")
	writeFile(t, file, "# habeas\naddr: \":9001\"\nlog-format: json\nmetrics-addr: 127.0.0.1:9999\ntrusted-proxy:\n  - 10.0.0.0/8\n  - 192.0.2.1\nready-max-lag: 10m\ndb: /var/lib/habeas/habeas.db\n")
	t.Setenv("HABEAS_DB", "")
	t.Setenv("HABEAS_LOG_FORMAT", "text")
	t.Setenv("HABEAS_ADDR", ":9002")
	t.Setenv("HABEAS_INSECURE_COOKIES", "true")
	out := mustRun(t, "config", "check", "--config", file, "--addr", ":9003")
	for key, want := range map[string][2]string{
		"addr":             {`":9003"`, "flag --addr"},
		"log-format":       {`"text"`, "env HABEAS_LOG_FORMAT"},
		"insecure-cookies": {"true", "env HABEAS_INSECURE_COOKIES"},
		"metrics-addr":     {`"127.0.0.1:9999"`, file + ":4"},
		"ready-max-lag":    {"10m0s", file + ":8"},
		"db":               {`"/var/lib/habeas/habeas.db"`, file + ":9"},
		"log-level":        {`"info"`, "default"},
		"shutdown-timeout": {"30s", "default"},
	} {
		v, from := settingOf(t, out, key)
		if v != want[0] || from != want[1] {
			t.Errorf("%s: %s from %s, want %s from %s", key, v, from, want[0], want[1])
		}
	}
	if !strings.Contains(out, `["10.0.0.0/8", "192.0.2.1"]`) {
		t.Errorf("the trusted proxies from the file are not shown:\n%s", out)
	}
	// The environment's database beats the file's; its password is masked.
	t.Setenv("HABEAS_DB", "postgres://habeas:s3cret-pw@db.example/habeas?sslmode=require")
	out = mustRun(t, "config", "check", "--config", file)
	if strings.Contains(out, "s3cret-pw") {
		t.Errorf("the database password is shown:\n%s", out)
	}
	if v, from := settingOf(t, out, "db"); from != "env HABEAS_DB" || !strings.Contains(v, "habeas:xxxxx@db.example") {
		t.Errorf("db: %s from %s", v, from)
	}
	// The replica's URL is masked the same way.
	t.Setenv("HABEAS_DB_READ", "postgres://habeas:r3plica-pw@replica.example/habeas")
	out = mustRun(t, "config", "check", "--config", file)
	if strings.Contains(out, "r3plica-pw") {
		t.Errorf("the replica's password is shown:\n%s", out)
	}
	if v, from := settingOf(t, out, "db-read"); from != "env HABEAS_DB_READ" || !strings.Contains(v, "habeas:xxxxx@replica.example") {
		t.Errorf("db-read: %s from %s", v, from)
	}
	if v, from := settingOf(t, out, "db-read-max-lag"); v != "30s" || from != "default" {
		t.Errorf("db-read-max-lag: %s from %s", v, from)
	}
	t.Setenv("HABEAS_DB_READ", "")
	// HABEAS_CONFIG names the file when --config does not.
	t.Setenv("HABEAS_CONFIG", file)
	t.Setenv("HABEAS_ADDR", "")
	if v, _ := settingOf(t, mustRun(t, "config", "check"), "addr"); v != `":9001"` {
		t.Errorf("addr with HABEAS_CONFIG: %s", v)
	}
}

// TestConfigErrors: a bad file or value is refused with the file, line and
// key (or the flag or variable) at fault.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HABEAS_DB", "")
	for _, tc := range []struct {
		name, yaml string
		env        [2]string
		args       []string
		want       string
	}{
		{"unknown key", "addr: \":9001\"\nlisten: \":80\"\n", [2]string{}, nil, `habeas.yaml:2: unknown key "listen"`},
		{"misspelt key", "addr: \":9001\"\n\ntls_cert: /etc/cert.pem\n", [2]string{}, nil, `habeas.yaml:3: unknown key "tls_cert"`},
		{"bool", "insecure-cookies: sometimes\n", [2]string{}, nil, `habeas.yaml:1: insecure-cookies: want true or false`},
		{"duration", "\nready-max-lag: 10\n", [2]string{}, nil, `habeas.yaml:2: ready-max-lag: want a duration`},
		{"string as mapping", "addr:\n  host: x\n", [2]string{}, nil, `habeas.yaml:2: addr: want a string`},
		{"list of mappings", "trusted-proxy:\n  - cidr: 10.0.0.0/8\n", [2]string{}, nil, `trusted-proxy: line 2: want a string`},
		{"twice", "addr: a\naddr: b\n", [2]string{}, nil, `habeas.yaml:2: key "addr" given twice (first on line 1)`},
		{"not a mapping", "- addr\n", [2]string{}, nil, `habeas.yaml:1: the configuration must be a mapping`},
		{"broken YAML", "addr: \":9001\n", [2]string{}, nil, `habeas.yaml:2: found unexpected end of stream`},
		{"bad CIDR", "trusted-proxy: [10.0.0.0/33]\n", [2]string{}, nil, `trusted-proxy (from ` + filepath.Join(dir, "habeas.yaml") + `:1): "10.0.0.0/33" is neither`},
		{"bad env", "", [2]string{"HABEAS_SHUTDOWN_TIMEOUT", "soon"}, nil, `environment variable HABEAS_SHUTDOWN_TIMEOUT: "soon" is not a duration`},
		{"bad flag value", "", [2]string{}, []string{"--log-format", "xml"}, `log-format (from flag --log-format): "xml": want json or text`},
		{"cert without key", "tls-cert: /x.pem\n", [2]string{}, nil, `tls-cert and tls-key go together`},
		{"replica of SQLite", "db-read: postgres://habeas@replica/habeas\n", [2]string{}, nil,
			`db-read (from ` + filepath.Join(dir, "habeas.yaml") + `:1): a read replica needs a PostgreSQL register`},
		{"replica of SQLite by flag", "", [2]string{}, []string{"--db-read", "postgres://habeas@replica/habeas"},
			`db-read (from flag --db-read): a read replica needs a PostgreSQL register`},
		{"replica not PostgreSQL", "", [2]string{"HABEAS_DB_READ", "/var/lib/habeas/copy.db"}, nil,
			`db-read (from env HABEAS_DB_READ): want the postgres:// URL of a streaming replica`},
		{"replica lag", "db-read-max-lag: 0s\n", [2]string{}, nil, `db-read-max-lag (from`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "habeas.yaml")
			writeFile(t, file, tc.yaml)
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			code, _, errOut := run(t, append([]string{"config", "check", "--config", file}, tc.args...)...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want it to say %q", code, errOut, tc.want)
			}
			// habeas serve refuses the same, before opening anything.
			db := filepath.Join(dir, "never.db")
			code, _, errOut = run(t, append([]string{"--db", db, "serve", "--config", file}, tc.args...)...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("serve: exit %d, stderr %q; want it to say %q", code, errOut, tc.want)
			}
			if _, err := os.Stat(db); err == nil {
				t.Errorf("serve created the database before refusing its configuration")
			}
		})
	}
	code, _, errOut := run(t, "config", "check", "--config", filepath.Join(dir, "missing.yaml"))
	if code == 0 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("a missing --config file: exit %d, %q", code, errOut)
	}
}

// TestConfigOrgKeys: the organisations' key files come from the
// configuration's org-keys list, from HABEAS_ORG_KEYS over it, and from
// --org-key over both; a visit's interviews are then sealed with the key
// the file names.
func TestConfigOrgKeys(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "habeas.yaml")
	writeFile(t, file, "org-keys:\n  - licadho=/etc/habeas/licadho.agekey\n  - adhoc=/etc/habeas/adhoc.agekey\n")
	t.Setenv("HABEAS_ORG_KEYS", "")
	t.Setenv("HABEAS_DB", "")
	line := func(out string) string {
		for l := range strings.SplitSeq(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "org-keys") {
				return l
			}
		}
		t.Fatalf("no org-keys in\n%s", out)
		return ""
	}
	for _, c := range []struct {
		args       []string
		value, src string
	}{
		{nil, `["licadho=/etc/habeas/licadho.agekey", "adhoc=/etc/habeas/adhoc.agekey"]`, file + ":2"},
		{[]string{"env"}, `["licadho=/srv/lic.key", "adhoc=/srv/adhoc.key"]`, "env HABEAS_ORG_KEYS"},
		{[]string{"env", "--org-key", "licadho=/x.key"}, `["licadho=/x.key"]`, "flag --org-key"},
	} {
		args := []string{"config", "check", "--config", file}
		if len(c.args) > 0 {
			t.Setenv("HABEAS_ORG_KEYS", "licadho=/srv/lic.key,adhoc=/srv/adhoc.key")
			args = append(args, c.args[1:]...)
		}
		if l := line(mustRun(t, args...)); !strings.Contains(l, c.value) || !strings.HasSuffix(strings.TrimSpace(l), c.src) {
			t.Errorf("%v: %q, want %s from %s", c.args, l, c.value, c.src)
		}
	}
}
