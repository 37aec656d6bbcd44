package web

import (
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Lang is a language of the interface.
type Lang string

const (
	English Lang = "en"
	Khmer   Lang = "km"
)

// langOf picks the language: ?lang=, then the cookie set by /lang/, then
// English. Accept-Language is not used, so that a shared office computer
// shows what its user last chose.
func langOf(r *http.Request) Lang {
	v := r.URL.Query().Get("lang")
	if v == "" {
		if c, err := r.Cookie("lang"); err == nil {
			v = c.Value
		}
	}
	if Lang(v) == Khmer {
		return Khmer
	}
	return English
}

var printers = map[Lang]*message.Printer{English: message.NewPrinter(language.English), Khmer: message.NewPrinter(language.Khmer)}

// Num formats an integer with the language's grouping (CLDR: 38,990 and 38.990).
// Khmer text writes the digits in Khmer numerals.
func (l Lang) Num(n int) string { return l.digits(printers[l].Sprintf("%d", n)) }

func (l Lang) digits(s string) string {
	if l == Khmer {
		return khmerDigits(s)
	}
	return s
}

// Dec formats a number with one decimal.
func (l Lang) Dec(f float64) string {
	return l.digits(printers[l].Sprint(number.Decimal(f, number.MaxFractionDigits(1), number.MinFractionDigits(1))))
}

// Pct formats a percentage given as 0-100 (or more, for occupancy).
func (l Lang) Pct(f float64) string { return l.Dec(f) + "%" }

var monthsEn = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var monthsKm = [...]string{"មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"}

// Date formats a date in words: "31 December 2020", "៣១ ធ្នូ ២០២០".
func (l Lang) Date(d domain.Date) string {
	if d == domain.NoDate {
		return "—"
	}
	if l == Khmer {
		return khmerDigits(itoa(d.Day())) + " " + monthsKm[d.Month()-1] + " " + khmerDigits(itoa(d.Year()))
	}
	return itoa(d.Day()) + " " + monthsEn[d.Month()-1] + " " + itoa(d.Year())
}

func itoa(n int) string { return strconv.Itoa(n) }

// khmerDigits writes the digits of s in Khmer numerals, as Khmer dates are.
func khmerDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '០' + (r - '0')
		}
		return r
	}, s)
}

// T returns the text of a key in the language; a key with no Khmer text yet
// falls back to English, and an unknown key shows itself (a test checks
// that every key has both).
func (l Lang) T(key string) string {
	if m, ok := messages[key]; ok {
		if l == Khmer && m[1] != "" {
			return m[1]
		}
		return m[0]
	}
	return key
}

// messages: key -> {English, Khmer}. The Khmer text should be reviewed by a
// native speaker working in the field before publication.
var messages = map[string][2]string{
	"site.title":          {"habeas — detention in Cambodia", "habeas — ការឃុំខ្លួននៅកម្ពុជា"},
	"nav.dashboard":       {"Figures", "តួលេខ"},
	"nav.reports":         {"Reports", "របាយការណ៍"},
	"nav.pledges":         {"Pledges and reforms", "ការសន្យា និងកំណែទម្រង់"},
	"nav.data":            {"Open data", "ទិន្នន័យបើកចំហ"},
	"nav.staff":           {"Staff", "បុគ្គលិក"},
	"nav.login":           {"Sign in", "ចូលប្រើ"},
	"nav.logout":          {"Sign out", "ចាកចេញ"},
	"nav.register":        {"Register", "បញ្ជី"},
	"nav.queue":           {"Screening queue", "ជួរពិនិត្យច្បាប់"},
	"nav.admit":           {"New admission", "ការចូលឃុំថ្មី"},
	"nav.users":           {"Users", "អ្នកប្រើប្រាស់"},
	"nav.account":         {"My account", "គណនីរបស់ខ្ញុំ"},
	"lang.switch":         {"ភាសាខ្មែរ", "English"},
	"dash.heading":        {"Detention figures as of %s", "តួលេខការឃុំខ្លួន គិតត្រឹម %s"},
	"dash.source":         {"Source: the register of people in detention. National figures cover prisons and correctional centres.", "ប្រភព៖ បញ្ជីអ្នកជាប់ឃុំ។ តួលេខថ្នាក់ជាតិគ្របដណ្តប់ពន្ធនាគារ និងមណ្ឌលអប់រំកែប្រែ។"},
	"dash.population":     {"People held", "ចំនួនអ្នកជាប់ឃុំ"},
	"dash.capacity":       {"Official capacity", "សមត្ថភាពផ្លូវការ"},
	"dash.occupancy":      {"Occupancy", "អត្រាកាន់កាប់"},
	"dash.pretrial":       {"Not yet tried", "មិនទាន់កាត់ក្តី"},
	"dash.pretrial_share": {"Not finally convicted", "មិនទាន់មានសាលក្រមស្ថាពរ"},
	"dash.appeal":         {"Awaiting appeal", "រង់ចាំបណ្តឹងឧទ្ធរណ៍"},
	"dash.women":          {"Women", "ស្ត្រី"},
	"dash.minors":         {"Minors", "អនីតិជន"},
	"dash.children":       {"Children living with their mothers", "កុមាររស់នៅជាមួយម្តាយ"},
	"dash.pregnant":       {"Pregnant women", "ស្ត្រីមានផ្ទៃពោះ"},
	"dash.ill":            {"Chronically or mentally ill, or disabled", "ជំងឺរ៉ាំរ៉ៃ ជំងឺផ្លូវចិត្ត ឬពិការ"},
	"dash.aged60":         {"Aged 60 and over", "អាយុ ៦០ ឆ្នាំឡើង"},
	"dash.drug":           {"Held on drug charges", "ជាប់ឃុំពីបទគ្រឿងញៀន"},
	"dash.atrisk":         {"People at risk", "ក្រុមងាយរងគ្រោះ"},
	"dash.byfacility":     {"Occupancy by facility", "អត្រាកាន់កាប់តាមទីកន្លែងឃុំឃាំង"},
	"dash.trend":          {"Population and capacity since 2016", "ចំនួនអ្នកជាប់ឃុំ និងសមត្ថភាព ចាប់ពីឆ្នាំ ២០១៦"},
	"dash.releases":       {"Releases from %s to %s by legal mechanism", "ការដោះលែងពី %s ដល់ %s តាមយន្តការច្បាប់"},
	"dash.facility":       {"Facility", "ទីកន្លែងឃុំឃាំង"},
	"dash.kind":           {"Kind", "ប្រភេទ"},
	"dash.province":       {"Province", "ខេត្ត"},
	"dash.capacity_line":  {"the line marks 100% of capacity", "បន្ទាត់បង្ហាញ ១០០% នៃសមត្ថភាព"},
	"reports.heading":     {"Published reports", "របាយការណ៍ដែលបានបោះពុម្ព"},
	"pledges.heading":     {"Pledges and reforms", "ការសន្យា និងកំណែទម្រង់"},
	"pledges.none":        {"No pledge or reform has been recorded yet.", "មិនទាន់មានការសន្យា ឬកំណែទម្រង់ត្រូវបានកត់ត្រានៅឡើយទេ។"},
	"data.heading":        {"Open data", "ទិន្នន័យបើកចំហ"},
	"data.intro":          {"Aggregate figures only: no record of any person is published.", "មានតែតួលេខសរុបប៉ុណ្ណោះ៖ គ្មានកំណត់ត្រារបស់បុគ្គលណាម្នាក់ត្រូវបានផ្សព្វផ្សាយទេ។"},
	"data.facilities_csv": {"Facilities: population, capacity and occupancy (CSV with HXL hashtags)", "ទីកន្លែងឃុំឃាំង៖ ចំនួនអ្នកជាប់ឃុំ សមត្ថភាព និងអត្រាកាន់កាប់ (CSV ជាមួយ HXL)"},
	"data.report_json":    {"The public report (JSON, small counts protected)", "របាយការណ៍សាធារណៈ (JSON ចំនួនតូចៗត្រូវបានការពារ)"},
	"data.openapi":        {"API description (OpenAPI 3)", "ការពិពណ៌នា API (OpenAPI 3)"},
	"login.heading":       {"Staff sign-in", "ការចូលប្រើសម្រាប់បុគ្គលិក"},
	"login.user":          {"User name", "ឈ្មោះអ្នកប្រើ"},
	"login.password":      {"Password", "ពាក្យសម្ងាត់"},
	"login.submit":        {"Sign in", "ចូលប្រើ"},
	"login.failed":        {"Wrong user name or password.", "ឈ្មោះអ្នកប្រើ ឬពាក្យសម្ងាត់មិនត្រឹមត្រូវ។"},
	"login.limited":       {"Too many failed sign-ins: wait a few minutes and try again.", "ការចូលប្រើបរាជ័យច្រើនដងពេក៖ សូមរង់ចាំប៉ុន្មាននាទី ហើយព្យាយាមម្តងទៀត។"},
	"reg.heading":         {"Register", "បញ្ជីអ្នកជាប់ឃុំ"},
	"reg.search":          {"Search by name or id", "ស្វែងរកតាមឈ្មោះ ឬលេខសម្គាល់"},
	"reg.submit":          {"Search", "ស្វែងរក"},
	"reg.in_custody":      {"In custody only", "តែអ្នកកំពុងជាប់ឃុំ"},
	"reg.all_facilities":  {"All facilities", "ទីកន្លែងទាំងអស់"},
	"reg.none":            {"No one found.", "រកមិនឃើញ។"},
	"reg.pseudonymised":   {"Records are pseudonymised: names and dates of birth are withheld.", "កំណត់ត្រាត្រូវបានលាក់អត្តសញ្ញាណ៖ ឈ្មោះ និងថ្ងៃខែឆ្នាំកំណើតមិនត្រូវបានបង្ហាញ។"},
	"col.id":              {"Id", "លេខសម្គាល់"},
	"col.name":            {"Name", "ឈ្មោះ"},
	"col.sex":             {"Sex", "ភេទ"},
	"col.dob":             {"Date of birth", "ថ្ងៃខែឆ្នាំកំណើត"},
	"col.status":          {"Status", "ស្ថានភាព"},
	"col.admitted":        {"Admitted", "ថ្ងៃចូលឃុំ"},
	"col.released":        {"Left", "ថ្ងៃចេញ"},
	"col.date":            {"Date", "កាលបរិច្ឆេទ"},
	"col.event":           {"Event", "ព្រឹត្តិការណ៍"},
	"col.details":         {"Details", "ព័ត៌មានលម្អិត"},
	"col.recorded":        {"Recorded", "កត់ត្រាដោយ"},
	"col.population":      {"Population", "ចំនួន"},
	"col.capacity":        {"Capacity", "សមត្ថភាព"},
	"col.reasons":         {"Reasons", "មូលហេតុ"},
	"col.priority":        {"Priority", "អាទិភាព"},
	"col.count":           {"Count", "ចំនួន"},
	"person.file":         {"File", "សំណុំឯកសារ"},
	"person.timeline":     {"Timeline (every event, corrections shown)", "កាលប្បវត្តិ (ព្រឹត្តិការណ៍ទាំងអស់ រួមទាំងការកែតម្រូវ)"},
	"person.screening":    {"Screening as of %s", "ការពិនិត្យច្បាប់ គិតត្រឹម %s"},
	"person.unlawful":     {"Held unlawfully", "ឃុំខ្លួនដោយខុសច្បាប់"},
	"person.nothing":      {"No rule applies.", "គ្មានវិធានណាអនុវត្ត។"},
	"person.upcoming":     {"Within 30 days", "ក្នុងរយៈពេល ៣០ ថ្ងៃ"},
	"person.record":       {"Record", "កត់ត្រា"},
	"person.audit":        {"Audit trail", "កំណត់ត្រាសវនកម្ម"},
	"person.corrected_by": {"corrected by", "កែតម្រូវដោយ"},
	"person.voided":       {"voided", "ទុកជាមោឃៈ"},
	"person.corrects":     {"corrects", "កែតម្រូវ"},
	"person.hidden":       {"health data withheld", "ព័ត៌មានសុខភាពមិនត្រូវបានបង្ហាញ"},
	"person.in_custody":   {"In custody in %s", "កំពុងជាប់ឃុំនៅ %s"},
	"person.left":         {"Not in custody", "មិនជាប់ឃុំ"},
	"queue.heading":       {"Screening queue", "ជួរពិនិត្យច្បាប់"},
	"queue.intro":         {"Unlawfully held first, then by priority. As of %s, rule pack %s.", "អ្នកជាប់ឃុំខុសច្បាប់មុនគេ បន្ទាប់មកតាមអាទិភាព។ គិតត្រឹម %s កញ្ចប់វិធាន %s។"},
	"queue.rule":          {"Rule", "វិធាន"},
	"queue.mechanism":     {"Release mechanism", "យន្តការដោះលែង"},
	"queue.group":         {"At-risk group", "ក្រុមងាយរងគ្រោះ"},
	"queue.crossing":      {"Crossing a limit within 30 days", "ឆ្លងកំណត់ក្នុងរយៈពេល ៣០ ថ្ងៃ"},
	"queue.any":           {"Any", "ទាំងអស់"},
	"queue.filter":        {"Filter", "ច្រោះ"},
	"queue.total":         {"%s people", "%s នាក់"},
	"form.save":           {"Save", "រក្សាទុក"},
	"form.errors":         {"Nothing was saved. Please correct:", "មិនបានរក្សាទុកទេ។ សូមកែតម្រូវ៖"},
	"form.saved":          {"Saved as ledger event %s.", "បានរក្សាទុកជាព្រឹត្តិការណ៍លេខ %s។"},
	"error.heading":       {"Something is wrong", "មានបញ្ហា"},
}

// The public report on the web: the dashboard, pledges and reports pages.
func init() {
	for k, v := range map[string][2]string{
		"dash.same_as_report":             {"The figures are those of the public report for the same date, with small counts protected the same way.", "តួលេខទាំងនេះគឺជាតួលេខនៃរបាយការណ៍សាធារណៈសម្រាប់កាលបរិច្ឆេទដូចគ្នា ដោយការពារចំនួនតូចៗតាមរបៀបដូចគ្នា។"},
		"dash.to_report":                  {"The full report and its data", "របាយការណ៍ពេញលេញ និងទិន្នន័យរបស់វា"},
		"dash.month_end":                  {"End of each month; the last point is the date of the figures.", "ចុងខែនីមួយៗ ចំណុចចុងក្រោយគឺកាលបរិច្ឆេទនៃតួលេខ។"},
		"dash.releases_period":            {"Releases from %s to %s", "ការដោះលែងពី %s ដល់ %s"},
		"dash.no_releases":                {"No release was recorded in the period.", "គ្មានការដោះលែងត្រូវបានកត់ត្រាក្នុងរយៈពេលនេះទេ។"},
		"dash.releases_group":             {"Releases by group and legal mechanism", "ការដោះលែងតាមក្រុម និងយន្តការច្បាប់"},
		"dash.groups_overlap":             {"Groups overlap: a woman held on a drug charge is counted in both rows.", "ក្រុមទាំងនេះត្រួតគ្នា៖ ស្ត្រីដែលជាប់ឃុំពីបទគ្រឿងញៀន ត្រូវបានរាប់ក្នុងជួរទាំងពីរ។"},
		"dash.group":                      {"Group", "ក្រុម"},
		"dash.total":                      {"Total", "សរុប"},
		"dash.released":                   {"Released", "បានដោះលែង"},
		"dash.releases_province":          {"Releases by province", "ការដោះលែងតាមខេត្ត"},
		"dash.all_pledges":                {"Every pledge, declared figure and reform", "ការសន្យា តួលេខដែលបានប្រកាស និងកំណែទម្រង់ទាំងអស់"},
		"dash.protection":                 {"Counts of 1 to %s people below national level are not shown, nor the further counts that would let them be recomputed from totals or from another table; a hidden count is shown as “*”. National totals, releases by mechanism and releases against pledges are exact.", "ចំនួនពី ១ ដល់ %s នាក់ ក្រោមថ្នាក់ជាតិ មិនត្រូវបានបង្ហាញទេ ព្រមទាំងចំនួនផ្សេងទៀតដែលអាចឱ្យគណនាវាឡើងវិញពីចំនួនសរុប ឬពីតារាងផ្សេង។ ចំនួនដែលលាក់ត្រូវបានបង្ហាញជា “*”។ ចំនួនសរុបថ្នាក់ជាតិ ការដោះលែងតាមយន្តការ និងការដោះលែងធៀបនឹងការសន្យា គឺពិតប្រាកដ។"},
		"dash.sources":                    {"Sources", "ប្រភព"},
		"dash.ledger":                     {"Computed from the register at ledger head %s.", "គណនាពីបញ្ជី នៅក្បាលសៀវភៅបញ្ជី %s។"},
		"dash.downloads":                  {"This report and its open data", "របាយការណ៍នេះ និងទិន្នន័យបើកចំហរបស់វា"},
		"fig.population":                  {"People held in prisons and correctional centres", "ចំនួនអ្នកជាប់ឃុំក្នុងពន្ធនាគារ និងមណ្ឌលអប់រំកែប្រែ"},
		"fig.capacity":                    {"Official capacity", "សមត្ថភាពផ្លូវការ"},
		"fig.occupancy_pct":               {"Occupancy", "អត្រាកាន់កាប់"},
		"fig.pretrial":                    {"Not finally convicted", "មិនទាន់មានសាលក្រមស្ថាពរ"},
		"fig.pretrial_share":              {"Share not finally convicted", "ភាគរយមិនទាន់មានសាលក្រមស្ថាពរ"},
		"fig.women":                       {"Women", "ស្ត្រី"},
		"fig.minors":                      {"Minors (under 18)", "អនីតិជន (ក្រោម ១៨ ឆ្នាំ)"},
		"fig.children_with_mothers":       {"Children living with their mothers", "កុមាររស់នៅជាមួយម្តាយ"},
		"fig.drug_related":                {"Held on drug charges", "ជាប់ឃុំពីបទគ្រឿងញៀន"},
		"fig.population_all_facilities":   {"People held in all facilities, including drug detention centres", "ចំនួនអ្នកជាប់ឃុំនៅគ្រប់ទីកន្លែង រួមទាំងមណ្ឌលស្តារនីតិសម្បទាអ្នកញៀនថ្នាំ"},
		"fig.drug_related_all_facilities": {"Held on drug charges in all facilities", "ជាប់ឃុំពីបទគ្រឿងញៀននៅគ្រប់ទីកន្លែង"},
		"fig.held_without_basis":          {"Held without legal basis (screening)", "ជាប់ឃុំដោយគ្មានមូលដ្ឋានច្បាប់ (ការពិនិត្យ)"},
		"fig.released":                    {"Releases in the period", "ការដោះលែងក្នុងរយៈពេល"},
		"fcol.population":                 {"People held", "ចំនួនអ្នកជាប់ឃុំ"},
		"fcol.pretrial":                   {"Not finally convicted", "មិនទាន់មានសាលក្រមស្ថាពរ"},
		"fcol.women":                      {"Women", "ស្ត្រី"},
		"fcol.minors":                     {"Minors", "អនីតិជន"},
		"fcol.children_with_mothers":      {"Children with their mothers", "កុមារជាមួយម្តាយ"},
		"fcol.drug_related":               {"Drug charges", "បទគ្រឿងញៀន"},
		"fcol.held_without_basis":         {"Without legal basis", "គ្មានមូលដ្ឋានច្បាប់"},
		"source.register":                 {"register", "បញ្ជី"},
		"source.screening":                {"screening", "ការពិនិត្យច្បាប់"},
		"source.census":                   {"census", "ជំរឿន"},
		"group.women":                     {"Women", "ស្ត្រី"},
		"group.minors":                    {"Minors (under 18)", "អនីតិជន (ក្រោម ១៨ ឆ្នាំ)"},
		"group.older":                     {"Aged 60 or more", "អាយុ ៦០ ឆ្នាំឡើង"},
		"group.ill":                       {"Chronic or mental illness, or disability", "ជំងឺរ៉ាំរ៉ៃ ជំងឺផ្លូវចិត្ត ឬពិការ"},
		"group.pregnant":                  {"Pregnant women", "ស្ត្រីមានផ្ទៃពោះ"},
		"group.mothers":                   {"Mothers held with their children", "ម្តាយដែលជាប់ឃុំជាមួយកូន"},
		"group.pretrial":                  {"Not finally convicted", "មិនទាន់មានសាលក្រមស្ថាពរ"},
		"group.drug_related":              {"Held on drug charges", "ជាប់ឃុំពីបទគ្រឿងញៀន"},
		"pledges.intro":                   {"Progress as of %s, counted in the register; where the register cannot count, the latest figure the authorities declared.", "វឌ្ឍនភាពគិតត្រឹម %s រាប់ក្នុងបញ្ជី។ នៅពេលបញ្ជីមិនអាចរាប់បាន គឺតួលេខចុងក្រោយដែលអាជ្ញាធរបានប្រកាស។"},
		"pledges.announced":               {"announced", "បានប្រកាស"},
		"pledges.amended":                 {"Amended %s time(s).", "បានកែប្រែ %s ដង។"},
		"pledges.bar":                     {"%s of %s (%s)", "%s នៃ %s (%s)"},
		"pledges.target":                  {"Target", "គោលដៅ"},
		"pledges.achieved":                {"Achieved", "សម្រេចបាន"},
		"pledges.basis":                   {"Counted from", "រាប់ពី"},
		"pledges.status":                  {"Status", "ស្ថានភាព"},
		"pledges.period":                  {"Period", "រយៈពេល"},
		"pledges.days_left":               {"Days left", "ថ្ងៃនៅសល់"},
		"pledges.by_mechanism":            {"By legal mechanism", "តាមយន្តការច្បាប់"},
		"pledges.source":                  {"Source", "ប្រភព"},
		"pledges.declared":                {"Figures declared by the authorities", "តួលេខដែលអាជ្ញាធរបានប្រកាស"},
		"pledges.declared_on":             {"Declared on", "ប្រកាសនៅថ្ងៃ"},
		"pledges.declared_by":             {"Declared by", "ប្រកាសដោយ"},
		"pledges.declared_figure":         {"Declared", "តួលេខប្រកាស"},
		"pledges.recorded":                {"Recorded in the register", "កត់ត្រាក្នុងបញ្ជី"},
		"pledges.difference":              {"Difference", "ភាពខុសគ្នា"},
		"pledges.up_to":                   {"up to", "រហូតដល់"},
		"pledges.none_declared":           {"No figure has been declared against this pledge.", "មិនទាន់មានតួលេខណាមួយត្រូវបានប្រកាសសម្រាប់ការសន្យានេះទេ។"},
		"pledges.counts":                  {"what counts", "អ្វីដែលត្រូវរាប់"},
		"pstatus.not_started":             {"not started", "មិនទាន់ចាប់ផ្តើម"},
		"pstatus.open":                    {"open", "កំពុងដំណើរការ"},
		"pstatus.met":                     {"met", "សម្រេច"},
		"pstatus.missed":                  {"missed", "មិនសម្រេច"},
		"basis.register":                  {"the register", "បញ្ជី"},
		"basis.declared":                  {"the declared figure (the register cannot count it)", "តួលេខដែលបានប្រកាស (បញ្ជីមិនអាចរាប់បាន)"},
		"basis.none":                      {"no count available", "គ្មានការរាប់"},
		"reforms.heading":                 {"Reforms and demands", "កំណែទម្រង់ និងការទាមទារ"},
		"reforms.since":                   {"since %s", "ចាប់ពី %s"},
		"reforms.none":                    {"No reform or demand has been recorded.", "មិនទាន់មានកំណែទម្រង់ ឬការទាមទារត្រូវបានកត់ត្រាទេ។"},
		"rstatus.announced":               {"announced", "បានប្រកាស"},
		"rstatus.in_progress":             {"in progress", "កំពុងអនុវត្ត"},
		"rstatus.partially_implemented":   {"partially implemented", "អនុវត្តបានមួយផ្នែក"},
		"rstatus.implemented":             {"implemented", "បានអនុវត្ត"},
		"rstatus.stalled":                 {"stalled", "ជាប់គាំង"},
		"rstatus.abandoned":               {"abandoned", "បានបោះបង់"},
		"rstatus.demanded":                {"demanded", "បានទាមទារ"},
		"reports.intro":                   {"The public transparency report as of %s (releases counted from %s). It is computed from the register when it changes; nothing in it identifies a person.", "របាយការណ៍តម្លាភាពសាធារណៈ គិតត្រឹម %s (ការដោះលែងរាប់ចាប់ពី %s)។ វាត្រូវបានគណនាពីបញ្ជីនៅពេលបញ្ជីផ្លាស់ប្តូរ។ គ្មានអ្វីនៅក្នុងវាកំណត់អត្តសញ្ញាណបុគ្គលណាម្នាក់ទេ។"},
		"reports.as_of":                   {"Report as of", "របាយការណ៍គិតត្រឹម"},
		"reports.show":                    {"Show", "បង្ហាញ"},
		"reports.page":                    {"The report", "របាយការណ៍"},
		"reports.html":                    {"Report as of %s (web page, printable on A4)", "របាយការណ៍គិតត្រឹម %s (ទំព័រវេប អាចបោះពុម្ពលើ A4)"},
		"reports.print":                   {"Print it from the browser, or save it as PDF.", "បោះពុម្ពវាពីកម្មវិធីរុករក ឬរក្សាទុកជា PDF។"},
		"reports.data":                    {"Open data", "ទិន្នន័យបើកចំហ"},
		"reports.data_note":               {"Every table as CSV with a row of HXL hashtags, and the whole report as JSON. A hidden count is “*” in CSV and null in JSON.", "តារាងនីមួយៗជា CSV ជាមួយជួរ HXL និងរបាយការណ៍ទាំងមូលជា JSON។ ចំនួនដែលលាក់គឺ “*” ក្នុង CSV និង null ក្នុង JSON។"},
		"reports.protection":              {"Protection of small counts", "ការការពារចំនួនតូចៗ"},
		"reports.suppressed":              {"%s counts are hidden in this report.", "ចំនួន %s ត្រូវបានលាក់ក្នុងរបាយការណ៍នេះ។"},
		"report.nodata":                   {"There is no report for this date: the register has no data for it.", "គ្មានរបាយការណ៍សម្រាប់កាលបរិច្ឆេទនេះទេ៖ បញ្ជីគ្មានទិន្នន័យសម្រាប់វា។"},
		"report.blocked":                  {"The figures for this date cannot be published: some counts are so small that every way of showing them would identify people.", "តួលេខសម្រាប់កាលបរិច្ឆេទនេះមិនអាចផ្សព្វផ្សាយបានទេ៖ ចំនួនខ្លះតូចពេក ដែលរបៀបបង្ហាញណាមួយក៏អាចកំណត់អត្តសញ្ញាណបុគ្គលបាន។"},
		"report.unavailable":              {"The figures cannot be published at the moment. Please try again later.", "តួលេខមិនអាចផ្សព្វផ្សាយបាននៅពេលនេះទេ។ សូមព្យាយាមម្តងទៀតនៅពេលក្រោយ។"},
		"report.empty":                    {"The register is empty.", "បញ្ជីនៅទទេ។"},
		"report.nofile":                   {"The report has no such file.", "របាយការណ៍គ្មានឯកសារនេះទេ។"},
		"file.report":                     {"The whole report (JSON)", "របាយការណ៍ទាំងមូល (JSON)"},
		"file.national":                   {"National figures (CSV)", "តួលេខថ្នាក់ជាតិ (CSV)"},
		"file.facilities":                 {"By facility (CSV)", "តាមទីកន្លែងឃុំឃាំង (CSV)"},
		"file.trend":                      {"Trend by month (CSV)", "និន្នាការតាមខែ (CSV)"},
		"file.releases_by_mechanism":      {"Releases by legal mechanism (CSV)", "ការដោះលែងតាមយន្តការច្បាប់ (CSV)"},
		"file.releases_by_facility":       {"Releases by facility and mechanism (CSV)", "ការដោះលែងតាមទីកន្លែង និងយន្តការ (CSV)"},
		"file.releases_by_province":       {"Releases by province (CSV)", "ការដោះលែងតាមខេត្ត (CSV)"},
		"file.releases_by_group":          {"Releases by group and mechanism (CSV)", "ការដោះលែងតាមក្រុម និងយន្តការ (CSV)"},
		"file.pledges":                    {"Pledges (CSV)", "ការសន្យា (CSV)"},
		"file.declared_figures":           {"Declared figures (CSV)", "តួលេខដែលបានប្រកាស (CSV)"},
		"file.reforms":                    {"Reforms and their status history (CSV)", "កំណែទម្រង់ និងប្រវត្តិស្ថានភាព (CSV)"},
		"data.report":                     {"The public report: page, CSV with HXL hashtags and JSON, for any date", "របាយការណ៍សាធារណៈ៖ ទំព័រ CSV ជាមួយ HXL និង JSON សម្រាប់កាលបរិច្ឆេទណាមួយ"},
	} {
		messages[k] = v
	}
}

func init() {
	// Vocabularies of the register, shown in both languages.
	for k, v := range map[string][2]string{
		"status.police_custody":     {"Police custody", "ឃាត់ខ្លួននៅប៉ូលិស"},
		"status.pretrial":           {"Pre-trial detention", "ឃុំខ្លួនបណ្តោះអាសន្ន"},
		"status.convicted_appeal":   {"Convicted, appeal pending", "ផ្តន្ទាទោស រង់ចាំបណ្តឹងឧទ្ធរណ៍"},
		"status.final":              {"Convicted, final", "ផ្តន្ទាទោសស្ថាពរ"},
		"status.acquitted_held":     {"Acquitted, held pending appeal", "រួចទោស ប៉ុន្តែនៅឃុំរង់ចាំបណ្តឹងឧទ្ធរណ៍"},
		"status.drug_centre":        {"Drug centre", "មណ្ឌលស្តារនីតិសម្បទាអ្នកញៀនថ្នាំ"},
		"mech.judicial_supervision": {"Judicial supervision", "ការត្រួតពិនិត្យតាមផ្លូវតុលាការ"},
		"mech.acquittal":            {"Acquittal", "ការរួចទោស"},
		"mech.charges_dropped":      {"Charges dropped", "ការទម្លាក់ចោទ"},
		"mech.sentence_served":      {"Sentence served", "ផុតទោស"},
		"mech.conditional_release":  {"Conditional release", "ការដោះលែងមានលក្ខខណ្ឌ"},
		"mech.royal_pardon":         {"Royal pardon", "ព្រះរាជលើកលែងទោស"},
		"mech.sentence_reduction":   {"Sentence reduction", "ការបន្ធូរបន្ថយទោស"},
		"mech.suspended_sentence":   {"Suspended sentence", "ការព្យួរទោស"},
		"mech.amnesty":              {"Amnesty", "ការលើកលែងទោសទូទៅ"},
		"mech.transfer_to_hospital": {"Transfer to hospital", "ការផ្ទេរទៅមន្ទីរពេទ្យ"},
		"mech.other":                {"Other", "ផ្សេងៗ"},
		"kind.prison":               {"Prison", "ពន្ធនាគារ"},
		"kind.correctional_centre":  {"Correctional centre", "មណ្ឌលអប់រំកែប្រែ"},
		"kind.police_custody":       {"Police custody", "កន្លែងឃាត់ខ្លួនរបស់ប៉ូលិស"},
		"kind.drug_centre":          {"Drug centre", "មណ្ឌលស្តារនីតិសម្បទាអ្នកញៀនថ្នាំ"},
		"kind.juvenile_centre":      {"Juvenile centre", "មណ្ឌលអនីតិជន"},
		"event.admission":           {"Admission", "ការចូលឃុំ"},
		"event.transfer":            {"Transfer", "ការផ្ទេរ"},
		"event.hearing":             {"Hearing", "សវនាការ"},
		"event.order_extension":     {"Order extension", "ការបន្តដីកា"},
		"event.verdict":             {"Verdict", "សាលក្រម"},
		"event.release":             {"Release", "ការដោះលែង"},
		"event.correction":          {"Correction", "ការកែតម្រូវ"},
		"event.person":              {"Identity", "អត្តសញ្ញាណ"},
		"field.name":                {"Full name", "ឈ្មោះពេញ"},
		"field.sex":                 {"Sex (M, F or X)", "ភេទ (M, F ឬ X)"},
		"field.dob":                 {"Date of birth (YYYY-MM-DD)", "ថ្ងៃខែឆ្នាំកំណើត (YYYY-MM-DD)"},
		"field.dob_basis":           {"Date of birth established by", "ថ្ងៃខែឆ្នាំកំណើតបញ្ជាក់ដោយ"},
		"field.nationality":         {"Nationality", "សញ្ជាតិ"},
		"field.person_id":           {"Register number", "លេខចុះបញ្ជី"},
		"field.facility":            {"Facility", "ទីកន្លែងឃុំឃាំង"},
		"field.date":                {"Date (YYYY-MM-DD)", "កាលបរិច្ឆេទ (YYYY-MM-DD)"},
		"field.status":              {"Legal status", "ស្ថានភាពផ្លូវច្បាប់"},
		"field.order_kind":          {"Order", "ដីកា"},
		"field.order_authority":     {"Issued by", "ចេញដោយ"},
		"field.order_reference":     {"Order number", "លេខដីកា"},
		"field.order_issued":        {"Issued on", "ចេញនៅថ្ងៃ"},
		"field.order_expires":       {"Expires on", "ផុតកំណត់នៅថ្ងៃ"},
		"field.case":                {"Case number", "លេខសំណុំរឿង"},
		"field.offence":             {"Offence", "បទល្មើស"},
		"field.class":               {"Class of offence", "ប្រភេទបទល្មើស"},
		"field.max_months":          {"Maximum penalty (months)", "ទោសអតិបរមា (ខែ)"},
		"field.drug":                {"Drug offence", "បទល្មើសគ្រឿងញៀន"},
		"field.mechanism":           {"Legal mechanism", "យន្តការច្បាប់"},
		"field.authority":           {"Authority", "អាជ្ញាធរ"},
		"field.reference":           {"Reference", "លេខយោង"},
		"field.note":                {"Note", "កំណត់សម្គាល់"},
		"field.to":                  {"To facility", "ទៅទីកន្លែង"},
		"field.reason":              {"Reason", "មូលហេតុ"},
		"field.court":               {"Court", "តុលាការ"},
		"field.purpose":             {"Purpose", "គោលបំណង"},
		"field.outcome":             {"Outcome", "លទ្ធផល"},
		"field.final":               {"Final judgment", "សាលក្រមស្ថាពរ"},
		"field.sentence_months":     {"Sentence (months)", "ទោស (ខែ)"},
		"field.sentence_start":      {"Sentence starts (YYYY-MM-DD)", "ទោសចាប់ផ្តើម (YYYY-MM-DD)"},
		"field.target":              {"Event number to correct", "លេខព្រឹត្តិការណ៍ត្រូវកែ"},
		"field.void":                {"Void it (it should never have been entered)", "ទុកជាមោឃៈ"},
		"field.new_date":            {"Or: the correct date (YYYY-MM-DD)", "ឬ៖ កាលបរិច្ឆេទត្រឹមត្រូវ (YYYY-MM-DD)"},
	} {
		messages[k] = v
	}
}

// The staff page that records pledges, declared figures and reforms.
func init() {
	for k, v := range map[string][2]string{
		"nav.pledges_edit":         {"Edit pledges", "កែសម្រួលការសន្យា"},
		"staffpledges.heading":     {"Edit pledges and reforms", "កែសម្រួលការសន្យា និងកំណែទម្រង់"},
		"staffpledges.intro":       {"Every entry is added to the ledger with your name; nothing is edited in place. Recording a pledge again with the same identifier amends it.", "រាល់ការបញ្ចូលត្រូវបានបន្ថែមទៅក្នុងបញ្ជីជាមួយឈ្មោះរបស់អ្នក គ្មានអ្វីត្រូវបានកែប្រែដោយផ្ទាល់ទេ។ ការកត់ត្រាការសន្យាម្តងទៀតដោយលេខសម្គាល់ដដែល គឺជាការកែប្រែវា។"},
		"staffpledges.pledge":      {"Record a pledge (or amend one)", "កត់ត្រាការសន្យា (ឬកែប្រែ)"},
		"staffpledges.declaration": {"Record a figure declared against a pledge", "កត់ត្រាតួលេខដែលអាជ្ញាធរបានប្រកាសសម្រាប់ការសន្យា"},
		"staffpledges.reform":      {"Record a reform, or a new status of one", "កត់ត្រាកំណែទម្រង់ ឬស្ថានភាពថ្មីរបស់វា"},
		"staffpledges.current":     {"As the public sees them", "ដូចដែលសាធារណជនឃើញ"},
		"pkind.releases":           {"Releases recorded in the register", "ការដោះលែងដែលបានកត់ត្រាក្នុងបញ្ជី"},
		"pkind.cases_cleared":      {"Cases cleared", "សំណុំរឿងដែលបានដោះស្រាយ"},
		"field.pledge_id":          {"Identifier (e.g. release-10000)", "លេខសម្គាល់ (ឧ. release-10000)"},
		"field.pledge_title":       {"The pledge in words", "ខ្លឹមសារនៃការសន្យា"},
		"field.pledge_made_by":     {"Made by", "ធ្វើឡើងដោយ"},
		"field.pledge_kind":        {"What it counts", "អ្វីដែលត្រូវរាប់"},
		"field.pledge_date":        {"Announced on (YYYY-MM-DD)", "ប្រកាសនៅថ្ងៃ (YYYY-MM-DD)"},
		"field.pledge_start":       {"Counting starts on (YYYY-MM-DD; empty: the day announced)", "ចាប់ផ្តើមរាប់នៅថ្ងៃ (YYYY-MM-DD; ទទេ៖ ថ្ងៃប្រកាស)"},
		"field.pledge_deadline":    {"Deadline (YYYY-MM-DD)", "ថ្ងៃផុតកំណត់ (YYYY-MM-DD)"},
		"field.pledge_target":      {"Target (the number promised)", "គោលដៅ (ចំនួនដែលបានសន្យា)"},
		"field.pledge_mechanisms":  {"Count only releases by these mechanisms (none ticked: any)", "រាប់តែការដោះលែងតាមយន្តការទាំងនេះ (មិនគូស៖ ទាំងអស់)"},
		"field.pledge_groups":      {"Count only releases of people in these groups (none ticked: anyone)", "រាប់តែការដោះលែងមនុស្សក្នុងក្រុមទាំងនេះ (មិនគូស៖ ទាំងអស់)"},
		"field.pledge_facilities":  {"Count only these facilities (ids separated by commas; empty: all)", "រាប់តែទីកន្លែងទាំងនេះ (លេខសម្គាល់ បំបែកដោយក្បៀស; ទទេ៖ ទាំងអស់)"},
		"field.pledge_source":      {"Where it was announced", "ប្រកាសនៅទីណា"},
		"field.pledge_note":        {"Note", "កំណត់សម្គាល់"},
		"field.decl_pledge":        {"Pledge identifier", "លេខសម្គាល់ការសន្យា"},
		"field.decl_figure":        {"Figure declared", "តួលេខដែលបានប្រកាស"},
		"field.decl_date":          {"Declared on (YYYY-MM-DD)", "ប្រកាសនៅថ្ងៃ (YYYY-MM-DD)"},
		"field.decl_as_of":         {"Counts up to (YYYY-MM-DD; empty: the day declared)", "រាប់រហូតដល់ (YYYY-MM-DD; ទទេ៖ ថ្ងៃប្រកាស)"},
		"field.decl_declared_by":   {"Declared by", "ប្រកាសដោយ"},
		"field.decl_source":        {"Source (a statement, a report, an article)", "ប្រភព (សេចក្តីថ្លែងការណ៍ របាយការណ៍ អត្ថបទ)"},
		"field.decl_note":          {"Note", "កំណត់សម្គាល់"},
		"field.reform_id":          {"Identifier (e.g. bail)", "លេខសម្គាល់ (ឧ. bail)"},
		"field.reform_title":       {"The reform in words (required the first time)", "ខ្លឹមសារនៃកំណែទម្រង់ (ត្រូវការនៅលើកដំបូង)"},
		"field.reform_promised_by": {"Promised (or demanded) by", "សន្យា (ឬទាមទារ) ដោយ"},
		"field.reform_status":      {"Status", "ស្ថានភាព"},
		"field.reform_date":        {"Date of this status (YYYY-MM-DD)", "កាលបរិច្ឆេទនៃស្ថានភាពនេះ (YYYY-MM-DD)"},
		"field.reform_source":      {"Source of this status", "ប្រភពនៃស្ថានភាពនេះ"},
		"field.reform_note":        {"Note", "កំណត់សម្គាល់"},
	} {
		messages[k] = v
	}
}
