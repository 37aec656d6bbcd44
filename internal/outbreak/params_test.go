package outbreak

import (
	"errors"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/yamlerr"
)

// TestDefaultParams: the built-in file reads, with domain.md's values where
// it gives them, and every entry has a source.
func TestDefaultParams(t *testing.T) {
	p := DefaultParams()
	if p.R0 != [3]float64{2.4, 3, 3.7} || p.DormitoryMultiplier != 2.5 || p.CrowdingPer10Points != 0.14 ||
		p.LatentDays != 2 || p.InfectiousDays != 4.1 || p.HospitalLagDays != 2.9 || p.HospitalStayDays != 22 ||
		p.HospitalToDeathDays != 8.3 || p.LMICMultiplier != 2 || p.Transmission != Density {
		t.Errorf("defaults differ from domain.md section 6: %+v", p)
	}
	if len(p.Entries) != len(specs) {
		t.Errorf("%d entries, want %d", len(p.Entries), len(specs))
	}
	// Levin: 0.41% at 55, 1.37% at 65, 4.57% at 75 (domain.md), times 2.
	for _, c := range []struct {
		age  int
		want float64
	}{{55, 0.0041}, {65, 0.0137}, {75, 0.0457}} {
		q := *p
		AgeBands[6].Midpoint, q.LMICMultiplier = c.age, 1 // read the formula at the age itself
		if got := q.IFR(Stratum{Age: 6}); abs(got-c.want) > 0.0002 {
			t.Errorf("IFR at %d: %.5f, want %.4f", c.age, got, c.want)
		}
	}
	AgeBands[6].Midpoint = 90
	if got, want := p.IFR(Stratum{Age: 5, Chronic: true}), p.IFR(Stratum{Age: 5})*2.1; abs(got-want) > 1e-12 {
		t.Errorf("chronic IFR %v, want %v", got, want)
	}
	if p.IFR(Stratum{Age: 6})/p.IFR(Stratum{Age: 4}) < 10 {
		t.Error("85+ is not far above 65-74")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestParamsErrors: every kind of bad file is reported with the file, the
// line and the key.
func TestParamsErrors(t *testing.T) {
	good := string(defaultParams)
	for _, c := range []struct {
		name, from, to string
		want           []string
	}{
		{"unknown key", "r0:\n", "r00:\n  value: 1\n  source: x\nr0:\n", []string{"my.yaml:7: unknown parameter \"r00\""}},
		{"unknown entry key", "  verified: true\ndormitory_multiplier:", "  verified: true\n  verfied: true\ndormitory_multiplier:", []string{"my.yaml:12: r0: unknown key \"verfied\""}},
		{"missing value", "dormitory_multiplier:\n  value: 2.5\n", "dormitory_multiplier:\n", []string{"my.yaml:12: dormitory_multiplier: the value is missing"}},
		{"negative rate", "  value: 0.0002\n", "  value: -0.0002\n", []string{"community_daily_incidence: -0.0002 is negative"}},
		{"wrong type", "  value: 4.1\n", "  value: four\n", []string{"infectious_days: want a number, not \"four\""}},
		{"short list", "  value: [2.4, 3.0, 3.7]\n", "  value: [2.4, 3.0]\n", []string{"my.yaml:8: r0: want a list of 3 numbers"}},
		{"unknown variant", "  value: density\n", "  value: mass-action\n", []string{"transmission: \"mass-action\" is not one of [density frequency]"}},
		{"missing key", "time_step_days:", "time_stepdays:", []string{"unknown parameter \"time_stepdays\"", "my.yaml: parameter \"time_step_days\" is missing"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.from) {
				t.Fatalf("the built-in file has no %q", c.from)
			}
			_, err := ParseParams("my.yaml", []byte(strings.Replace(good, c.from, c.to, 1)))
			var es yamlerr.Errors
			if !errors.As(err, &es) {
				t.Fatalf("want yamlerr.Errors, got %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := ParseParams("e.yaml", nil); err == nil || !strings.Contains(err.Error(), "e.yaml: the file is empty") {
		t.Errorf("empty file: %v", err)
	}
}

// TestStrata: ages fall in the bands as documented (75-84 and 85+ apart),
// and a stratum's index is its own.
func TestStrata(t *testing.T) {
	for _, c := range []struct{ age, band int }{{-1, 1}, {0, 0}, {17, 0}, {18, 1}, {44, 1}, {45, 2}, {64, 3}, {65, 4}, {74, 4}, {75, 5}, {84, 5}, {85, 6}, {104, 6}} {
		if got := AgeIndex(c.age); got != c.band {
			t.Errorf("age %d: band %d, want %d", c.age, got, c.band)
		}
	}
	seen := map[int]bool{}
	for a := range NAges {
		for _, ch := range []bool{false, true} {
			for _, h := range []Housing{Cell, Dormitory} {
				s := Stratum{Age: a, Chronic: ch, Housing: h}
				i := s.Index()
				if i < 0 || i >= NStrata || seen[i] || StratumOf(i) != s {
					t.Errorf("%+v: index %d", s, i)
				}
				seen[i] = true
			}
		}
	}
	if s := StratumFor(80, true, true); s != (Stratum{Age: 5, Chronic: true, Housing: Dormitory}) {
		t.Errorf("StratumFor(80, chronic, dormitory) = %+v", s)
	}
}
