package report

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/habeas-kh/habeas/internal/domain"
)

// The built-in jurisdiction profiles, one YAML file per jurisdiction.
//
//go:embed jurisdictions/*.yaml
var jurisdictions embed.FS

// DefaultJurisdiction is the profile a report uses when none is chosen.
const DefaultJurisdiction = "kh"

// Profile is what the public report says about the jurisdiction it covers:
// its title and the sources it credits beside the register. It is data, so
// that another country's report needs a file, not a change to the code.
type Profile struct {
	ID      string   `yaml:"id"`
	Name    Text     `yaml:"name"`
	Title   Text     `yaml:"title"`
	Sources []Credit `yaml:"sources"`
	// Population is the national population the headline figures are
	// given per 100,000 of, with its source; none, no rates.
	Population *Population `yaml:"population"`
}

// Population is a jurisdiction's population and where the figure comes from.
type Population struct {
	Value  int  `yaml:"value"`
	Year   int  `yaml:"year"`
	Source Text `yaml:"source"`
}

// Text is a text of a profile, in English and, where there is one, Khmer.
// The report is published in English; the Khmer is for the pages that
// show the report in Khmer.
type Text struct {
	En string `yaml:"en"`
	Km string `yaml:"km"`
}

// Credit is a source the report credits, and what it is used for.
type Credit struct {
	Name Text `yaml:"name"`
	Use  Text `yaml:"use"`
}

// LoadProfile returns the built-in profile of a jurisdiction ("kh").
func LoadProfile(id string) (*Profile, error) {
	b, err := jurisdictions.ReadFile("jurisdictions/" + id + ".yaml")
	if errors.Is(err, fs.ErrNotExist) || !idRE.MatchString(id) {
		return nil, domain.Invalid("jurisdiction", "no built-in profile %q (there are: %s)", id, strings.Join(Jurisdictions(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("reading the profile of %s: %w", id, err)
	}
	p, err := ParseProfile(b)
	if err != nil {
		return nil, fmt.Errorf("the built-in profile %s: %w", id, err)
	}
	if p.ID != id {
		return nil, fmt.Errorf("the built-in profile %s.yaml has the id %q", id, p.ID)
	}
	return p, nil
}

// Jurisdictions lists the built-in profiles.
func Jurisdictions() []string {
	names, _ := fs.Glob(jurisdictions, "jurisdictions/*.yaml")
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(n, "jurisdictions/"), ".yaml"))
	}
	return out
}

var idRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// ParseProfile reads and checks a profile. Unknown keys are errors, so
// that a misspelt key is not silently left out of the report, and every
// text needs its English.
func ParseProfile(b []byte) (*Profile, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, domain.Invalid("", "the profile is empty")
		}
		return nil, &domain.Error{Code: domain.ErrInvalid, Msg: "reading the profile: " + err.Error(), Err: err}
	}
	var more any
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, domain.Invalid("", "the profile has more than one YAML document")
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return &p, nil
}

// fieldText is a text of a profile and where it is, for the errors.
type fieldText struct {
	field string
	t     Text
}

func (p *Profile) check() error {
	if !idRE.MatchString(p.ID) {
		return domain.Invalid("id", "must be a short lower-case code (a-z, 0-9, - and _), got %q", p.ID)
	}
	texts := []fieldText{{"name", p.Name}, {"title", p.Title}}
	for i, s := range p.Sources {
		f := "sources[" + strconv.Itoa(i) + "]"
		texts = append(texts, fieldText{f + ".name", s.Name}, fieldText{f + ".use", s.Use})
	}
	if pop := p.Population; pop != nil {
		if pop.Value <= 0 {
			return domain.Invalid("population.value", "must be a positive number of people, got %d", pop.Value)
		}
		if pop.Year < 1900 || pop.Year > 2200 {
			return domain.Invalid("population.year", "must be the year of the count, got %d", pop.Year)
		}
		texts = append(texts, fieldText{"population.source", pop.Source})
	}
	for _, x := range texts {
		if strings.TrimSpace(x.t.En) == "" {
			return domain.Invalid(x.field+".en", "is required")
		}
		for _, v := range []struct{ lang, s string }{{"en", x.t.En}, {"km", x.t.Km}} {
			if !utf8.ValidString(v.s) || strings.ContainsAny(v.s, "\x00\r\n") || v.s != strings.TrimSpace(v.s) {
				return domain.Invalid(x.field+"."+v.lang, "must be one line of text, without space around it")
			}
		}
	}
	return nil
}
