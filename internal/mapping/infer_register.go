package mapping

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// inferField is a field of a register sheet or of the cells sheet as
// --infer looks for it: the names a column holding it goes by (habeas's own
// name first, then English and French ones, written as normName leaves
// them; "=" in front for a name that must be the whole column name, too
// common a word to look for inside others), and, for a required field, what
// its CHECK line asks for.
type inferField struct {
	field string
	names []string
	need  string // "" for an optional field
}

// Names shared by the sheets that name the person a row is about.
var personRef = []string{"person id", "prisoner", "prisoner id", "prisoner number", "inmate", "inmate id", "inmate number",
	"prisoner no", "detainee", "detenu", "detenue", "numero d ecrou", "n d ecrou", "no d ecrou", "ecrou", "matricule", "id", "identifiant"}

func names(own string, more ...string) []string { return append([]string{normName(own)}, more...) }

// inferLayouts are the sheets --infer proposes a register mapping for, each
// field in the order habeas writes them.
var inferLayouts = map[string][]inferField{
	"people": {
		{"person.id", names("id", "person id", "person", "prisoner", "prisoner no", "prisoner id", "prisoner number", "inmate", "detainee", "detenu", "detenue", "inmate id", "inmate number", "register number",
			"numero d ecrou", "n d ecrou", "no d ecrou", "ecrou", "matricule", "identifiant", "numero du detenu", "=n", "=no", "=numero"), "the person's identifier"},
		{"person.date", names("registered", "registration date", "date registered", "date of registration", "date of entry in the register",
			"date d ecrou", "date d enregistrement", "date d inscription", "date de l ecrou", "date"), "the date of registration"},
		{"person.name", names("name", "full name", "names", "nom", "nom complet", "nom et prenom", "nom prenom", "noms"), "the person's name"},
		{"person.other_names", names("other_names", "other name", "alias", "aliases", "also known as", "autres noms", "autre nom", "surnom", "alias"), ""},
		{"person.sex", names("sex", "sexe"), "the person's sex"},
		{"person.gender", names("gender", "gender identity", "genre", "identite de genre"), ""},
		{"person.dob", names("dob", "date of birth", "birth date", "birthdate", "born", "born on", "ne le", "nee le", "ne e le",
			"date de naissance", "naissance"), ""},
		{"person.dob_basis", names("dob_basis", "dob source", "date of birth basis", "basis of the date of birth", "source of the date of birth",
			"source de la date", "source de la date de naissance", "fondement de la date de naissance"), ""},
		{"person.nationality", names("nationality", "citizenship", "nationalite", "citoyennete"), ""},
		{"person.id_document", names("id_document", "identity document", "id card", "passport", "papers", "document", "piece",
			"piece d identite", "carte d identite", "papiers"), ""},
	},
	"admissions": {
		{"person.id", names("person", personRef...), "the person's identifier"},
		{"admission.date", names("date", "admission date", "date of admission", "admitted", "admitted on", "date admitted",
			"date d entree", "entree", "entre le", "date d admission", "date d ecrou"), "the date of admission"},
		{"admission.facility", names("facility", "facility id", "prison", "institution", "establishment", "etablissement",
			"etablissement penitentiaire", "centre", "prison d admission"), "the admitting facility"},
		{"admission.cell", names("cell", "cell label", "cell number", "cellule", "numero de cellule"), ""},
		{"admission.status", names("status", "legal status", "statut", "statut juridique", "statut legal", "situation penale"), "the legal status at admission"},
		{"admission.order_kind", names("order_kind", "order", "order type", "kind of order", "type of order", "commitment order",
			"titre", "titre de detention", "type de titre"), ""},
		{"admission.order_authority", names("order_authority", "issuing authority", "authority", "autorite", "autorite du titre"), ""},
		{"admission.order_reference", names("order_reference", "order ref", "order number", "reference", "reference du titre"), ""},
		{"admission.order_issued", names("order_issued", "order date", "date of order", "issued", "issued on", "delivre le", "date du titre"), ""},
		{"admission.order_expires", names("order_expires", "expires", "expires on", "expiry", "expiry date", "expire le", "date d expiration"), ""},
		{"admission.case", names("case", "case id", "case number", "case no", "dossier", "numero de dossier", "affaire"), ""},
		{"admission.court", names("court", "tribunal", "juridiction"), ""},
		{"admission.procedure", names("procedure", "type of procedure", "type de procedure"), ""},
		{"admission.offence_date", names("offence_date", "offense date", "date of offence", "date of the offence", "date des faits",
			"date de l infraction", "faits"), ""},
		{"admission.release_date", names("release_date", "date of release", "released", "released on", "date de sortie",
			"sortie", "sorti le", "date de liberation", "libere le"), ""},
		{"admission.release_mechanism", names("release_mechanism", "release reason", "reason for release", "mechanism of release",
			"motif de sortie", "motif de liberation", "cause de sortie", "mode de sortie"), ""},
		{"admission.release_authority", names("release_authority", "released by", "autorite de sortie", "autorite de liberation"), ""},
		{"admission.release_reference", names("release_reference", "release order", "reference de sortie", "reference de liberation"), ""},
	},
	"charges": {
		{"person.id", names("person", personRef...), "the person's identifier"},
		{"charge.case", names("case", "case id", "case number", "case no", "dossier", "numero de dossier", "affaire"), "the case"},
		{"charge.date", names("date", "charge date", "date of charge", "date of charges", "charged on", "date des charges",
			"date d inculpation", "date de l inculpation", "date de la qualification"), "the date of the charges"},
		{"charge.offence", names("offence", "offense", "charge", "infraction", "qualification", "chef d inculpation", "chef d accusation"), "the offence"},
		{"charge.class", names("class", "offence class", "offense class", "class of offence", "classe", "classe de l infraction", "nature de l infraction"), "the class of offence"},
		{"charge.min_months", names("min_months", "minimum months", "min penalty months", "minimum penalty months", "minimum penalty",
			"peine minimale mois", "peine minimale", "peine minimum", "minimum"), ""},
		{"charge.max_months", names("max_months", "maximum months", "max penalty months", "maximum penalty months", "maximum penalty",
			"peine maximale mois", "peine maximale", "peine maximum", "maximum"), ""},
		{"charge.life", names("life", "life sentence", "life imprisonment", "perpetuite", "reclusion a perpetuite"), ""},
		{"charge.drug", names("drug", "drugs", "drug offence", "drug offense", "stupefiants", "drogue", "drogues"), ""},
		{"charge.violent", names("violent", "violence", "violent offence", "violent offense", "avec violence"), ""},
		{"charge.grave", names("grave", "grave crime", "international crime", "crime international", "crimes internationaux"), ""},
	},
	"cells": {
		{"cell.facility", names("facility", "facility id", "prison", "institution", "establishment", "etablissement"), "the facility of the cell"},
		{"cell.label", names("label", "cell", "cell label", "cell number", "cell no", "cellule", "numero de cellule", "libelle"), "the cell's label"},
		{"cell.area_m2", names("area_m2", "area", "floor area", "area m2", "surface", "surface m2", "superficie", "superficie m2", "m2", "sq m"), ""},
		{"cell.capacity", names("capacity", "designated capacity", "places", "beds", "capacite", "nombre de places", "lits"), "the cell's capacity"},
		{"cell.category", names("category", "categorie", "quartier", "regime"), ""},
		{"cell.date", names("date", "as of", "date of the figures"), ""},
	},
}

// registerKinds are the sheets --infer tries when guessing, most specific
// first: a tie goes to the earlier.
var registerKinds = []string{"people", "admissions", "charges", "cells"}

// normName puts a column name or a value in the form the vocabularies are
// written in: lower case, accents dropped, every run of punctuation and
// space one space ("Numéro d'écrou" → "numero d ecrou", "m²" → "m2").
func normName(s string) string {
	s = norm.NFKD.String(strings.ToLower(s))
	var b strings.Builder
	gap := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(r)
		default:
			gap = true
		}
	}
	return b.String()
}

// matchColumns finds a column for each field: first the columns whose whole
// name is one of the field's names, then those that contain one, the longer
// (more specific) names first. A column is taken by one field only.
func matchColumns(fields []inferField, header []string) map[string]int {
	normed := make([]string, len(header))
	for i, h := range header {
		normed[i] = normName(h)
	}
	chosen := map[string]int{}
	taken := map[int]bool{}
	for _, f := range fields {
	exact:
		for _, n := range f.names {
			n = strings.TrimPrefix(n, "=")
			for i, h := range normed {
				if !taken[i] && h != "" && h == n {
					chosen[f.field], taken[i] = i, true
					break exact
				}
			}
		}
	}
	type cand struct {
		field int
		name  string
	}
	var cands []cand
	for fi, f := range fields {
		for _, n := range f.names {
			if !strings.HasPrefix(n, "=") {
				cands = append(cands, cand{fi, n})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return len(cands[i].name) > len(cands[j].name) })
	for _, c := range cands {
		f := fields[c.field].field
		if _, ok := chosen[f]; ok {
			continue
		}
		for i, h := range normed {
			if !taken[i] && strings.Contains(" "+h+" ", " "+c.name+" ") {
				chosen[f], taken[i] = i, true
				break
			}
		}
	}
	return chosen
}

// vocab is what an enumerated field accepts and the words it is known by.
type vocab struct {
	accepted []string // read as they are
	anyCase  bool     // accepted whatever their case (the booleans)
	// words are normName'd source words for each register value; the
	// register value itself is recognised in any case and spelling
	// ("Police custody" for police_custody) without being listed.
	words map[string][]string
	// partner is the other word of a pair (oui for non), listed with it.
	partner map[string]string
}

func enumVocab[T ~string](vals []T, words map[string][]string) *vocab {
	v := &vocab{words: words}
	for _, x := range vals {
		v.accepted = append(v.accepted, string(x))
	}
	return v
}

var boolVocab = &vocab{
	accepted: []string{"true", "false", "yes", "no", "y", "n", "1", "0"},
	anyCase:  true,
	words:    map[string][]string{"true": {"oui", "o", "vrai", "x", "si", "ja"}, "false": {"non", "faux", "nein"}},
	partner:  map[string]string{"oui": "non", "non": "oui", "vrai": "faux", "faux": "vrai", "ja": "nein", "nein": "ja"},
}

var vocabs = map[string]*vocab{
	"person.sex": enumVocab(domain.Sexes, map[string][]string{
		"M": {"m", "male", "man", "men", "masculine", "homme", "h", "masculin"},
		"F": {"f", "female", "woman", "women", "feminine", "femme", "feminin"},
		"X": {"x", "other", "intersex", "autre", "intersexe"},
	}),
	"person.dob_basis": enumVocab(domain.DOBBases, map[string][]string{
		"document":  {"id document", "identity document", "official document", "birth certificate", "piece d identite", "piece", "acte de naissance", "papiers", "carte d identite"},
		"declared":  {"declared", "stated", "self declared", "declaree", "declare", "declaration"},
		"estimated": {"estimated", "estimate", "approximate", "estimee", "estime", "estimation", "approximative"},
		"unknown":   {"unknown", "not known", "inconnue", "inconnu"},
	}),
	"admission.status": enumVocab(domain.LegalStatuses, map[string][]string{
		"police_custody":   {"police custody", "garde a vue"},
		"pretrial":         {"pre trial", "remand", "remanded", "untried", "awaiting trial", "detention provisoire", "prevenu", "prevenue"},
		"convicted_appeal": {"awaiting appeal", "appeal", "appellant", "condamne en appel", "condamnee en appel", "appelant", "appelante"},
		"final":            {"convicted", "sentenced", "final judgment", "condamne definitif", "condamnee definitive", "condamne", "condamnee", "definitif"},
		"acquitted_held":   {"acquitted", "acquitte detenu", "acquittee detenue", "acquitte"},
		"drug_centre":      {"drug center", "rehabilitation", "centre de desintoxication", "desintoxication"},
	}),
	"admission.order_kind": enumVocab(domain.OrderKinds, map[string][]string{
		"arrest_warrant":       {"warrant", "mandat d arret", "mandat d amener"},
		"police_custody":       {"garde a vue", "decision de garde a vue"},
		"detention_order":      {"mandat de depot", "ordonnance de detention", "ordonnance de detention provisoire", "ordonnance de placement en detention provisoire"},
		"judgment":             {"judgement", "sentence", "jugement", "arret", "decision de condamnation"},
		"drug_centre_order":    {"drug center order", "ordonnance de placement", "decision de placement"},
		"immediate_appearance": {"comparution immediate"},
	}),
	"admission.procedure": enumVocab(domain.Procedures, map[string][]string{
		"ordinary":             {"normal", "regular", "ordinaire", "droit commun"},
		"immediate_appearance": {"comparution immediate"},
		"drug_administrative":  {"drug administrative", "administrative", "administratif", "administrative placement", "placement administratif"},
	}),
	"admission.release_mechanism": enumVocab(append(append([]domain.Mechanism{}, domain.Mechanisms...), "death", "escape"), map[string][]string{
		"judicial_supervision": {"bail", "released on bail", "controle judiciaire", "liberte sous controle judiciaire", "liberte sous caution"},
		"acquittal":            {"acquitted", "acquittement", "relaxe"},
		"charges_dropped":      {"dropped", "non lieu", "ordonnance de non lieu", "classement sans suite", "abandon des poursuites"},
		"sentence_served":      {"served", "end of sentence", "peine purgee", "fin de peine", "expiration de peine"},
		"conditional_release":  {"parole", "liberation conditionnelle"},
		"royal_pardon":         {"pardon", "grace royale", "grace"},
		"sentence_reduction":   {"reduction of sentence", "reduction de peine", "remise de peine"},
		"suspended_sentence":   {"suspended", "sursis"},
		"amnesty":              {"amnistie"},
		"transfer_to_hospital": {"hospital", "hospitalisation", "hospitalization", "hopital", "transfert a l hopital"},
		"other":                {"autre", "autres"},
		"death":                {"died", "dead", "deceased", "deces", "mort", "decede"},
		"escape":               {"escaped", "evasion", "evade"},
	}),
	"charge.class": enumVocab(domain.OffenceClasses, map[string][]string{
		"felony":       {"crime"},
		"misdemeanour": {"misdemeanor", "delit"},
		"petty":        {"petty offence", "petty offense", "infraction", "contravention"},
	}),
	"charge.life":    boolVocab,
	"charge.drug":    boolVocab,
	"charge.violent": boolVocab,
	"charge.grave":   boolVocab,
	"facility.kind": enumVocab(domain.FacilityKinds, map[string][]string{
		"prison":              {"jail", "penitentiary", "maison d arret", "centre penitentiaire"},
		"correctional_centre": {"correctional center", "centre correctionnel"},
		"police_custody":      {"police station", "police", "commissariat", "gendarmerie"},
		"drug_centre":         {"drug center", "centre de desintoxication"},
		"juvenile_centre":     {"juvenile center", "juvenile", "centre pour mineurs"},
	}),
}

// asIs reports whether the register reads v as it is.
func (v *vocab) asIs(s string) bool {
	for _, a := range v.accepted {
		if s == a || (v.anyCase && strings.EqualFold(s, a)) {
			return true
		}
	}
	return false
}

// translate gives the register value a source word stands for, "" when
// none is known.
func (v *vocab) translate(s string) string {
	n := normName(s)
	for _, a := range v.accepted {
		if n == normName(a) {
			if v.anyCase {
				// The booleans' other accepted words all mean one of
				// true and false, which the Bool reader tells apart.
				continue
			}
			return a
		}
	}
	targets := make([]string, 0, len(v.words))
	for t := range v.words {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		for _, w := range v.words[t] {
			if n == w {
				return t
			}
		}
	}
	return ""
}

// values lists what a field accepts, for a CHECK line.
func (v *vocab) values() string {
	if v.anyCase {
		return "true or false"
	}
	return strings.Join(v.accepted[:len(v.accepted)-1], ", ") + " or " + v.accepted[len(v.accepted)-1]
}

// writeEnum writes an enumerated field read from column col: plain when
// every sampled value is one the register reads as it is; otherwise a
// translation of the others, followed by the column read as it is for
// the register's own values.
func writeEnum(b *strings.Builder, indent, key, col string, v *vocab, vals []string) {
	type pair struct{ from, to string }
	var tr []pair
	var unknown []string
	for _, s := range vals {
		switch t := v.translate(s); {
		case v.asIs(s):
		case t != "":
			tr = append(tr, pair{s, t})
		default:
			unknown = append(unknown, s)
		}
	}
	if len(tr) == 0 && len(unknown) == 0 {
		fmt.Fprintf(b, "%s%s: %q\n", indent, key, col)
		return
	}
	fmt.Fprintf(b, "%s%s:   # values not listed are read as they are\n", indent, key)
	if len(unknown) > 0 {
		fmt.Fprintf(b, "%s  - column: %q\n%s    values:   # CHECK: translate %s to %s\n", indent, col, indent, quoteList(unknown), v.values())
	} else {
		fmt.Fprintf(b, "%s  - column: %q\n%s    values:\n", indent, col, indent)
	}
	// A yes/no column seen with one of its words has the other too: a
	// sample of "non" alone leaves the rare "oui" to translate.
	seen := map[string]bool{}
	for _, s := range vals {
		seen[normName(s)] = true
	}
	for _, p := range tr {
		if o, ok := v.partner[normName(p.from)]; ok && !seen[o] {
			seen[o] = true
			tr = append(tr, pair{o, v.translate(o)})
		}
	}
	for _, p := range tr {
		fmt.Fprintf(b, "%s      %q: %q\n", indent, p.from, p.to)
	}
	for _, s := range unknown {
		fmt.Fprintf(b, "%s      %q: \"CHECK\"\n", indent, s)
	}
	fmt.Fprintf(b, "%s  - %q\n", indent, col)
}

// layoutOf reports whether header is habeas's own layout of a sheet: every
// column one of the sheet's, its required ones included.
func layoutOf(what string, header []string) bool {
	var own, required []string
	switch what {
	case "facilities":
		own, required = facilityColumns, []string{"id", "name", "kind", "province"}
	case "cells":
		own, required = cellColumns, []string{"facility", "label", "capacity"}
	default:
		for _, c := range RegisterLayouts[what] {
			own = append(own, c.Name)
			if requiredColumn[what+"/"+c.Field] {
				required = append(required, c.Name)
			}
		}
	}
	has := map[string]bool{}
	n := 0
	for _, h := range header {
		h = strings.ToLower(h)
		if h == "" {
			continue
		}
		if !contains(own, h) {
			return false
		}
		has[h] = true
		n++
	}
	for _, r := range required {
		if !has[r] {
			return false
		}
	}
	return n > 0
}

// guessKind says what a file holds from its header: one of habeas's own
// layouts, else the register sheet (or the cells sheet) whose required
// fields are all found and which finds the most fields, else facilities
// when facility columns are found and no counts, else census. why says
// how, for the proposal's first line.
func guessKind(header []string) (what, why string) {
	for _, k := range append(append([]string{}, registerKinds...), "facilities") {
		if layoutOf(k, header) {
			return k, "its header is habeas's own " + k + " layout"
		}
	}
	best, bestN := "", 0
	for _, k := range registerKinds {
		fields := inferLayouts[k]
		chosen := matchColumns(fields, header)
		ok := true
		for _, f := range fields {
			if _, found := chosen[f.field]; f.need != "" && !found {
				ok = false
			}
		}
		if ok && len(chosen) > bestN {
			best, bestN = k, len(chosen)
		}
	}
	if best != "" {
		return best, fmt.Sprintf("its columns match %d fields of the %s sheet, the required ones included", bestN, best)
	}
	chosen := matchCensus("census", header)
	counts := false
	for f := range chosen {
		counts = counts || strings.HasPrefix(f, "census.counts.")
	}
	_, name := chosen["facility.name"]
	_, kind := chosen["facility.kind"]
	_, prov := chosen["facility.province"]
	if name && kind && prov && !counts {
		return "facilities", "its columns name, kind and locate facilities, and hold no counts"
	}
	return "census", "no sheet of the register matches its header: census, the default"
}

// inferRegister proposes a mapping for a people, admissions, charges or
// cells sheet.
func inferRegister(b *strings.Builder, what string, header []string, sample [][]string) {
	fields := inferLayouts[what]
	chosen := matchColumns(fields, header)
	col := func(i int) []string { return column(sample, i) }

	// Missing markers: the stray words of numeric columns, and the usual
	// markers in the columns read.
	var numeric, markers []int
	for _, f := range fields {
		i, ok := chosen[f.field]
		if !ok {
			continue
		}
		switch f.field {
		case "charge.min_months", "charge.max_months", "cell.area_m2", "cell.capacity":
			numeric = append(numeric, i)
		}
		if DateFields[f.field] {
			numeric = append(numeric, i)
		}
		markers = append(markers, i)
	}
	// Missing markers hold for every column: one that a field reads as a
	// value (X for a sex) would blank that field's values.
	var missing []string
	for _, v := range missingIn(sample, numeric, markers) {
		value := false
		for _, f := range fields {
			if voc := vocabs[f.field]; voc != nil && hasKey(chosen, f.field) {
				value = value || voc.asIs(v) || voc.translate(v) != ""
			}
		}
		if !value {
			missing = append(missing, v)
		}
	}
	miss := tabular.NewMissing(missing)
	if len(missing) > 0 {
		fmt.Fprintf(b, "missing: [%s]   # values that mean \"not known\" (a blank cell always does)\n", quoteYAML(missing))
	}

	// One list of date formats serves every date column: those that read
	// all of them together, else each column's, in turn.
	var dateCols []int
	var all []string
	for _, f := range fields {
		if i, ok := chosen[f.field]; ok && DateFields[f.field] {
			dateCols = append(dateCols, i)
			all = append(all, col(i)...)
		}
	}
	if len(dateCols) > 0 {
		formats := inferDates(all, miss)
		var unread []string
		if len(formats) == 0 {
			for _, i := range dateCols {
				f := inferDates(col(i), miss)
				if len(f) == 0 {
					unread = append(unread, header[i])
				}
				for _, x := range f {
					if !contains(formats, x) {
						formats = append(formats, x)
					}
				}
			}
		}
		switch {
		case len(unread) > 0 && len(formats) == 0:
			fmt.Fprintf(b, "dates: [YYYY-MM-DD]   # CHECK: no common format reads the dates of %s\n", quoteList(unread))
		case len(unread) > 0:
			fmt.Fprintf(b, "dates: [%s]   # CHECK: no common format reads the dates of %s\n", quoteYAML(formats), quoteList(unread))
		case len(formats) > 0 && len(alsoReads(formats, all, miss)) > 0:
			fmt.Fprintf(b, "dates: [%s]   # CHECK: %s read every sampled date too: day or month first?\n", quoteYAML(formats), quoteYAML(alsoReads(formats, all, miss)))
		case len(formats) > 0:
			fmt.Fprintf(b, "dates: [%s]\n", quoteYAML(formats))
		}
	}
	if i, ok := chosen["cell.area_m2"]; ok {
		for _, v := range col(i) {
			if decimalCommaRE.MatchString(v) {
				fmt.Fprintf(b, "decimal_comma: true   # CHECK: %q in %q reads as a decimal comma; 1.015 then means 1015\n", v, header[i])
				break
			}
		}
	}

	section := ""
	for _, f := range fields {
		sec, key, _ := strings.Cut(f.field, ".")
		i, found := chosen[f.field]
		if !found && f.need == "" && !(f.field == "person.dob_basis" && hasKey(chosen, "person.dob")) {
			continue
		}
		if sec != section {
			fmt.Fprintf(b, "%s:\n", sec)
			section = sec
		}
		switch {
		case !found && f.need != "":
			fmt.Fprintf(b, "  %s: \"CHECK: the column of %s\"\n", key, f.need)
		case !found:
			// Every date given is taken as declared, and a blank one
			// leaves the basis blank, which the import reads as unknown.
			fmt.Fprintf(b, "  dob_basis: {column: %q, values: {}, default: declared}   # CHECK: no column says how the dates of birth were established; a date given is taken as declared\n", header[chosen["person.dob"]])
		case vocabs[f.field] != nil:
			writeEnum(b, "  ", key, header[i], vocabs[f.field], distinct(col(i), miss, 60))
		default:
			fmt.Fprintf(b, "  %s: %q\n", key, header[i])
		}
	}
}

// alsoReads are the date formats that put day and month the other way
// round from the first chosen and read every sampled date too: 01/02/2020
// is as good a day-first date as a month-first one.
func alsoReads(chosen, vals []string, miss tabular.Missing) []string {
	var out []string
	for _, f := range dateCandidates {
		if f == "excel" || contains(chosen, f) || dayFirst(f) == dayFirst(chosen[0]) {
			continue
		}
		if readsAll(f, vals, miss) {
			out = append(out, f)
		}
	}
	return out
}

func dayFirst(format string) bool { return strings.Index(format, "D") < strings.Index(format, "M") }

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

// column is the trimmed cells of column i of the sample.
func column(sample [][]string, i int) []string {
	var out []string
	for _, r := range sample {
		if i < len(r) {
			out = append(out, strings.TrimSpace(r[i]))
		}
	}
	return out
}
