package fallback_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/fma32"
	"github.com/rectify-go/rectify/internal/noisy"
)

// TestPhilox checks Philox4x32-10 against the known-answer vectors that
// Random123 publishes (its kat_vectors; the same three appear in
// Random123-Boost's test_philox.cpp and TensorFlow's XLA random tests).
func TestPhilox(t *testing.T) {
	for _, c := range []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	} {
		if got := noisy.Philox(c.ctr, c.key); got != c.want {
			t.Errorf("Philox(%08x, %08x) = %08x, want %08x", c.ctr, c.key, got, c.want)
		}
	}
	// The layout: block b's counter is (b, b>>32, 0, 0), the key (seed, seed>>32).
	if got, want := noisy.Block(0x299f31d0a4093822, 0x85a308d3243f6a88),
		noisy.Philox([4]uint32{0x243f6a88, 0x85a308d3, 0, 0}, [2]uint32{0xa4093822, 0x299f31d0}); got != want {
		t.Errorf("Block = %08x, want %08x", got, want)
	}
}

// boxMullerRef is the Box-Muller transform of the words a, b with the
// standard library's log, sin and cos, from the transform's u (the word
// rounded to float32, plus 1/2, times 2^-32, rounded to float32).
func boxMullerRef(a, b uint32) (c, s float64) {
	u := float32(float64(float32(a))*0x1p-32 + 0x1p-33) // exact sum, one rounding
	r := math.Sqrt(-2 * math.Log(float64(u)))
	sn, cs := math.Sincos(2 * math.Pi * float64(b) * 0x1p-32)
	return r * cs, r * sn
}

// TestNoisyTransform measures the distance of the normal transform from
// the exact Box-Muller value (math.Log, math.Sincos) on the extreme words
// and on random ones.
func TestNoisyTransform(t *testing.T) {
	words := []uint32{0, 1, 2, 3, 1 << 29, 1<<29 - 1, 1<<29 + 1, 1 << 30, 1 << 31, 3 << 30, 0xbfffffff,
		0xdfffffff, 0xe0000000, 1<<32 - 2, 1<<32 - 1, 0x5a827999, 0x6a09e667, 0xb504f333, 0xb504f334}
	r := rand.New(rand.NewPCG(1, 2))
	n := 1 << 20
	if testing.Short() {
		n = 1 << 16
	}
	var maxAbs, maxRel float64
	check := func(a, b uint32) {
		c, s := noisy.BoxMuller(a, b)
		rc, rs := boxMullerRef(a, b)
		for _, p := range [][2]float64{{float64(c), rc}, {float64(s), rs}} {
			d := math.Abs(p[0] - p[1])
			maxAbs = max(maxAbs, d)
			if math.Abs(p[1]) > 1e-3 {
				maxRel = max(maxRel, d/math.Abs(p[1]))
			}
		}
	}
	for _, a := range words {
		for _, b := range words {
			check(a, b)
		}
	}
	for range n {
		check(r.Uint32(), r.Uint32())
	}
	t.Logf("max |N - Box-Muller| = %.3g, max relative (|N| > 1e-3) = %.3g", maxAbs, maxRel)
	// float32 arithmetic: r, cos and sin each within a few 2^-24 of their
	// magnitude, |N| < 6.8, so within about two float32 ULPs of 6.8
	// (2^-21 each).
	if maxAbs > 1e-6 {
		t.Errorf("max |N - Box-Muller| = %g, want <= 1e-6", maxAbs)
	}
	// The extremes: u = 2^-33 gives r = sqrt(66 ln 2), within a float32
	// ULP.
	if c, _ := noisy.BoxMuller(0, 0); math.Abs(float64(c)-math.Sqrt(66*math.Ln2)) > 0x1p-21 {
		t.Errorf("BoxMuller(0, 0) = %v, want %v", c, math.Sqrt(66*math.Ln2))
	}
}

// ksCritical001 is the Kolmogorov-Smirnov statistic's asymptotic critical
// value at significance 0.001, times sqrt(n): sqrt(-ln(0.0005)/2).
var ksCritical001 = math.Sqrt(-math.Log(0.0005) / 2)

// normalStats returns the mean, the variance and the Kolmogorov-Smirnov
// distance from the standard normal distribution of v (which it sorts).
func normalStats(v []float64) (mean, variance, ks float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	variance /= float64(len(v) - 1)
	slices.Sort(v)
	n := float64(len(v))
	for i, x := range v {
		f := 0.5 * math.Erfc(-x/math.Sqrt2)
		ks = max(ks, f-float64(i)/n, float64(i+1)/n-f)
	}
	return mean, variance, ks
}

// TestNoisyDistribution checks the normal numbers of 2^20 consecutive
// indices at a few fixed seeds and offsets (deterministic: it cannot
// flake): the mean within 5 standard errors of 0, the variance within 5
// of 1 (its standard error is sqrt(2/n)), and the Kolmogorov-Smirnov
// distance from the standard normal below its critical value at
// significance 0.001.
func TestNoisyDistribution(t *testing.T) {
	n := 1 << 20
	if testing.Short() {
		n = 1 << 18
	}
	v := make([]float64, n)
	for _, c := range []struct{ seed, offset uint64 }{{0, 0}, {1, 1 << 40}, {0x9e3779b97f4a7c15, 1<<64 - 1<<18}} {
		for i := 0; i < n; i += 4 {
			nrm := noisy.Normals(c.seed, c.offset>>2+uint64(i>>2))
			for l, x := range nrm {
				v[i+l] = float64(x)
			}
		}
		mean, variance, ks := normalStats(v)
		se := 1 / math.Sqrt(float64(n))
		t.Logf("seed %#x offset %#x: n=%d mean %.5f variance %.5f KS %.5f (critical %.5f)",
			c.seed, c.offset, n, mean, variance, ks, ksCritical001*se)
		if math.Abs(mean) > 5*se || math.Abs(variance-1) > 5*math.Sqrt2*se || ks > ksCritical001*se {
			t.Errorf("seed %#x: mean %g, variance %g, KS %g (critical %g)", c.seed, mean, variance, ks, ksCritical001*se)
		}
	}
}

// TestNoisyReLURule checks fallback.NoisyReLU element by element against
// its definition: fallback.Sigmoid, the normal number of the index, one
// float32 FMA.
func TestNoisyReLURule(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 1000)
	for i := range x {
		x[i] = float32(4 * r.NormFloat64())
	}
	x[0], x[1], x[2] = float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))
	dst := make([]float32, len(x))
	const seed, offset = 77, 1<<64 - 5
	fallback.NoisyReLU(dst, x, seed, offset)
	s := make([]float32, len(x))
	fallback.Sigmoid(s, x)
	for i := range x {
		j := uint64(offset) + uint64(i)
		nrm := noisy.Normals(seed, j>>2)
		want := fma32.FMA(float32(math.Sqrt(float64(s[i]))), nrm[j&3], x[i])
		if !(want > 0) {
			want = 0
		}
		if math.Float32bits(dst[i]) != math.Float32bits(want) {
			t.Errorf("x=%v index %d: got %v, want %v", x[i], j, dst[i], want)
		}
	}
}
