package demo

import (
	"math/rand/v2"
	"strconv"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Synthetic names: common Khmer family and given names in the usual
// romanisation, family name first; a few foreign nationals with names of
// their countries. Any resemblance to a real person is chance.
var (
	khmerFamily = []string{"Sok", "Chan", "Kim", "Heng", "Ly", "Meas", "Chea", "Keo", "Nhem", "Pen", "Prak", "Sam",
		"Seng", "Sun", "Touch", "Yim", "Mao", "Ouk", "Phan", "Pich", "Ros", "Som", "Tep", "Yin", "Chhun", "Khieu",
		"Kong", "Long", "Mom", "Nou", "Pov", "San", "Sar", "Soeun", "Sorn", "Tan", "Thach", "Vong", "Ung", "Noun",
		"Chhay", "Hak", "Him", "Kao", "Lim", "Nget", "Oum", "Rin", "Sim", "Svay", "Tith", "Van", "Yos", "Hem",
		"Chhim", "Dy", "Em", "Hor", "Leng", "Men", "Nuon", "Phin", "Reach", "Sek", "Thong", "Vann"}
	khmerMale = []string{"Dara", "Sokha", "Vuthy", "Rithy", "Sophal", "Piseth", "Veasna", "Bunthoeun", "Samnang",
		"Sambath", "Kosal", "Rotha", "Sokun", "Vannak", "Visal", "Bora", "Chantha", "Kimsan", "Narith", "Ratanak",
		"Sarin", "Sovann", "Thearith", "Vibol", "Makara", "Mony", "Nimol", "Pheakdey", "Samrith", "Sopheak", "Tola",
		"Vichet", "Chamroeun", "Sokhom", "Bunna", "Chhay", "Kakada", "Oudom", "Pisal", "Rathana",
		"Sakal", "Seyha", "Sothy", "Thy", "Vanna", "Vireak", "Yuthea", "Phearun", "Sitha", "Borey", "Kimheng",
		"Nara", "Panha", "Rady", "Sok", "Vathana", "Chanrithy", "Heng", "Khemara"}
	khmerFemale = []string{"Sreymom", "Sreyleak", "Sokunthea", "Channary", "Bopha", "Chanthou", "Dalin", "Kunthea",
		"Malis", "Mealea", "Nary", "Phalla", "Pisey", "Rachana", "Reaksmey", "Sokha", "Sopheap", "Sophea", "Sothea",
		"Thida", "Vanny", "Chenda", "Davy", "Kanha", "Sreypov", "Bophal", "Chivy", "Kolab", "Lina", "Romduol",
		"Sophorn", "Theary", "Kimly", "Sokleang", "Sreynich", "Monika", "Phary", "Sreyneang", "Chanlina", "Kagna",
		"Leakena", "Navy", "Putheary", "Raksa", "Sokny", "Sreyroth", "Vicheka", "Channa", "Dany", "Linda"}
	vietFamily = []string{"Nguyen", "Tran", "Le", "Pham", "Huynh", "Vo", "Phan", "Dang", "Bui", "Do"}
	vietMale   = []string{"Van Hung", "Van Minh", "Van Tuan", "Van Long", "Quoc Bao", "Duc Anh", "Van Nam", "Thanh Son"}
	vietFemale = []string{"Thi Lan", "Thi Hoa", "Thi Mai", "Thi Hong", "Thi Thu", "Thi Ngoc"}
	thaiGiven  = []string{"Somchai", "Somsak", "Anan", "Prasert", "Wichai", "Malee", "Siriporn", "Kanya"}
	thaiFamily = []string{"Saetang", "Wongsa", "Srisuk", "Chaiyaphum", "Boonmee", "Kaewkla"}
	cnFamily   = []string{"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao"}
	cnGiven    = []string{"Wei", "Ming", "Lei", "Jie", "Hao", "Yan", "Fang", "Jun"}
	laoGiven   = []string{"Souksavanh", "Khamla", "Bounmy", "Phonsavanh", "Vilaykham"}
	laoFamily  = []string{"Phommachanh", "Sengdara", "Keomany", "Vongsay"}
)

// nationality shares of the prison population (927 foreigners of 21,989 at
// the end of 2016, about 4.2%).
var nationalities = []struct {
	code  string
	share float64
}{{"KH", 0.958}, {"VN", 0.022}, {"TH", 0.006}, {"CN", 0.007}, {"LA", 0.002}, {"KR", 0.002}, {"NG", 0.002}, {"FR", 0.001}}

// person is what the generator keeps about one person while it generates
// the stays of a bed.
type person struct {
	sex       domain.Sex
	gender    string
	dob       int // day number
	hasDOB    bool
	dobBasis  domain.DOBBasis
	nat       string
	name      [3]uint16 // family, given, alias (0 none, else index+1)
	idNum     uint32
	kin       uint16 // next of kin name draw (0 none)
	convicted bool   // convicted in an earlier stay of the register
	prison    bool   // served a prison sentence in an earlier stay
	lastEnd   int    // end of the last stay
	dead      bool
	escaped   bool
	emitted   bool // the person's stays are part of the register (not before it)
	// the case of the last stay emitted, and its offence date, for a stay
	// on the same case (plan.sameCase)
	lastCase    string
	lastOffence domain.Date
	// priors before the register opened
	priorRepeat, priorPrison5y bool
	// id assigned when the person is emitted
	id string
}

// newPerson draws an identity. ageAt is the age wanted on day at: the caller
// knows whether it needs a child, a woman of child-bearing age, etc.
func newPerson(r *rand.Rand, sex domain.Sex, at int, age int) person {
	p := person{sex: sex}
	u := r.Float64()
	acc := 0.0
	p.nat = "KH"
	for _, n := range nationalities {
		acc += n.share
		if u < acc {
			p.nat = n.code
			break
		}
	}
	// Date of birth: age completed years on `at`, plus a random part of a year.
	dob := dateOf(at).AddMonths(-12*age).DayNumber() - r.IntN(365)
	p.dob = dob
	p.hasDOB = true
	b := r.Float64()
	switch {
	case b < 0.55:
		p.dobBasis = domain.DOBDocument
	case b < 0.85:
		p.dobBasis = domain.DOBDeclared
	case b < 0.975:
		p.dobBasis = domain.DOBEstimated
		// an estimate is recorded as the first of January of the year,
		// unless that would change whether the person was a child
		d := dateOf(dob)
		est := domain.MakeDate(d.Year(), 1, 1)
		if (est.AgeOn(dateOf(at)) >= 18) == (age >= 18) {
			p.dob = est.DayNumber()
		}
	default:
		if age >= 18 {
			p.dobBasis = domain.DOBUnknown
			p.hasDOB = false
		} else {
			p.dobBasis = domain.DOBEstimated
		}
	}
	p.name[0] = uint16(r.IntN(1 << 15))
	p.name[1] = uint16(r.IntN(1 << 15))
	if r.IntN(20) == 0 {
		p.name[2] = uint16(r.IntN(1<<15) + 1)
	}
	if sex == domain.Male && r.IntN(800) == 0 {
		p.gender = "woman (transgender)"
	}
	p.idNum = uint32(r.IntN(900000000) + 100000000)
	if r.IntN(5) < 2 {
		p.kin = uint16(r.IntN(1<<15) + 1)
	}
	if r.IntN(100) < 7 {
		p.priorRepeat = true
		p.priorPrison5y = r.IntN(2) == 0
	}
	return p
}

func pickName(list []string, v uint16) string { return list[int(v)%len(list)] }

// fullName renders the person's name as it is written in their country.
func (p *person) fullName() string {
	f, g := p.name[0], p.name[1]
	female := p.sex == domain.Female
	switch p.nat {
	case "VN":
		given := vietMale
		if female {
			given = vietFemale
		}
		return pickName(vietFamily, f) + " " + pickName(given, g)
	case "TH":
		return pickName(thaiGiven, g) + " " + pickName(thaiFamily, f)
	case "CN":
		return pickName(cnFamily, f) + " " + pickName(cnGiven, g)
	case "LA":
		return pickName(laoGiven, g) + " " + pickName(laoFamily, f)
	case "KR":
		return pickName([]string{"Kim", "Lee", "Park", "Choi"}, f) + " " + pickName([]string{"Min-jun", "Ji-ho", "Seo-yeon", "Hyun-woo"}, g)
	case "NG":
		return pickName([]string{"Okafor", "Adeyemi", "Eze", "Bello"}, f) + " " + pickName([]string{"Chinedu", "Emeka", "Ngozi", "Tunde"}, g)
	case "FR":
		return pickName([]string{"Martin", "Bernard", "Dubois", "Moreau"}, f) + " " + pickName([]string{"Pierre", "Julien", "Claire", "Nicolas"}, g)
	}
	given := khmerMale
	if female {
		given = khmerFemale
	}
	return pickName(khmerFamily, f) + " " + pickName(given, g)
}

func (p *person) data() *domain.PersonData {
	d := &domain.PersonData{Name: p.fullName(), Sex: p.sex, Gender: p.gender, DOBBasis: p.dobBasis, Nationality: p.nat}
	if p.hasDOB {
		d.DOB = dateOf(p.dob)
	}
	if p.name[2] != 0 {
		given := khmerMale
		if p.sex == domain.Female {
			given = khmerFemale
		}
		d.OtherNames = "alias " + pickName(given, p.name[2])
	}
	if p.dobBasis == domain.DOBDocument {
		if p.nat == "KH" {
			d.IDDocument = "national ID " + strconv.Itoa(int(p.idNum))
		} else {
			d.IDDocument = "passport " + p.nat + strconv.Itoa(int(p.idNum%10000000))
		}
	}
	return d
}

var kinRelations = []string{"mother", "father", "wife", "husband", "brother", "sister", "aunt", "son", "daughter"}

func (p *person) nextOfKin() string {
	if p.kin == 0 {
		return ""
	}
	k := int(p.kin)
	rel := kinRelations[k%len(kinRelations)]
	given := khmerMale
	if k%2 == 0 {
		given = khmerFemale
	}
	return rel + ": " + pickName(khmerFamily, uint16(k/7)) + " " + pickName(given, uint16(k/3))
}

// adultAge draws an age at admission for an adult: mostly young, with a
// tail of older people (about 2% admitted at 58 or older).
func adultAge(r *rand.Rand) int {
	a := 18 + int(r.ExpFloat64()*11)
	if a > 82 {
		a = 18 + r.IntN(40)
	}
	return a
}

// childAge draws an age at admission for a child in conflict with the law;
// a few are under 14, the age of criminal responsibility.
func childAge(r *rand.Rand) int {
	u := r.Float64()
	switch {
	case u < 0.015:
		return 12
	case u < 0.05:
		return 13
	case u < 0.17:
		return 14
	case u < 0.37:
		return 15
	case u < 0.65:
		return 16
	}
	return 17
}
