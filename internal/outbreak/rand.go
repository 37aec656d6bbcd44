package outbreak

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// binomial draws from Binomial(n, p) exactly: by counting for small n, by
// inversion of the distribution function (O(np) work) for a small mean, and
// by gonum's rejection sampler otherwise. Most draws of the model are of
// the first two kinds (few people change state in a step), which cost no
// allocation and no log-gamma.
func binomial(rng *rand.Rand, src rand.Source, n int, p float64) int {
	return binomialP(rng, src, n, newProb(p))
}

// prob is a probability with the logarithms inversion needs, computed once
// for the probabilities the model uses at every step.
type prob struct {
	p, logq, logp float64 // p, log(1-p), log(p)
}

func newProb(p float64) prob {
	return prob{p: p, logq: math.Log1p(-p), logp: math.Log(p)}
}

func binomialP(rng *rand.Rand, src rand.Source, n int, pr prob) int {
	p := pr.p
	if n <= 0 || p <= 0 {
		return 0
	}
	if p >= 1 {
		return n
	}
	flip := p > 0.5
	logq := pr.logq
	if flip {
		p = 1 - p
		logq = pr.logp
	}
	var x int
	switch {
	case n < 16:
		for range n {
			if rng.Float64() < p {
				x++
			}
		}
	case float64(n)*p < 12:
		q := 1 - p
		s := p / q
		a := float64(n+1) * s
		r := math.Exp(float64(n) * logq)
		u := rng.Float64()
		for u > r && x < n {
			u -= r
			x++
			r *= a/float64(x) - s
		}
	default:
		x = int(distuv.Binomial{N: float64(n), P: p, Src: src}.Rand())
	}
	if flip {
		return n - x
	}
	return x
}

// poisson draws from Poisson(mean): by inversion for a small mean, by
// gonum's sampler otherwise.
func poisson(rng *rand.Rand, src rand.Source, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean < 30 {
		x := 0
		r := math.Exp(-mean)
		u := rng.Float64()
		for u > r && r > 0 {
			u -= r
			x++
			r *= mean / float64(x)
		}
		return x
	}
	return int(distuv.Poisson{Lambda: mean, Src: src}.Rand())
}
