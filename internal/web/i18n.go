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
	"dash.bystatus":       {"Legal status", "ស្ថានភាពផ្លូវច្បាប់"},
	"dash.releases":       {"Releases in %s by legal mechanism", "ការដោះលែងក្នុងឆ្នាំ %s តាមយន្តការច្បាប់"},
	"dash.releases_total": {"Releases in %s", "ការដោះលែងក្នុងឆ្នាំ %s"},
	"dash.pledges_soon":   {"Releases against the government's pledges will be shown here when pledge tracking is in place.", "ការដោះលែងធៀបនឹងការសន្យារបស់រដ្ឋាភិបាល នឹងបង្ហាញនៅទីនេះ នៅពេលការតាមដានការសន្យាត្រូវបានដាក់ឱ្យដំណើរការ។"},
	"dash.facility":       {"Facility", "ទីកន្លែងឃុំឃាំង"},
	"dash.kind":           {"Kind", "ប្រភេទ"},
	"dash.province":       {"Province", "ខេត្ត"},
	"dash.suppressed":     {"Counts from 1 to 4, and one more where needed so they cannot be worked out from the totals, are shown as “<5” to protect the people concerned.", "ចំនួនពី ១ ដល់ ៤ និងចំនួនមួយទៀតនៅពេលចាំបាច់ ត្រូវបានបង្ហាញជា “<5” ដើម្បីការពារអ្នកពាក់ព័ន្ធ។"},
	"dash.json":           {"These figures as JSON", "តួលេខទាំងនេះជា JSON"},
	"dash.year_end":       {"31 December of each year; the last point is the date of the figures.", "ថ្ងៃទី ៣១ ខែធ្នូ នៃឆ្នាំនីមួយៗ ចំណុចចុងក្រោយគឺកាលបរិច្ឆេទនៃតួលេខ។"},
	"dash.capacity_line":  {"the line marks 100% of capacity", "បន្ទាត់បង្ហាញ ១០០% នៃសមត្ថភាព"},
	"reports.heading":     {"Published reports", "របាយការណ៍ដែលបានបោះពុម្ព"},
	"reports.none":        {"No report has been published yet.", "មិនទាន់មានរបាយការណ៍ត្រូវបានបោះពុម្ពនៅឡើយទេ។"},
	"pledges.heading":     {"Pledges and reforms", "ការសន្យា និងកំណែទម្រង់"},
	"pledges.none":        {"No pledge or reform has been recorded yet.", "មិនទាន់មានការសន្យា ឬកំណែទម្រង់ត្រូវបានកត់ត្រានៅឡើយទេ។"},
	"data.heading":        {"Open data", "ទិន្នន័យបើកចំហ"},
	"data.intro":          {"Aggregate figures only: no record of any person is published.", "មានតែតួលេខសរុបប៉ុណ្ណោះ៖ គ្មានកំណត់ត្រារបស់បុគ្គលណាម្នាក់ត្រូវបានផ្សព្វផ្សាយទេ។"},
	"data.facilities_csv": {"Facilities: population, capacity and occupancy (CSV with HXL hashtags)", "ទីកន្លែងឃុំឃាំង៖ ចំនួនអ្នកជាប់ឃុំ សមត្ថភាព និងអត្រាកាន់កាប់ (CSV ជាមួយ HXL)"},
	"data.stats_json":     {"All figures (JSON)", "តួលេខទាំងអស់ (JSON)"},
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
