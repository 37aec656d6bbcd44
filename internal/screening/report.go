package screening

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// PackInfo names the pack a screening used.
type PackInfo struct {
	ID           string `json:"id"`
	Jurisdiction string `json:"jurisdiction"`
	Version      string `json:"version"`
	File         string `json:"file"`
	// The lawyer who reviewed the pack and when; empty when none has.
	ReviewedBy string      `json:"reviewed_by,omitempty"`
	ReviewedOn domain.Date `json:"reviewed_on,omitempty"`
}

func packInfo(p *rules.Pack) PackInfo {
	return PackInfo{ID: p.ID, Jurisdiction: p.Jurisdiction, Version: p.Version, File: p.File,
		ReviewedBy: p.ReviewedBy, ReviewedOn: p.ReviewedOn}
}

// Report is a whole screening. The pack, the ledger head and the date are
// all it depends on: the same three give the same report. Its JSON form
// (WriteJSON) ends with "persons", the results in order.
type Report struct {
	Pack     PackInfo    `json:"pack"`
	Head     store.Head  `json:"ledger_head"`
	AsOf     domain.Date `json:"as_of"`
	Within   int         `json:"within_days,omitempty"`
	Facility string      `json:"facility,omitempty"`
	Summary  Summary     `json:"summary"`

	persons *results
}

// reportHeader is a Report without its MarshalJSON: everything but the
// persons.
type reportHeader Report

// Persons yields the people screened, unlawfully held first, then by
// priority score, highest first, then by id (see Sort). Each Result is
// unpacked as it is yielded: a caller that keeps them all holds what the
// report avoids holding.
func (r *Report) Persons() iter.Seq[Result] { return r.persons.all() }

// Len is the number of people screened.
func (r *Report) Len() int {
	if r.persons == nil {
		return 0
	}
	return r.persons.len()
}

// RuleCount counts the people for whom a rule fired, will fire within the
// window, or could not be decided.
type RuleCount struct {
	Rule      string     `json:"rule"`
	Kind      rules.Kind `json:"kind"`
	Verified  bool       `json:"verified"`
	Fired     int        `json:"fired"`
	Upcoming  int        `json:"upcoming,omitempty"`
	Undecided int        `json:"undecided"`
}

// KindCount counts the people with at least one rule of a kind fired.
type KindCount struct {
	Kind    rules.Kind `json:"kind"`
	Persons int        `json:"persons"`
}

// FacilityCount is the screening of one facility.
type FacilityCount struct {
	Facility string `json:"facility"`
	Screened int    `json:"screened"`
	Unlawful int    `json:"unlawful"`
	// The people held unlawfully, split: on confirmed law (at least one
	// verified unlawful rule holds) and on law not yet confirmed. The two
	// add up to Unlawful.
	UnlawfulConfirmed   int `json:"unlawful_on_confirmed_law"`
	UnlawfulUnconfirmed int `json:"unlawful_on_law_not_yet_confirmed"`
	Review              int `json:"review"`
	Eligible            int `json:"eligible"`
	Priority            int `json:"priority"`
	Undecided           int `json:"undecided"`     // people with at least one rule undecided
	DataToCheck         int `json:"data_to_check"` // people with at least one data check holding
}

// HeldUnlawfully is the number of people held unlawfully, split by
// whether the law that makes it so is confirmed: OnConfirmedLaw counts those
// for whom at least one verified unlawful rule holds, OnUnconfirmedLaw the
// others. The two add up to Total.
type HeldUnlawfully struct {
	Total            int `json:"total"`
	OnConfirmedLaw   int `json:"on_confirmed_law"`
	OnUnconfirmedLaw int `json:"on_law_not_yet_confirmed"`
}

// CheckCount counts the people for whom a data check holds, in all and by
// facility.
type CheckCount struct {
	Check      string        `json:"check"`
	Title      string        `json:"title"`
	People     int           `json:"people"`
	ByFacility []FacilityNum `json:"by_facility"`
}

// FacilityNum is a number of people in one facility.
type FacilityNum struct {
	Facility string `json:"facility"`
	People   int    `json:"people"`
}

// Summary of a screening by rule, kind and facility.
type Summary struct {
	Screened       int             `json:"screened"`
	HeldUnlawfully HeldUnlawfully  `json:"held_unlawfully"`
	ByRule         []RuleCount     `json:"by_rule"`
	ByKind         []KindCount     `json:"by_kind"`
	ByFacility     []FacilityCount `json:"by_facility"`
	// DataToCheck has a row for every data check of the pack, in its order.
	DataToCheck []CheckCount `json:"data_to_check"`
}

// Summarize counts the results.
func Summarize(p *rules.Pack, rs []Result) Summary {
	sm := newSummer(p)
	for i := range rs {
		sm.add(&rs[i])
	}
	return sm.summary()
}

// Tally counts results as they are added, as Summarize counts a list,
// without the list.
type Tally struct{ sm *summer }

// NewTally starts counting the results of a screening with p.
func NewTally(p *rules.Pack) *Tally { return &Tally{newSummer(p)} }

// Add counts one result.
func (t *Tally) Add(r *Result) { t.sm.add(r) }

// Summary is the count so far.
func (t *Tally) Summary() Summary { return t.sm.summary() }

// summer counts results as they come; each screening worker has its own,
// and they are merged at the end.
type summer struct {
	screened int
	idx      map[string]int
	byRule   []RuleCount
	kinds    map[rules.Kind]int
	facs     map[string]*FacilityCount
	checks   []*rules.Rule
	checkIdx map[string]int
	byCheck  []map[string]int // check index → facility → people
}

func newSummer(p *rules.Pack) *summer {
	sm := &summer{idx: map[string]int{}, kinds: map[rules.Kind]int{}, facs: map[string]*FacilityCount{},
		checks: p.Checks, checkIdx: map[string]int{}}
	for i, r := range p.Rules {
		sm.idx[r.ID] = i
		sm.byRule = append(sm.byRule, RuleCount{Rule: r.ID, Kind: r.Kind, Verified: r.Verified})
	}
	for i, c := range p.Checks {
		sm.checkIdx[c.ID] = i
		sm.byCheck = append(sm.byCheck, map[string]int{})
	}
	return sm
}

func (sm *summer) add(r *Result) {
	sm.screened++
	fc := sm.facs[r.Facility]
	if fc == nil {
		fc = &FacilityCount{Facility: r.Facility}
		sm.facs[r.Facility] = fc
	}
	fc.Screened++
	// The kinds of the rules that fired, each once (a pack has four kinds).
	var kinds [4]rules.Kind
	has := kinds[:0]
	for _, f := range r.Fired {
		sm.byRule[sm.idx[f.Rule]].Fired++
		if !slices.Contains(has, f.Kind) {
			has = append(has, f.Kind)
		}
	}
	for _, f := range r.Upcoming {
		sm.byRule[sm.idx[f.Rule]].Upcoming++
	}
	for _, u := range r.Undecided {
		sm.byRule[sm.idx[u.Rule]].Undecided++
	}
	for _, k := range has {
		sm.kinds[k]++
	}
	fc.Unlawful += b2i(r.Unlawful)
	fc.UnlawfulConfirmed += b2i(r.Unlawful && r.ConfirmedLaw)
	fc.UnlawfulUnconfirmed += b2i(r.Unlawful && !r.ConfirmedLaw)
	fc.Review += b2i(slices.Contains(has, rules.Review))
	fc.Eligible += b2i(slices.Contains(has, rules.Eligible))
	fc.Priority += b2i(slices.Contains(has, rules.Priority))
	fc.Undecided += b2i(len(r.Undecided) > 0)
	fc.DataToCheck += b2i(len(r.Checks) > 0)
	for _, c := range r.Checks {
		sm.byCheck[sm.checkIdx[c.Rule]][r.Facility]++
	}
}

func (sm *summer) merge(o *summer) {
	if o == nil {
		return
	}
	sm.screened += o.screened
	for i, c := range o.byRule {
		sm.byRule[i].Fired += c.Fired
		sm.byRule[i].Upcoming += c.Upcoming
		sm.byRule[i].Undecided += c.Undecided
	}
	for k, n := range o.kinds {
		sm.kinds[k] += n
	}
	for id, c := range o.facs {
		fc := sm.facs[id]
		if fc == nil {
			fc = &FacilityCount{Facility: id}
			sm.facs[id] = fc
		}
		fc.Screened += c.Screened
		fc.Unlawful += c.Unlawful
		fc.Review += c.Review
		fc.Eligible += c.Eligible
		fc.Priority += c.Priority
		fc.Undecided += c.Undecided
		fc.UnlawfulConfirmed += c.UnlawfulConfirmed
		fc.UnlawfulUnconfirmed += c.UnlawfulUnconfirmed
		fc.DataToCheck += c.DataToCheck
	}
	for i, m := range o.byCheck {
		for f, n := range m {
			sm.byCheck[i][f] += n
		}
	}
}

func (sm *summer) summary() Summary {
	s := Summary{Screened: sm.screened, ByRule: slices.Clone(sm.byRule)}
	for _, k := range rules.Kinds {
		s.ByKind = append(s.ByKind, KindCount{Kind: k, Persons: sm.kinds[k]})
	}
	for _, fc := range sm.facs {
		s.ByFacility = append(s.ByFacility, *fc)
		s.HeldUnlawfully.Total += fc.Unlawful
		s.HeldUnlawfully.OnConfirmedLaw += fc.UnlawfulConfirmed
		s.HeldUnlawfully.OnUnconfirmedLaw += fc.UnlawfulUnconfirmed
	}
	sort.Slice(s.ByFacility, func(i, j int) bool { return s.ByFacility[i].Facility < s.ByFacility[j].Facility })
	s.DataToCheck = []CheckCount{}
	for i, c := range sm.checks {
		cc := CheckCount{Check: c.ID, Title: c.Title, ByFacility: []FacilityNum{}}
		for f, n := range sm.byCheck[i] {
			cc.People += n
			cc.ByFacility = append(cc.ByFacility, FacilityNum{Facility: f, People: n})
		}
		sort.Slice(cc.ByFacility, func(i, j int) bool { return cc.ByFacility[i].Facility < cc.ByFacility[j].Facility })
		s.DataToCheck = append(s.DataToCheck, cc)
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Saved is what is kept of a screening of everyone for the public report
// (store.SaveScreening): per facility, the people a rule of each kind fired
// for, those held unlawfully split by whether the law is confirmed, and the
// data to check, in all and per check. Counts only: no person leaves the
// screening this way. A single facility's screening is refused, since it
// would read as a national figure.
func (r *Report) Saved(now time.Time) (store.ScreeningSummary, error) {
	if r.Facility != "" {
		return store.ScreeningSummary{}, fmt.Errorf("--save needs a screening of every facility: leave --facility out")
	}
	sum := store.ScreeningSummary{AsOf: r.AsOf, Pack: r.Pack.ID + " " + r.Pack.Version, Head: r.Head.Hash,
		ComputedAt: now.UTC().Format(time.RFC3339), ReviewedBy: r.Pack.ReviewedBy, ReviewedOn: r.Pack.ReviewedOn}
	add := func(fac, kind, rule string, n int) {
		if n > 0 {
			sum.Counts = append(sum.Counts, store.ScreeningCount{Facility: fac, Kind: kind, Rule: rule, People: n})
		}
	}
	for _, f := range r.Summary.ByFacility {
		add(f.Facility, string(rules.Unlawful), "", f.Unlawful)
		add(f.Facility, store.KindUnlawfulConfirmed, "", f.UnlawfulConfirmed)
		add(f.Facility, store.KindUnlawfulUnconfirmed, "", f.UnlawfulUnconfirmed)
		add(f.Facility, string(rules.Review), "", f.Review)
		add(f.Facility, string(rules.Eligible), "", f.Eligible)
		add(f.Facility, string(rules.Priority), "", f.Priority)
		add(f.Facility, store.KindDataCheck, "", f.DataToCheck)
	}
	for _, c := range r.Summary.DataToCheck {
		for _, f := range c.ByFacility {
			add(f.Facility, store.KindDataCheck, c.Check, f.People)
		}
	}
	return sum, nil
}

// WriteJSON writes the report as one JSON document, indented. The people
// are encoded one at a time as they are written, so that the document is
// never whole in memory; the bytes are those encoding/json would give for
// the report with its persons as a list.
func (r *Report) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	head, err := json.MarshalIndent((*reportHeader)(r), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the screening report: %w", err)
	}
	// Reopen the object: the header ends with "\n}".
	bw.Write(head[:len(head)-2])
	if r.Len() == 0 {
		bw.WriteString(",\n  \"persons\": null\n}\n")
		return bw.Flush()
	}
	bw.WriteString(",\n  \"persons\": [")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	sep := "\n    "
	for p := range r.Persons() {
		buf.Reset()
		if err := enc.Encode(p); err != nil {
			return fmt.Errorf("encoding the screening of %s: %w", p.Person, err)
		}
		bw.WriteString(sep)
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		sep = ",\n    "
	}
	bw.WriteString("\n  ]\n}\n")
	return bw.Flush()
}

// MarshalJSON gives the same document as WriteJSON, for a report embedded
// in other JSON.
func (r *Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	err := r.WriteJSON(&b)
	return b.Bytes(), err
}

// WriteCSV writes one row per rule that fired, will fire or is undecided
// for a person. Every row carries the date, pack and ledger head, so that a
// row cut from the file still says where it comes from.
func (r *Report) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	cw.Write([]string{"as_of", "pack", "pack_version", "ledger_head", "person", "facility", "status", "unlawful",
		"unlawful_on_confirmed_law", "priority", "rule", "kind", "result", "date", "mechanism", "citation", "verified", "reason",
		"unknown_facts"})
	pack, ver, head := r.Pack.ID, r.Pack.Version, r.Head.Hash
	for p := range r.Persons() {
		base := []string{r.AsOf.String(), pack, ver, head, p.Person, p.Facility, string(p.Status),
			strconv.FormatBool(p.Unlawful), strconv.FormatBool(p.Unlawful && p.ConfirmedLaw), strconv.Itoa(p.Priority)}
		row := func(rest ...string) error {
			rec := append(append([]string(nil), base...), rest...)
			// Names, reasons and identifiers are text, neutralised against
			// spreadsheet formulas; the priority (column 10) is a number.
			for i, c := range rec {
				rec[i] = tabular.Cell(c, i == 9)
			}
			return cw.Write(rec)
		}
		for _, f := range p.Fired {
			row(f.Rule, string(f.Kind), "fired", "", string(f.Mechanism), f.Citation, strconv.FormatBool(f.Verified), f.Reason, "")
		}
		for _, f := range p.Upcoming {
			row(f.Rule, string(f.Kind), "upcoming", f.Date.String(), string(f.Mechanism), f.Citation, strconv.FormatBool(f.Verified), f.Reason, "")
		}
		for _, u := range p.Undecided {
			row(u.Rule, string(u.Kind), "undecided", "", "", "", "", u.Error, strings.Join(u.Unknown, " "))
		}
		for _, c := range p.Checks {
			row(c.Rule, string(c.Kind), "data_to_check", "", "", c.Citation, "", c.Reason, "")
		}
		if len(p.Fired)+len(p.Upcoming)+len(p.Undecided)+len(p.Checks) == 0 {
			row("", "", "none", "", "", "", "", "", "")
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteTable writes the report for a person to read: the provenance, the
// summary, then each person with the reasons.
func (r *Report) WriteTable(out io.Writer, p *rules.Pack) error {
	w := bufio.NewWriterSize(out, 1<<16)
	fmt.Fprintf(w, "Screening as of %s with rule pack %s version %s (%s)\n", r.AsOf, r.Pack.ID, r.Pack.Version, r.Pack.Jurisdiction)
	if r.Pack.ReviewedBy != "" {
		fmt.Fprintf(w, "Rule pack reviewed by %s on %s\n", r.Pack.ReviewedBy, r.Pack.ReviewedOn)
	} else {
		fmt.Fprintln(w, "Rule pack not reviewed by a lawyer")
	}
	fmt.Fprintf(w, "Ledger head: event %d, hash %s\n", r.Head.Seq, r.Head.Hash)
	if r.Facility != "" {
		fmt.Fprintf(w, "Facility: %s\n", r.Facility)
	}
	fmt.Fprintf(w, "People in custody screened: %d\n", r.Summary.Screened)
	h := r.Summary.HeldUnlawfully
	fmt.Fprintf(w, "Held unlawfully: %d, of whom %d on confirmed law (a verified rule holds) and %d on law not yet confirmed\n",
		h.Total, h.OnConfirmedLaw, h.OnUnconfirmedLaw)
	fmt.Fprintln(w, "Rules marked * are not verified: check the note before acting on them.")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "rule\tkind\tfired\tundecided\t"
	if r.Within > 0 {
		header += fmt.Sprintf("within %d days\t", r.Within)
	}
	fmt.Fprintln(tw, header+"title")
	titles := map[string]string{}
	for _, ru := range p.Rules {
		titles[ru.ID] = ru.Title
	}
	for _, c := range r.Summary.ByRule {
		id := c.Rule
		if !c.Verified {
			id += "*"
		}
		line := fmt.Sprintf("%s\t%s\t%d\t%d\t", id, c.Kind, c.Fired, c.Undecided)
		if r.Within > 0 {
			line += fmt.Sprintf("%d\t", c.Upcoming)
		}
		fmt.Fprintln(tw, line+titles[c.Rule])
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, k := range r.Summary.ByKind {
		fmt.Fprintf(w, "people with a rule of kind %-8s fired: %d\n", k.Kind, k.Persons)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "facility\tscreened\tunlawful\tconfirmed law\tnot yet confirmed\treview\teligible\tpriority\tundecided\tdata to check\t")
	for _, f := range r.Summary.ByFacility {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", f.Facility, f.Screened, f.Unlawful, f.UnlawfulConfirmed,
			f.UnlawfulUnconfirmed, f.Review, f.Eligible, f.Priority, f.Undecided, f.DataToCheck)
	}
	tw.Flush()
	r.writeChecks(w)
	fmt.Fprintln(w, "\nPeople, unlawfully held first, then by priority:")
	for pr := range r.Persons() {
		if len(pr.Fired)+len(pr.Upcoming)+len(pr.Undecided)+len(pr.Checks) == 0 {
			continue
		}
		flag := ""
		if pr.Unlawful {
			flag = "  UNLAWFUL (law not yet confirmed)"
			if pr.ConfirmedLaw {
				flag = "  UNLAWFUL (confirmed law)"
			}
		}
		fmt.Fprintf(w, "\n%s  %s  %s  priority %d%s\n", pr.Person, pr.Facility, pr.Status, pr.Priority, flag)
		for _, f := range pr.Fired {
			fmt.Fprintf(w, "  %s %s%s: %s [%s]\n", f.Rule, f.Kind, mech(f), f.Reason, cite(f))
		}
		for _, f := range pr.Upcoming {
			fmt.Fprintf(w, "  %s %s%s from %s: %s [%s]\n", f.Rule, f.Kind, mech(f), f.Date, f.Reason, cite(f))
		}
		for _, u := range pr.Undecided {
			why := "unknown: " + strings.Join(u.Unknown, ", ")
			if u.Error != "" {
				why = "error: " + u.Error
			}
			fmt.Fprintf(w, "  %s could not be decided (%s)\n", u.Rule, why)
		}
		for _, c := range pr.Checks {
			fmt.Fprintf(w, "  %s data to check: %s\n", c.Rule, c.Reason)
		}
	}
	return w.Flush()
}

// writeChecks writes the data to check: for each check of the pack, the
// people it holds for, in all and by facility.
func (r *Report) writeChecks(w io.Writer) {
	if len(r.Summary.DataToCheck) == 0 {
		return
	}
	fmt.Fprintln(w, "\nData to check (records that cannot be right; not law, listed to be corrected):")
	for _, c := range r.Summary.DataToCheck {
		fmt.Fprintf(w, "  %s  %d  %s\n", c.Check, c.People, c.Title)
		if len(c.ByFacility) == 0 {
			continue
		}
		var facs []string
		for _, f := range c.ByFacility {
			facs = append(facs, fmt.Sprintf("%s %d", f.Facility, f.People))
		}
		fmt.Fprintf(w, "      by facility: %s\n", strings.Join(facs, ", "))
	}
}

func mech(f Fired) string {
	if f.Mechanism == "" {
		return ""
	}
	return " (" + string(f.Mechanism) + ")"
}

func cite(f Fired) string {
	if f.Verified {
		return f.Citation
	}
	return f.Citation + "; NOT VERIFIED: " + f.Note
}
