package web

import (
	"io/fs"
	"regexp"
)

// Messages returns the text catalogue (for tests and translators).
func Messages() map[string][2]string { return messages }

// TemplateKeys lists the literal message keys the templates use.
func TemplateKeys() []string {
	re := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	seen := map[string]bool{}
	var out []string
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		b, _ := templateFS.ReadFile(n)
		for _, m := range re.FindAllSubmatch(b, -1) {
			if k := string(m[1]); !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}
