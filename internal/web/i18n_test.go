package web

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
)

// fileKeys reads the keys of one message file as written, apart from the
// loader, so that the test does not trust what it tests.
func fileKeys(t *testing.T, name string) []string {
	t.Helper()
	b, err := messageFiles.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("%s is not a mapping of keys to texts", name)
	}
	var keys []string
	m := doc.Content[0].Content
	for i := 0; i < len(m); i += 2 {
		if m[i+1].Kind != yaml.ScalarNode {
			t.Errorf("%s:%d: the text of %s is not a string", name, m[i+1].Line, m[i].Value)
		}
		keys = append(keys, m[i].Value)
	}
	slices.Sort(keys)
	return keys
}

// TestMessageFilesSameKeys: the English and Khmer files have exactly the same
// keys, and they load.
func TestMessageFilesSameKeys(t *testing.T) {
	en, km := fileKeys(t, messageFile(English)), fileKeys(t, messageFile(Khmer))
	if len(en) < 300 {
		t.Fatalf("only %d keys in %s", len(en), messageFile(English))
	}
	for _, k := range en {
		if _, ok := slices.BinarySearch(km, k); !ok {
			t.Errorf("%s lacks %q", messageFile(Khmer), k)
		}
	}
	for _, k := range km {
		if _, ok := slices.BinarySearch(en, k); !ok {
			t.Errorf("%s lacks %q", messageFile(English), k)
		}
	}
	if _, err := loadCatalogue(messageFiles); err != nil {
		t.Fatal(err)
	}
}

// TestLoadCatalogueRefuses: a key missing from one file, an empty text and a
// text that drops an argument each stop the loading with the key and the file.
func TestLoadCatalogueRefuses(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	cases := []struct {
		name   string
		en, km string
		want   []string
	}{
		{"missing in km", "a.b: \"A\"\nc.d: \"C\"\n", "a.b: \"ក\"\n", []string{`messages/km.yaml: the key "c.d" is missing (messages/en.yaml has it)`}},
		{"missing in en", "a.b: \"A\"\n", "a.b: \"ក\"\nc.d: \"គ\"\n", []string{`messages/en.yaml: the key "c.d" is missing (messages/km.yaml has it)`}},
		{"empty", "a.b: \"A\"\n", "a.b: \"\"\n", []string{`messages/km.yaml: the text of "a.b" is empty`}},
		{"argument", "a.b: \"A %s of %s\"\n", "a.b: \"ក %s\"\n", []string{`messages/km.yaml: the text of "a.b" takes 1 arguments, messages/en.yaml's takes 2`}},
		{"duplicate", "a.b: \"A\"\na.b: \"B\"\n", "a.b: \"ក\"\n", []string{"messages/en.yaml", `"a.b" already defined`}},
		{"not text", "a.b: [\"A\"]\n", "a.b: \"ក\"\n", []string{"messages/en.yaml"}},
	}
	for _, c := range cases {
		_, err := loadCatalogue(fstest.MapFS{"messages/en.yaml": file(c.en), "messages/km.yaml": file(c.km)})
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want %q", c.name, err, w)
			}
		}
	}
	if _, err := loadCatalogue(fstest.MapFS{"messages/en.yaml": file("a.b: \"A\"\n")}); err == nil || !strings.Contains(err.Error(), "km.yaml") {
		t.Errorf("no Khmer file: %v", err)
	}
}

// TestKeysUsedExist: every key the templates and the Go code of this package
// ask for has a text. Literal keys are read from the sources; keys built from
// a prefix and a value are checked for every value of their vocabulary.
func TestKeysUsedExist(t *testing.T) {
	c, err := messages()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{} // key -> where
	add := func(key, where string) {
		if _, ok := used[key]; !ok {
			used[key] = where
		}
	}
	tmplRE := regexp.MustCompile(`\.TOr? "([a-z0-9_.]+)"`)
	fieldRE := regexp.MustCompile(`fieldArgs \. "([a-z0-9_]+)"`)
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, n := range names {
		b, err := templateFS.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplRE.FindAllSubmatch(b, -1) {
			add(string(m[1]), n)
		}
		for _, m := range fieldRE.FindAllSubmatch(b, -1) {
			add("field."+string(m[1]), n)
		}
	}
	// In Go: p.T("k"), l.T("k"), langOf(r).T("k"), p.TOr("k", ...), the
	// title of a page, newPage(r, "k", ...), and the label of a value of an
	// audit entry, item("k", ...).
	goRE := regexp.MustCompile(`(?:\.TOr?|newPage|\bitem)\((?:r, )?"([a-z0-9_]+\.[a-z0-9_.]+)"`)
	srcs, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	nGo := 0
	for _, n := range srcs {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goRE.FindAllSubmatch(b, -1) {
			add(string(m[1]), n)
			nGo++
		}
	}
	if nGo == 0 {
		t.Fatal("no key found in the Go code: the pattern no longer matches the calls")
	}
	vocab := func(prefix, where string, values []string) {
		for _, v := range values {
			add(prefix+v, where)
		}
	}
	vocab("status.", "domain.LegalStatuses", strs(domain.LegalStatuses))
	vocab("mech.", "domain.Mechanisms", strs(domain.Mechanisms))
	vocab("kind.", "domain.FacilityKinds", strs(domain.FacilityKinds))
	vocab("group.", "domain.ReleaseGroups", strs(domain.ReleaseGroups))
	vocab("rstatus.", "domain.ReformStatuses", strs(domain.ReformStatuses))
	vocab("pkind.", "domain.PledgeKinds", strs(domain.PledgeKinds))
	vocab("event.", "recordKinds", slices.Collect(maps.Keys(recordKinds)))
	vocab("event.", "domain.Kinds", strs(domain.Kinds))
	vocab("role.", "auth.Roles", strs(auth.Roles))
	vocab("audit.", "the audit actions", []string{auth.ActUserAdd, auth.ActUserRole, auth.ActUserDisable, auth.ActUserEnable,
		auth.ActUserPass, auth.ActTokenCreate, auth.ActTokenRevoke, auth.ActEventRecord, auth.ActEventImport, auth.ActCheckpointSign, auth.ActPersonRead,
		auth.ActPersonHealthRead, auth.ActChecksExport, auth.ActQueueExport, auth.ActOrgAdd, auth.ActOrgKeyAdd, auth.ActRecordKeyDestroy,
		auth.ActRestrictedRead})
	for _, k := range slices.Sorted(maps.Keys(used)) {
		for _, l := range langs {
			if _, ok := c[i18n.Lang(l)][k]; !ok {
				t.Errorf("%s uses the key %q, which %s lacks", used[k], k, messageFile(l))
			}
		}
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
