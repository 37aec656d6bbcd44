package i18n

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Files holds the text of the interface, one file per language
// (messages/en.yaml, messages/km.yaml), so that a translator can edit the
// words without reading Go: the web pages' and the printable report's
// (keys report.*). The Khmer text should be reviewed by a native speaker
// working in the field before publication.
//
//go:embed messages/*.yaml
var Files embed.FS

// Catalogue is the text of every key in each language. It is read once and
// never changed.
type Catalogue map[Lang]map[string]string

// Messages is the catalogue, read from the embedded files on first use.
// Since the files are compiled in, every reader would read the same
// catalogue anyway; a server calls it first, so that a broken file stops
// the start with its error instead of showing keys.
var Messages = sync.OnceValues(func() (Catalogue, error) { return Load(Files) })

// T returns the text of a key in the language, the English when the
// language has none, and the key itself when there is no text at all (a
// test checks that every key used has a text).
func (l Lang) T(key string) string {
	c, err := Messages()
	if err != nil {
		return key
	}
	if s, ok := c[l][key]; ok {
		return s
	}
	if s, ok := c[English][key]; ok {
		return s
	}
	return key
}

// Pairs is the catalogue as key -> {English, Khmer} (for tests and
// translators).
func (c Catalogue) Pairs() map[string][2]string {
	out := make(map[string][2]string, len(c[English]))
	for k, en := range c[English] {
		out[k] = [2]string{en, c[Khmer][k]}
	}
	return out
}

// verbRE finds the places where a text takes an argument.
var verbRE = regexp.MustCompile(`%[sdvq]`)

// Load reads messages/<lang>.yaml for each language from fsys and checks
// them against each other: every key in one file must be in the others, no
// text may be empty, and a text must take as many arguments in every
// language (else a page would show "%!s(MISSING)"). It reports every
// problem, each naming the key and the file.
func Load(fsys fs.FS) (Catalogue, error) {
	c := Catalogue{}
	for _, l := range Langs {
		name := messageFile(l)
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading the messages: %w", err)
		}
		m := map[string]string{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		c[l] = m
	}
	var errs []error
	for _, l := range Langs {
		for _, key := range slices.Sorted(maps.Keys(c[l])) {
			if strings.TrimSpace(c[l][key]) == "" {
				errs = append(errs, fmt.Errorf("%s: the text of %q is empty", messageFile(l), key))
			}
			for _, o := range Langs {
				if o == l {
					continue
				}
				other, ok := c[o][key]
				switch {
				case !ok:
					errs = append(errs, fmt.Errorf("%s: the key %q is missing (%s has it)", messageFile(o), key, messageFile(l)))
				case l == English && len(verbRE.FindAllString(other, -1)) != len(verbRE.FindAllString(c[l][key], -1)):
					errs = append(errs, fmt.Errorf("%s: the text of %q takes %d arguments, %s's takes %d", messageFile(o), key,
						len(verbRE.FindAllString(other, -1)), messageFile(l), len(verbRE.FindAllString(c[l][key], -1))))
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func messageFile(l Lang) string { return "messages/" + string(l) + ".yaml" }
