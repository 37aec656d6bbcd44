package intake

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The XLSForm of a monitoring visit (docs/field-intake.md), for
// KoboToolbox and ODK Collect. It is defined here, once: WriteXLSForm
// writes the form monitors load into their tool (examples/xlsform/
// visit.xlsx is its output, checked by a test), and ImportVisits reads
// the exports of submissions with the same fields, so the two cannot
// drift apart.

// FormID and FormVersion are the form's settings. A change to the fields
// is a new version: exports of an older version are refused, naming the
// column that differs.
const (
	FormID      = "habeas_visit"
	FormVersion = "2026120601"
	FormTitle   = "habeas monitoring visit"
)

// formField is one row of the form's survey sheet.
type formField struct {
	Type, Name      string
	Label, LabelKM  string
	Hint, HintKM    string
	Required        string // "yes", or an expression
	Relevant        string
	Constraint      string
	ConstraintMsg   string
	ConstraintMsgKM string
	Calculation     string
	Appearance      string
}

// The repeat groups, each a sheet of a KoboToolbox XLSX export and a file
// of an ODK Central zip, and the calculate field of the main table that
// counts its rows in each submission.
var formRepeats = []struct{ Name, Count string }{
	{"cells", "n_cells"}, {"interviews", "n_interviews"}, {"allegations", "n_allegations"}, {"recommendations", "n_recommendations"},
}

const nonNegative = ". >= 0"

// formSurvey is the survey sheet in order. Fields left blank in a
// submission are unknown, never zero: a team that counted no foreigners
// writes 0.
var formSurvey = []formField{
	{Type: "start", Name: "start"},
	{Type: "end", Name: "end"},
	{Type: "text", Name: "facility", Label: "Facility (its id in the register, e.g. CC1)", LabelKM: "ទីកន្លែងឃុំឃាំង (លេខសម្គាល់ក្នុងបញ្ជី ឧ. CC1)", Required: "yes"},
	{Type: "date", Name: "visit_date", Label: "Date of the visit", LabelKM: "កាលបរិច្ឆេទនៃការចុះត្រួតពិនិត្យ", Required: "yes",
		Constraint: ". <= today()", ConstraintMsg: "The visit cannot be in the future", ConstraintMsgKM: "ការចុះត្រួតពិនិត្យមិនអាចនៅថ្ងៃអនាគតបានទេ"},
	{Type: "text", Name: "team", Label: "Team (names separated by semicolons)", LabelKM: "ក្រុមចុះត្រួតពិនិត្យ (ឈ្មោះ បំបែកដោយសញ្ញា ;)", Required: "yes"},
	{Type: "begin_group", Name: "observed", Label: "Headcount observed", LabelKM: "ចំនួនអ្នកជាប់ឃុំដែលក្រុមបានរាប់",
		Hint: "Leave a count blank when it was not counted: blank is unknown, 0 is none", HintKM: "ទុកទទេ បើមិនបានរាប់៖ ទទេ គឺមិនដឹង ០ គឺគ្មាន"},
	{Type: "integer", Name: "obs_total", Label: "Everyone held", LabelKM: "សរុប", Constraint: nonNegative},
	{Type: "integer", Name: "obs_men", Label: "Men", LabelKM: "បុរស", Constraint: ". >= 0 and (${obs_total} = '' or . <= ${obs_total})"},
	{Type: "integer", Name: "obs_women", Label: "Women", LabelKM: "ស្ត្រី", Constraint: ". >= 0 and (${obs_total} = '' or . <= ${obs_total})"},
	{Type: "integer", Name: "obs_children", Label: "Children held (under 18)", LabelKM: "អនីតិជនជាប់ឃុំ (អាយុក្រោម ១៨ ឆ្នាំ)",
		Hint: "Not the children living with their mothers", HintKM: "មិនរាប់កុមារដែលរស់នៅជាមួយម្ដាយ", Constraint: ". >= 0 and (${obs_total} = '' or . <= ${obs_total})"},
	{Type: "integer", Name: "obs_pretrial", Label: "In pre-trial detention (not finally convicted)", LabelKM: "ជាប់ការឃុំខ្លួនបណ្ដោះអាសន្ន (មិនទាន់មានសាលក្រមស្ថាពរ)",
		Constraint: ". >= 0 and (${obs_total} = '' or . <= ${obs_total})"},
	{Type: "integer", Name: "obs_foreigners", Label: "Foreigners", LabelKM: "ជនបរទេស", Constraint: ". >= 0 and (${obs_total} = '' or . <= ${obs_total})"},
	{Type: "end_group", Name: "observed"},

	{Type: "begin_repeat", Name: "cells", Label: "Cells measured", LabelKM: "បន្ទប់ឃុំដែលបានវាស់"},
	{Type: "text", Name: "cell_label", Label: "Cell (its label)", LabelKM: "ឈ្មោះ ឬលេខបន្ទប់ឃុំ", Required: "yes"},
	{Type: "select_one cell_use", Name: "cell_use", Label: "Used as", LabelKM: "ប្រើជា", Required: "yes"},
	{Type: "decimal", Name: "cell_area", Label: "Floor area (m²)", LabelKM: "ផ្ទៃក្រឡា (ម៉ែត្រការ៉េ)", Required: "yes",
		Constraint: ". > 0", ConstraintMsg: "The floor area must be more than 0 m²", ConstraintMsgKM: "ផ្ទៃក្រឡាត្រូវតែលើសពី ០ ម៉ែត្រការ៉េ"},
	{Type: "integer", Name: "cell_people", Label: "People present", LabelKM: "ចំនួនអ្នកនៅក្នុងបន្ទប់", Required: "yes",
		Constraint: ". >= 0 and (${obs_total} = '' or . <= ${obs_total})", ConstraintMsg: "More people than the headcount observed",
		ConstraintMsgKM: "ច្រើនជាងចំនួនអ្នកជាប់ឃុំដែលក្រុមបានរាប់"},
	{Type: "integer", Name: "cell_water_points", Label: "Water points", LabelKM: "ចំនួនកន្លែងទឹក", Constraint: nonNegative},
	{Type: "decimal", Name: "cell_litres", Label: "Drinking water available to the cell (litres a day)", LabelKM: "ទឹកផឹកសម្រាប់បន្ទប់ (លីត្រក្នុងមួយថ្ងៃ)", Constraint: nonNegative},
	{Type: "integer", Name: "cell_toilets", Label: "Toilets", LabelKM: "ចំនួនបង្គន់", Constraint: nonNegative},
	{Type: "select_one adequacy", Name: "cell_light", Label: "Light", LabelKM: "ពន្លឺ"},
	{Type: "select_one adequacy", Name: "cell_ventilation", Label: "Ventilation", LabelKM: "ខ្យល់ចេញចូល"},
	{Type: "decimal", Name: "cell_sleeping", Label: "Floor given to sleeping, in all (m²)", LabelKM: "ផ្ទៃសម្រាប់ដេកសរុប (ម៉ែត្រការ៉េ)",
		Constraint: ". >= 0 and . <= ${cell_area}"},
	{Type: "text", Name: "cell_note", Label: "Note", LabelKM: "កំណត់សម្គាល់"},
	{Type: "end_repeat", Name: "cells"},
	{Type: "calculate", Name: "n_cells", Calculation: "count(${cells})"},

	{Type: "begin_repeat", Name: "interviews", Label: "Interviews", LabelKM: "បទសម្ភាសន៍",
		Hint: "habeas never publishes interviews or allegations", HintKM: "habeas មិនផ្សព្វផ្សាយបទសម្ភាសន៍ និងការចោទប្រកាន់ជាសាធារណៈទេ"},
	{Type: "select_one yes_no", Name: "iv_consent", Label: "The detainee consents to the interview being recorded", LabelKM: "អ្នកជាប់ឃុំយល់ព្រមឱ្យកត់ត្រាបទសម្ភាសន៍", Required: "yes",
		Constraint: ". = 'yes'", ConstraintMsg: "An interview is recorded only with the detainee's consent", ConstraintMsgKM: "បទសម្ភាសន៍ត្រូវកត់ត្រាលុះត្រាតែមានការយល់ព្រមពីអ្នកជាប់ឃុំ"},
	{Type: "select_one yes_no", Name: "iv_anonymous", Label: "Anonymous", LabelKM: "អនាមិក", Required: "yes", Relevant: "${iv_consent} = 'yes'"},
	{Type: "text", Name: "iv_person", Label: "The person's id in the register, if known", LabelKM: "លេខសម្គាល់អ្នកនោះក្នុងបញ្ជី បើដឹង", Relevant: "${iv_anonymous} = 'no'"},
	{Type: "text", Name: "iv_pseudonym", Label: "Pseudonym", LabelKM: "ឈ្មោះក្លែងក្លាយ", Relevant: "${iv_anonymous} = 'no'"},
	{Type: "text", Name: "iv_summary", Label: "Summary", LabelKM: "សេចក្ដីសង្ខេប", Relevant: "${iv_consent} = 'yes'", Appearance: "multiline"},
	{Type: "end_repeat", Name: "interviews"},
	{Type: "calculate", Name: "n_interviews", Calculation: "count(${interviews})"},

	{Type: "begin_repeat", Name: "allegations", Label: "Allegations", LabelKM: "ការចោទប្រកាន់"},
	{Type: "select_one allegation_kind", Name: "al_kind", Label: "Alleged", LabelKM: "ការចោទប្រកាន់ពី", Required: "yes"},
	{Type: "date", Name: "al_date", Label: "When it happened (the first day, if it lasted)", LabelKM: "កាលបរិច្ឆេទកើតហេតុ (ថ្ងៃដំបូង បើកើតច្រើនថ្ងៃ)", Required: "yes",
		Constraint: ". <= ${visit_date}", ConstraintMsg: "Not after the visit", ConstraintMsgKM: "មិនអាចក្រោយថ្ងៃចុះត្រួតពិនិត្យបានទេ"},
	{Type: "text", Name: "al_place", Label: "Where it happened", LabelKM: "ទីកន្លែងកើតហេតុ", Required: "yes"},
	{Type: "integer", Name: "al_interview", Label: "The interview it was told in (1 for the first), if any", LabelKM: "លេខបទសម្ភាសន៍ដែលបានប្រាប់ (១ សម្រាប់ទីមួយ) បើមាន",
		Constraint: ". >= 1 and . <= ${n_interviews}"},
	{Type: "text", Name: "al_account", Label: "Account", LabelKM: "សេចក្ដីរាយការណ៍", Appearance: "multiline"},
	{Type: "end_repeat", Name: "allegations"},
	{Type: "calculate", Name: "n_allegations", Calculation: "count(${allegations})"},

	{Type: "begin_repeat", Name: "recommendations", Label: "Recommendations", LabelKM: "អនុសាសន៍",
		Hint: "A new recommendation, or one of an earlier visit followed up", HintKM: "អនុសាសន៍ថ្មី ឬអនុសាសន៍នៃការចុះត្រួតពិនិត្យមុនដែលត្រូវតាមដាន"},
	{Type: "text", Name: "rec_follows", Label: "Follows up the recommendation (its id), or blank for a new one", LabelKM: "តាមដានអនុសាសន៍ (លេខសម្គាល់) ឬទុកទទេ សម្រាប់អនុសាសន៍ថ្មី"},
	{Type: "text", Name: "rec_id", Label: "Id of the new recommendation (blank: habeas gives one)", LabelKM: "លេខសម្គាល់អនុសាសន៍ថ្មី (ទទេ៖ habeas ផ្ដល់ឱ្យ)", Relevant: "${rec_follows} = ''"},
	{Type: "text", Name: "rec_text", Label: "Recommendation (or, for a follow-up, a note)", LabelKM: "អនុសាសន៍ (ឬកំណត់សម្គាល់ សម្រាប់ការតាមដាន)", Appearance: "multiline"},
	{Type: "text", Name: "rec_addressee", Label: "Made to (the authority)", LabelKM: "ផ្ដល់ទៅ (អាជ្ញាធរ)", Relevant: "${rec_follows} = ''"},
	{Type: "select_one rec_status", Name: "rec_status", Label: "Status found", LabelKM: "ស្ថានភាពដែលបានឃើញ", Required: "yes", Relevant: "${rec_follows} != ''"},
	{Type: "end_repeat", Name: "recommendations"},
	{Type: "calculate", Name: "n_recommendations", Calculation: "count(${recommendations})"},

	{Type: "text", Name: "visit_note", Label: "Note on the visit", LabelKM: "កំណត់សម្គាល់អំពីការចុះត្រួតពិនិត្យ", Appearance: "multiline"},
}

// formChoice is one row of the choices sheet.
type formChoice struct{ List, Name, Label, LabelKM string }

// formChoices are the values of the select fields: the domain's own codes.
var formChoices = []formChoice{
	{"yes_no", "yes", "Yes", "បាទ/ចាស"},
	{"yes_no", "no", "No", "ទេ"},
	{"cell_use", "dormitory", "Dormitory (shared)", "បន្ទប់ឃុំរួម"},
	{"cell_use", "single", "Single cell", "បន្ទប់ឃុំម្នាក់ឯង"},
	{"adequacy", "adequate", "Adequate", "គ្រប់គ្រាន់"},
	{"adequacy", "inadequate", "Inadequate", "មិនគ្រប់គ្រាន់"},
	{"adequacy", "none", "None", "គ្មាន"},
	{"allegation_kind", "ill_treatment", "Ill-treatment", "ការធ្វើបាប"},
	{"allegation_kind", "torture", "Torture", "ទារុណកម្ម"},
	{"allegation_kind", "corruption", "Corruption", "អំពើពុករលួយ"},
	{"allegation_kind", "denial_of_medical_care", "Denial of medical care", "ការបដិសេធការថែទាំសុខភាព"},
	{"rec_status", "accepted", "Accepted", "បានទទួលយក"},
	{"rec_status", "implemented", "Implemented", "បានអនុវត្ត"},
	{"rec_status", "partly_implemented", "Partly implemented", "បានអនុវត្តមួយផ្នែក"},
	{"rec_status", "not_implemented", "Not implemented", "មិនទាន់អនុវត្ត"},
}

// dataField is a field the import reads: its name, the repeat group it
// is in ("" for the main table), the group path of its column, and the
// choice list of a select.
type dataField struct {
	Name, Repeat, Group, List string
}

// formDataFields lists the fields of each table (the main one is ""),
// in the form's order: what an export must have a column for.
func formDataFields() map[string][]dataField {
	out := map[string][]dataField{}
	repeat, group := "", ""
	for _, f := range formSurvey {
		switch f.Type {
		case "begin_repeat":
			repeat = f.Name
			continue
		case "end_repeat":
			repeat = ""
			continue
		case "begin_group":
			group = f.Name
			continue
		case "end_group":
			group = ""
			continue
		case "start", "end":
			continue
		}
		list := ""
		if l, ok := strings.CutPrefix(f.Type, "select_one "); ok {
			list = l
		}
		out[repeat] = append(out[repeat], dataField{Name: f.Name, Repeat: repeat, Group: group, List: list})
	}
	return out
}

// The languages of the form, as XLSForm names them.
const (
	langEN = "English (en)"
	langKM = "Khmer (km)"
)

// WriteXLSForm writes the visit's XLSForm (survey, choices and settings
// sheets, labels in English and Khmer) as an XLSX workbook.
func WriteXLSForm(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	survey := [][]string{{"type", "name", "label::" + langEN, "label::" + langKM, "hint::" + langEN, "hint::" + langKM,
		"required", "relevant", "constraint", "constraint_message::" + langEN, "constraint_message::" + langKM, "calculation", "appearance"}}
	for _, q := range formSurvey {
		survey = append(survey, []string{q.Type, q.Name, q.Label, q.LabelKM, q.Hint, q.HintKM, q.Required, q.Relevant, q.Constraint,
			q.ConstraintMsg, q.ConstraintMsgKM, q.Calculation, q.Appearance})
	}
	choices := [][]string{{"list_name", "name", "label::" + langEN, "label::" + langKM}}
	for _, c := range formChoices {
		choices = append(choices, []string{c.List, c.Name, c.Label, c.LabelKM})
	}
	settings := [][]string{{"form_title", "form_id", "version", "default_language"}, {FormTitle, FormID, FormVersion, langEN}}
	if err := f.SetSheetName("Sheet1", "survey"); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		rows [][]string
	}{{"survey", survey}, {"choices", choices}, {"settings", settings}} {
		if s.name != "survey" {
			if _, err := f.NewSheet(s.name); err != nil {
				return err
			}
		}
		for i, row := range s.rows {
			cell, err := excelize.CoordinatesToCellName(1, i+1)
			if err != nil {
				return err
			}
			vals := make([]any, len(row))
			for j, v := range row {
				vals[j] = v
			}
			if err := f.SetSheetRow(s.name, cell, &vals); err != nil {
				return fmt.Errorf("writing the form's %s sheet: %w", s.name, err)
			}
		}
	}
	// Fixed document properties, so that the same form gives the same file.
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "habeas", Title: FormTitle, Created: "2026-12-06T00:00:00Z", Modified: "2026-12-06T00:00:00Z"}); err != nil {
		return err
	}
	return f.Write(w)
}
