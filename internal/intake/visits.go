package intake

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// The export layouts habeas import visits reads (docs/field-intake.md).
const (
	KoboXLSX = "kobo-xlsx" // KoboToolbox's XLS export: the main sheet first, one sheet per repeat group
	KoboCSV  = "kobo-csv"  // KoboToolbox's CSV export: the main table only
	ODKZip   = "odk-zip"   // ODK Central's "all data" zip: FORM.csv and FORM-REPEAT.csv
)

// VisitFormats are the layouts, in the order the help lists them.
var VisitFormats = []string{KoboXLSX, KoboCSV, ODKZip}

// VisitResult says what a visits import did.
type VisitResult struct {
	Submissions int // submissions read (rows of the main table)
	New         int // visits recorded (or that would be, in a dry run)
	Already     int // submissions the register held already, by submission id
	Repeated    int // submissions given twice in the file: recorded once
	Events      int
	DryRun      bool
	Format      string
	Warnings    []string
}

// table is one table of an export: the main table or a repeat group's.
type table struct {
	file  string // the file, as messages name it
	sheet string // the worksheet of a workbook, "" otherwise
	hdr   []string
	col   map[string]int // the column of each field name (see colKey)
	rows  []tabular.Row
}

// colKey is the field name of a column: its header without the group path,
// which KoboToolbox writes with "/" ("observed/obs_total", or none at all
// without "include groups in headers") and ODK Central with "-"
// ("observed-obs_total", "meta-instanceID"). The form's names have neither.
func colKey(h string) string {
	if i := strings.LastIndexAny(h, "/-"); i >= 0 && i < len(h)-1 {
		return h[i+1:]
	}
	return h
}

func readTable(r tabular.Reader, file, sheet string) (*table, error) {
	t := &table{file: file, sheet: sheet, hdr: r.Header(), col: map[string]int{}}
	for i, h := range t.hdr {
		if _, dup := t.col[colKey(h)]; !dup {
			t.col[colKey(h)] = i
		}
	}
	for {
		row, err := r.Next()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		row.Cells = append([]string(nil), row.Cells...)
		t.rows = append(t.rows, row)
	}
}

func (t *table) has(key string) bool { _, ok := t.col[key]; return ok }

// get is the trimmed cell of a field in a row, "" when blank or absent.
func (t *table) get(r tabular.Row, key string) string {
	i, ok := t.col[key]
	if !ok {
		return ""
	}
	return strings.TrimSpace(tabular.UnescapeText(r.Cell(i)))
}

// column is the header of a field's column as the file writes it.
func (t *table) column(key string) string {
	if i, ok := t.col[key]; ok {
		return t.hdr[i]
	}
	return key
}

func (t *table) err(row int, key, format string, args ...any) *RowError {
	col := ""
	if key != "" {
		col = t.column(key)
	}
	return &RowError{File: t.file, Sheet: t.sheet, Row: row, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// export is an export of the form's submissions.
type export struct {
	format  string
	main    *table
	repeats map[string]*table // by repeat name; absent from a CSV export
	// The main table's key each repeat row names its submission by, and
	// the repeat tables' column naming it.
	key, parent string
}

// DetectVisitFormat tells the layout of a file from its content, then its
// extension: a zip holding CSV files is ODK Central's, a zip holding a
// workbook KoboToolbox's XLSX, anything else CSV.
func DetectVisitFormat(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if !bytes.Equal(magic[:n], []byte("PK\x03\x04")) {
		if strings.EqualFold(filepath.Ext(path), ".xlsx") || strings.EqualFold(filepath.Ext(path), ".zip") {
			return "", fmt.Errorf("%s: is named %s but is not a zip archive (an XLSX workbook or ODK Central's zip)", filepath.Base(path), filepath.Ext(path))
		}
		return KoboCSV, nil
	}
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	z, err := zip.NewReader(f, st.Size())
	if err != nil {
		return "", fmt.Errorf("%s: not a readable zip archive: %w", filepath.Base(path), err)
	}
	for _, e := range z.File {
		if e.Name == "[Content_Types].xml" {
			return KoboXLSX, nil
		}
	}
	return ODKZip, nil
}

// openExport reads every table of an export into memory.
func openExport(path, format string) (*export, error) {
	name := filepath.Base(path)
	switch format {
	case KoboXLSX:
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		wb, err := tabular.OpenWorkbook(f, name)
		if err != nil {
			return nil, err
		}
		defer wb.Close()
		sheets := wb.Sheets()
		if len(sheets) == 0 {
			return nil, &RowError{File: name, Msg: "the workbook has no sheet"}
		}
		ex := &export{format: format, repeats: map[string]*table{}, key: "_index", parent: "_parent_index"}
		for i, sh := range sheets {
			rep := ""
			if i > 0 {
				rep = repeatOf(sh)
				if rep == "" {
					continue // a sheet of no repeat group of the form
				}
			}
			r, err := wb.Sheet(tabular.Options{Sheet: sh})
			if err != nil {
				return nil, err
			}
			t, err := readTable(r, name, sh)
			r.Close()
			if err != nil {
				return nil, err
			}
			if i == 0 {
				ex.main = t
			} else {
				ex.repeats[rep] = t
			}
		}
		return ex, nil
	case KoboCSV:
		r, err := tabular.Open(path, tabular.Options{})
		if err != nil {
			return nil, err
		}
		defer r.Close()
		t, err := readTable(r, name, "")
		if err != nil {
			return nil, err
		}
		if t.has("KEY") && t.has("SubmissionDate") {
			return nil, &RowError{File: name, Row: 1, Msg: "this is ODK Central's CSV of the main table: import the zip of all its CSV files (Download all data as ZIP), which holds the repeat groups too"}
		}
		return &export{format: format, main: t}, nil
	case ODKZip:
		z, err := zip.OpenReader(path)
		if err != nil {
			return nil, fmt.Errorf("%s: not a readable zip archive: %w", name, err)
		}
		defer z.Close()
		ex := &export{format: format, repeats: map[string]*table{}, key: "KEY", parent: "PARENT_KEY"}
		var mains []string
		for _, e := range z.File {
			base := filepath.Base(e.Name)
			if e.FileInfo().IsDir() || !strings.EqualFold(filepath.Ext(base), ".csv") {
				continue // media files
			}
			stem := strings.TrimSuffix(base, filepath.Ext(base))
			rep := ""
			if i := strings.LastIndex(stem, "-"); i >= 0 {
				rep = repeatOf(stem[i+1:])
			}
			rc, err := e.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: reading %s: %w", name, e.Name, err)
			}
			file := name + "/" + e.Name
			r, err := tabular.NewCSV(rc, file, tabular.Options{Delimiter: ','})
			if err != nil {
				rc.Close()
				return nil, err
			}
			t, err := readTable(r, file, "")
			rc.Close()
			if err != nil {
				return nil, err
			}
			if rep != "" {
				ex.repeats[rep] = t
				continue
			}
			mains = append(mains, e.Name)
			ex.main = t
		}
		switch {
		case len(mains) == 0:
			return nil, &RowError{File: name, Msg: "holds no CSV file of submissions (ODK Central's zip has FORM.csv and FORM-cells.csv …)"}
		case len(mains) > 1:
			return nil, &RowError{File: name, Msg: fmt.Sprintf("holds the CSV files of several forms (%s): export one form", strings.Join(mains, ", "))}
		}
		return ex, nil
	}
	return nil, fmt.Errorf("--format must be one of %s, not %q", strings.Join(VisitFormats, ", "), format)
}

// repeatOf is the repeat group a sheet or file suffix names, "" for none.
func repeatOf(s string) string {
	for _, r := range formRepeats {
		if strings.EqualFold(strings.TrimSpace(s), r.Name) {
			return r.Name
		}
	}
	return ""
}

// checkColumns refuses an export whose tables lack a column of the form,
// naming the first one missing in each table.
func (ex *export) checkColumns() []*RowError {
	fields := formDataFields()
	var errs []*RowError
	need := func(t *table, keys []string, why string) {
		for _, k := range keys {
			if !t.has(k) {
				errs = append(errs, &RowError{File: t.file, Sheet: t.sheet, Row: 1, Column: k,
					Msg: fmt.Sprintf("no column %q: %s", k, why)})
				return
			}
		}
	}
	formWhy := fmt.Sprintf("the export is not of habeas's visit form, version %s (export it again with XML values and headers; see docs/field-intake.md)", FormVersion)
	var main []string
	for _, f := range fields[""] {
		main = append(main, f.Name)
	}
	need(ex.main, main, formWhy)
	switch ex.format {
	case KoboXLSX, KoboCSV:
		if !ex.main.has("_uuid") && !ex.main.has("instanceID") {
			errs = append(errs, ex.main.err(1, "", "no column _uuid nor meta/instanceID: the submission id, by which a submission imported twice is recognised"))
		}
	case ODKZip:
		need(ex.main, []string{"KEY"}, "ODK Central's key of each submission, which the repeat files refer to")
	}
	if ex.format == KoboXLSX {
		need(ex.main, []string{ex.key}, "KoboToolbox's row index, which the repeat sheets refer to")
	}
	for _, r := range formRepeats {
		t := ex.repeats[r.Name]
		if t == nil {
			continue // no sheet: the counts say whether rows are missing
		}
		var keys []string
		for _, f := range fields[r.Name] {
			keys = append(keys, f.Name)
		}
		need(t, keys, formWhy)
		need(t, []string{ex.parent}, "the submission each row belongs to")
	}
	return errs
}

// place is where a part of a visit came from: a row of a table, and the
// form field of each of the domain's field names there.
type place struct {
	t      *table
	row    int
	fields map[string]string // the domain's JSON name -> the form's field
}

var (
	mainFields = map[string]string{"facility": "facility", "date": "visit_date", "data.team": "team", "data.note": "visit_note",
		"data.observed.total": "obs_total", "data.observed.men": "obs_men", "data.observed.women": "obs_women",
		"data.observed.children": "obs_children", "data.observed.pretrial": "obs_pretrial", "data.observed.foreigners": "obs_foreigners"}
	cellFields = map[string]string{"label": "cell_label", "use": "cell_use", "area_m2": "cell_area", "people": "cell_people",
		"water_points": "cell_water_points", "litres_per_day": "cell_litres", "toilets": "cell_toilets", "light": "cell_light",
		"ventilation": "cell_ventilation", "sleeping_m2": "cell_sleeping", "note": "cell_note"}
	interviewFields = map[string]string{"consent": "iv_consent", "anonymous": "iv_anonymous", "person": "iv_person",
		"pseudonym": "iv_pseudonym", "summary": "iv_summary"}
	allegationFields = map[string]string{"kind": "al_kind", "date": "al_date", "place": "al_place", "interview": "al_interview", "account": "al_account"}
	recFields        = map[string]string{"id": "rec_id", "text": "rec_text", "addressee": "rec_addressee"}
	followFields     = map[string]string{"recommendation": "rec_follows", "status": "rec_status", "note": "rec_text"}
)

// built is a submission read as a visit event, with where each of its
// parts came from.
type built struct {
	id    string
	ev    *domain.Event
	main  place
	parts map[string]place // "data.cells[0]" -> its row
	idKey string
}

// locate turns the domain's field path of a problem into the place in the
// export.
func (b *built) locate(field, msg string, cause error) *RowError {
	mk := func(p place, key string) *RowError {
		e := p.t.err(p.row, key, "%s", msg)
		if field != "" {
			e.Msg = field + ": " + msg
		}
		e.Err = cause
		return e
	}
	if k, ok := mainFields[field]; ok {
		return mk(b.main, k)
	}
	if field == "data.id" {
		return mk(b.main, b.idKey)
	}
	if i := strings.Index(field, "]"); i >= 0 {
		if p, ok := b.parts[field[:i+1]]; ok {
			return mk(p, p.fields[strings.TrimPrefix(field[i+1:], ".")])
		}
	}
	return mk(b.main, "")
}

// reader of one export's values, collecting problems.
type visitReader struct {
	ex    *export
	dates *tabular.DateParser
	errs  []*RowError
	nerr  int
	// labels maps each choice list's English labels, lower-cased, to its
	// values, so that an export "with labels" is read too.
	labels map[string]map[string]string
}

func (vr *visitReader) fail(e *RowError) {
	vr.nerr++
	if len(vr.errs) < maxReported {
		vr.errs = append(vr.errs, e)
	}
}

func (vr *visitReader) whole(t *table, r tabular.Row, key string, required bool) *int {
	v := t.get(r, key)
	if v == "" {
		if required {
			vr.fail(t.err(r.Num, key, "missing"))
		}
		return nil
	}
	n, err := tabular.ParseWhole(v, false)
	if err != nil {
		vr.fail(t.err(r.Num, key, "%s", err))
		return nil
	}
	return &n
}

func (vr *visitReader) decimal(t *table, r tabular.Row, key string, required bool) *float64 {
	v := t.get(r, key)
	if v == "" {
		if required {
			vr.fail(t.err(r.Num, key, "missing"))
		}
		return nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		vr.fail(t.err(r.Num, key, "%s is not a number", tabular.Clip(v)))
		return nil
	}
	return &x
}

func (vr *visitReader) date(t *table, r tabular.Row, key string) domain.Date {
	v := t.get(r, key)
	if v == "" {
		return domain.NoDate // the domain says what a missing date means
	}
	d, err := vr.dates.Parse(v)
	if err != nil {
		vr.fail(t.err(r.Num, key, "%s", err))
	}
	return d
}

// choice reads a select_one field: the form's value, or its English label.
func (vr *visitReader) choice(t *table, r tabular.Row, key, list string) string {
	v := t.get(r, key)
	if v == "" {
		return ""
	}
	if val, ok := vr.labels[list][strings.ToLower(v)]; ok {
		return val
	}
	var vals []string
	for _, c := range formChoices {
		if c.List == list {
			vals = append(vals, c.Name)
		}
	}
	vr.fail(t.err(r.Num, key, "%s is not one of the form's choices (%s)", tabular.Clip(v), strings.Join(vals, ", ")))
	return ""
}

func (vr *visitReader) yes(t *table, r tabular.Row, key string) bool {
	return vr.choice(t, r, key, "yes_no") == "yes"
}

// submissionID is a submission's id: KoboToolbox's _uuid, or the
// instanceID both tools write ("uuid:…", the prefix dropped so that one
// submission exported from either tool is the same).
func (ex *export) submissionID(r tabular.Row) (string, string) {
	for _, k := range []string{"_uuid", "instanceID", "KEY"} {
		if v := ex.main.get(r, k); v != "" {
			return strings.TrimPrefix(v, "uuid:"), k
		}
	}
	if ex.main.has("_uuid") {
		return "", "_uuid"
	}
	return "", "instanceID"
}

// ImportVisits reads an export of the visit form (KoboToolbox XLSX or CSV,
// ODK Central zip) and records each submission as a visit event, all in
// one transaction, or none: every problem is named by file, sheet, row and
// column, and nothing is written while there is one. A submission is
// recognised by its id (the visit's id is the submission's uuid), so a
// second import of the same export records nothing and counts the
// submissions already there.
//
// seal moves a visit's interviews and allegations into records sealed for
// the importing organisation (visits.Seal with its key): the ledger refuses
// them in clear. With seal nil, an export that holds any is refused.
func (s *Service) ImportVisits(ctx context.Context, path, format string, actor ledger.Actor, dryRun bool, seal func(*domain.VisitData) error) (*VisitResult, error) {
	if format == "" {
		var err error
		if format, err = DetectVisitFormat(path); err != nil {
			return nil, err
		}
	}
	ex, err := openExport(path, format)
	if err != nil {
		return nil, err
	}
	if errs := ex.checkColumns(); len(errs) > 0 {
		return nil, &RowErrors{Errs: errs, Total: len(errs)}
	}
	dates, err := tabular.NewDateParser([]string{"YYYY-MM-DD", "excel"})
	if err != nil {
		return nil, err
	}
	vr := &visitReader{ex: ex, dates: dates, labels: map[string]map[string]string{}}
	for _, c := range formChoices {
		if vr.labels[c.List] == nil {
			vr.labels[c.List] = map[string]string{}
		}
		vr.labels[c.List][c.Name] = c.Name
		vr.labels[c.List][strings.ToLower(c.Label)] = c.Name
	}
	res := &VisitResult{Format: format, DryRun: dryRun, Submissions: len(ex.main.rows)}
	held, err := s.heldVisits(ctx)
	if err != nil {
		return nil, err
	}
	children := vr.join()
	var todo []*built
	seen := map[string]int{}
	for i, r := range ex.main.rows {
		b := vr.submission(r, children[i])
		if b == nil {
			continue
		}
		switch {
		case held[b.id]:
			res.Already++
			continue
		case seen[b.id] > 0:
			res.Repeated++
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: row %d repeats the submission of row %d (%s): recorded once", ex.main.where(), r.Num, seen[b.id], b.id))
			continue
		}
		seen[b.id] = r.Num
		if err := b.ev.Data.(*domain.VisitData).Validate(b.ev.Date); err != nil {
			field, msg, ok := domain.FieldOf(err)
			if !ok {
				return nil, err
			}
			vr.fail(b.locate(field, msg, err))
			continue
		}
		todo = append(todo, b)
	}
	if vr.nerr > 0 {
		return nil, &RowErrors{Errs: vr.errs, Total: vr.nerr}
	}
	res.New = len(todo)
	if len(todo) == 0 {
		return res, nil
	}
	// Sealed once every submission is valid: the checks above name the
	// fields of what sealing hides.
	for _, b := range todo {
		d := b.ev.Data.(*domain.VisitData)
		if d.Restricted == nil {
			continue
		}
		if seal == nil {
			return nil, &domain.Error{Code: domain.ErrInvalid, Field: "org",
				Msg: fmt.Sprintf("%s: submission %s holds interviews or allegations, which are sealed with the key of the organisation that recorded them: name it (--org)", filepath.Base(path), b.id)}
		}
		if err := seal(d); err != nil {
			return nil, fmt.Errorf("%s: submission %s: %w", filepath.Base(path), b.id, err)
		}
	}
	if actor.Via == "" {
		actor.Via = "import visits " + filepath.Base(path)
	}
	lr, err := s.led.LoadWith(ctx, actor, ledger.LoadOptions{DryRun: dryRun}, func(emit func(*domain.Event) error) error {
		for _, b := range todo {
			ev := *b.ev
			if err := emit(&ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		var ee *ledger.EventError
		if errors.As(err, &ee) && ee.Line >= 1 && ee.Line <= len(todo) {
			field, msg, ok := domain.FieldOf(ee.Err)
			if !ok {
				msg = ee.Err.Error()
			}
			re := todo[ee.Line-1].locate(field, "the register refuses it: "+msg, ee.Err)
			return nil, &RowErrors{Errs: []*RowError{re}, Total: 1}
		}
		return nil, err
	}
	res.Events = lr.Events
	return res, nil
}

// where names a table in a warning.
func (t *table) where() string {
	if t.sheet != "" {
		return fmt.Sprintf("%s: sheet %q", t.file, t.sheet)
	}
	return t.file
}

// heldVisits are the ids of the visits the register holds.
func (s *Service) heldVisits(ctx context.Context) (map[string]bool, error) {
	stored, err := s.st.Visits(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("reading the visits held: %w", err)
	}
	held := make(map[string]bool, len(stored))
	for _, se := range stored {
		ev, err := domain.DecodeEvent(se.Body)
		if err != nil {
			return nil, fmt.Errorf("reading visit event %d: %w", se.Seq, err)
		}
		if v, ok := ev.Data.(*domain.VisitData); ok {
			held[v.ID] = true
		}
	}
	return held, nil
}

// join gives each row of the main table its rows of every repeat group, in
// the order of their tables, and refuses a repeat row whose submission is
// not in the main table.
func (vr *visitReader) join() []map[string][]tabular.Row {
	ex := vr.ex
	out := make([]map[string][]tabular.Row, len(ex.main.rows))
	if len(ex.repeats) == 0 {
		return out
	}
	byKey := make(map[string]int, len(ex.main.rows))
	for i, r := range ex.main.rows {
		if k := ex.main.get(r, ex.key); k != "" {
			byKey[k] = i
		}
	}
	for _, rep := range formRepeats {
		t := ex.repeats[rep.Name]
		if t == nil {
			continue
		}
		for _, r := range t.rows {
			k := t.get(r, ex.parent)
			i, ok := byKey[k]
			if !ok {
				vr.fail(t.err(r.Num, ex.parent, "%s names no submission of the main table (its %s)", tabular.Clip(k), ex.key))
				continue
			}
			if out[i] == nil {
				out[i] = map[string][]tabular.Row{}
			}
			out[i][rep.Name] = append(out[i][rep.Name], r)
		}
	}
	return out
}

// submission reads one row of the main table and its repeat rows as a
// visit; nil when a value cannot be read (the problem is recorded).
func (vr *visitReader) submission(r tabular.Row, kids map[string][]tabular.Row) *built {
	ex, m := vr.ex, vr.ex.main
	before := vr.nerr
	id, idKey := ex.submissionID(r)
	if id == "" {
		vr.fail(m.err(r.Num, idKey, "no submission id"))
		return nil
	}
	b := &built{id: id, idKey: idKey, main: place{t: m, row: r.Num}, parts: map[string]place{}}
	ev := &domain.Event{Kind: domain.KVisit, Facility: m.get(r, "facility"), Date: vr.date(m, r, "visit_date")}
	if ev.Date == domain.NoDate && m.get(r, "visit_date") == "" {
		vr.fail(m.err(r.Num, "visit_date", "missing: the day of the visit"))
	}
	if ev.Facility == "" {
		vr.fail(m.err(r.Num, "facility", "missing: the facility visited (its id in the register)"))
	}
	d := &domain.VisitData{ID: id, Note: m.get(r, "visit_note")}
	for _, name := range strings.FieldsFunc(m.get(r, "team"), func(c rune) bool { return c == ';' || c == '\n' }) {
		if name = strings.TrimSpace(name); name != "" {
			d.Team = append(d.Team, name)
		}
	}
	o := &d.Observed
	o.Total, o.Men, o.Women = vr.whole(m, r, "obs_total", false), vr.whole(m, r, "obs_men", false), vr.whole(m, r, "obs_women", false)
	o.Children, o.Pretrial, o.Foreigners = vr.whole(m, r, "obs_children", false), vr.whole(m, r, "obs_pretrial", false), vr.whole(m, r, "obs_foreigners", false)
	for _, rep := range formRepeats {
		n := vr.whole(m, r, rep.Count, false)
		got := len(kids[rep.Name])
		switch {
		case n == nil || *n == got:
		case ex.format == KoboCSV:
			vr.fail(m.err(r.Num, rep.Count, "the submission has %d row(s) of %s, which a KoboToolbox CSV export does not carry: import the XLSX export (docs/field-intake.md)", *n, rep.Name))
		case ex.repeats[rep.Name] == nil:
			vr.fail(m.err(r.Num, rep.Count, "the submission has %d row(s) of %s, and the export has no %s for them", *n, rep.Name, tableWord(ex, rep.Name)))
		default:
			t := ex.repeats[rep.Name]
			vr.fail(m.err(r.Num, rep.Count, "the form counted %d row(s) of %s in this submission, and %s has %d for it (%s %s)",
				*n, rep.Name, t.where(), got, ex.key, tabular.Clip(m.get(r, ex.key))))
		}
	}
	t := ex.repeats["cells"]
	for i, cr := range kids["cells"] {
		c := domain.CellMeasure{Label: t.get(cr, "cell_label"), Use: domain.CellUse(vr.choice(t, cr, "cell_use", "cell_use")),
			Light: domain.Adequacy(vr.choice(t, cr, "cell_light", "adequacy")), Ventilation: domain.Adequacy(vr.choice(t, cr, "cell_ventilation", "adequacy")),
			Note: t.get(cr, "cell_note"), WaterPoints: vr.whole(t, cr, "cell_water_points", false), Toilets: vr.whole(t, cr, "cell_toilets", false),
			LitresPerDay: vr.decimal(t, cr, "cell_litres", false), SleepingM2: vr.decimal(t, cr, "cell_sleeping", false)}
		if a := vr.decimal(t, cr, "cell_area", true); a != nil {
			c.AreaM2 = *a
		}
		if p := vr.whole(t, cr, "cell_people", true); p != nil {
			c.People = *p
		}
		d.Cells = append(d.Cells, c)
		b.parts[fmt.Sprintf("data.cells[%d]", i)] = place{t, cr.Num, cellFields}
	}
	var rs domain.VisitRestricted
	t = ex.repeats["interviews"]
	for i, ir := range kids["interviews"] {
		iv := domain.Interview{Consent: vr.yes(t, ir, "iv_consent"), Anonymous: vr.yes(t, ir, "iv_anonymous"),
			Person: t.get(ir, "iv_person"), Pseudonym: t.get(ir, "iv_pseudonym"), Summary: t.get(ir, "iv_summary")}
		rs.Interviews = append(rs.Interviews, iv)
		b.parts[fmt.Sprintf("data.restricted.interviews[%d]", i)] = place{t, ir.Num, interviewFields}
	}
	t = ex.repeats["allegations"]
	for i, ar := range kids["allegations"] {
		a := domain.Allegation{Kind: domain.AllegationKind(vr.choice(t, ar, "al_kind", "allegation_kind")), Date: vr.date(t, ar, "al_date"),
			Place: t.get(ar, "al_place"), Account: t.get(ar, "al_account")}
		if n := vr.whole(t, ar, "al_interview", false); n != nil {
			k := *n - 1 // the form counts from 1, the event from 0
			a.Interview = &k
		}
		rs.Allegations = append(rs.Allegations, a)
		b.parts[fmt.Sprintf("data.restricted.allegations[%d]", i)] = place{t, ar.Num, allegationFields}
	}
	if len(rs.Interviews)+len(rs.Allegations) > 0 {
		d.Restricted = &rs
	}
	t = ex.repeats["recommendations"]
	for _, rr := range kids["recommendations"] {
		if follows := t.get(rr, "rec_follows"); follows != "" {
			b.parts[fmt.Sprintf("data.follow_ups[%d]", len(d.FollowUps))] = place{t, rr.Num, followFields}
			d.FollowUps = append(d.FollowUps, domain.FollowUp{Recommendation: follows,
				Status: domain.RecStatus(vr.choice(t, rr, "rec_status", "rec_status")), Note: t.get(rr, "rec_text")})
			continue
		}
		recID := t.get(rr, "rec_id")
		if recID == "" {
			// Unique in the register as the submission's id is.
			recID = fmt.Sprintf("%s-r%d", id, len(d.Recommendations)+1)
		}
		b.parts[fmt.Sprintf("data.recommendations[%d]", len(d.Recommendations))] = place{t, rr.Num, recFields}
		d.Recommendations = append(d.Recommendations, domain.Recommendation{ID: recID, Text: t.get(rr, "rec_text"), Addressee: t.get(rr, "rec_addressee")})
	}
	if vr.nerr > before {
		return nil
	}
	ev.Data = d
	b.ev = ev
	return b
}

func tableWord(ex *export, rep string) string {
	if ex.format == ODKZip {
		return fmt.Sprintf("file FORM-%s.csv", rep)
	}
	return fmt.Sprintf("sheet %q", rep)
}
