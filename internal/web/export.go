package web

import (
	"io/fs"
	"regexp"
)

// Messages returns the text catalogue, key -> {English, Khmer} (for tests and
// translators); nil when the message files do not load.
func Messages() map[string][2]string {
	c, err := messages()
	if err != nil {
		return nil
	}
	return c.Pairs()
}

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
