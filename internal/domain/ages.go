package domain

// AgeBands returns the lower bounds of the age bands the statistics group
// the people held by, the default of a new register (a register keeps the
// bands it was created with). They separate the ages the law treats
// differently (under 14, the age of criminal responsibility; 14-15 and
// 16-17, children with different limits on pre-trial detention; 18, the age
// of majority) and the bands used for outbreak models and for older
// prisoners (60 and over); docs/stats.md section 4. The slice is the
// caller's own.
func AgeBands() []int { return []int{0, 14, 16, 18, 20, 45, 55, 60, 65} }

// AgeBandOf is the lower bound of the band of bands that age falls in, or
// -1 when the age is unknown (negative).
func AgeBandOf(bands []int, age int) int {
	if age < 0 {
		return -1
	}
	band := 0
	for _, lo := range bands {
		if age >= lo {
			band = lo
		}
	}
	return band
}

// CheckAgeBands reports whether bands can group ages: lower bounds in
// ascending order, the first 0, so that every known age falls in one band.
func CheckAgeBands(bands []int) error {
	if len(bands) == 0 || bands[0] != 0 {
		return Invalid("age_bands", "%v: the first band must begin at 0", bands)
	}
	for i := 1; i < len(bands); i++ {
		if bands[i] <= bands[i-1] {
			return Invalid("age_bands", "%v: the lower bounds must ascend", bands)
		}
	}
	return nil
}
