package outbreak

import (
	"context"
	"testing"
)

// demoLike is 38 facilities shaped like the demo register's: 40,000 people
// at about 130% of capacity, mostly in dormitories, with admissions and
// releases.
func demoLike() []Facility {
	var fs []Facility
	for i := range 38 {
		n := 200 + (i*977)%2000
		if i == 0 {
			n = 8800
		}
		f := Facility{ID: "F" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Capacity: n * 10 / 13,
			AdmissionsPerDay: float64(n) / 300, ReleasesPerDay: float64(n) / 310}
		f.Counts[Stratum{Age: 0, Housing: Dormitory}.Index()] = n / 50
		f.Counts[Stratum{Age: 1, Housing: Dormitory}.Index()] = n * 6 / 10
		f.Counts[Stratum{Age: 2, Housing: Dormitory}.Index()] = n / 5
		f.Counts[Stratum{Age: 3, Housing: Dormitory}.Index()] = n / 10
		f.Counts[Stratum{Age: 4, Housing: Dormitory}.Index()] = n / 25
		f.Counts[Stratum{Age: 5, Housing: Dormitory}.Index()] = n / 100
		f.Counts[Stratum{Age: 6, Housing: Dormitory}.Index()] = n / 500
		f.Counts[Stratum{Age: 1, Chronic: true, Housing: Dormitory}.Index()] = n / 50
		f.Counts[Stratum{Age: 3, Chronic: true, Housing: Cell}.Index()] = n / 100
		fs = append(fs, f)
	}
	return fs
}

// BenchmarkRun: 100 stochastic runs of 180 days over the demo-like estate
// (the command runs 1,000: ten times this), beside one deterministic run
// (BenchmarkDeterministic); go test -bench . -cpu 2 ./internal/outbreak.
func BenchmarkRun(b *testing.B) {
	in := Input{Params: DefaultParams(), Facilities: demoLike(), Start: start, Days: 180, Runs: 100, Seed: 1}
	for b.Loop() {
		if _, err := Run(context.Background(), in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeterministic(b *testing.B) {
	in := Input{Params: DefaultParams(), Facilities: demoLike(), Start: start, Days: 180, Runs: 1, Seed: 1}
	for b.Loop() {
		if _, err := Deterministic(context.Background(), in, nil); err != nil {
			b.Fatal(err)
		}
	}
}
