// Package testutil holds what rectify's tests share: the special inputs,
// the parameters, the ULP measure and guarded buffers. Only tests import
// it; the float64 references are in internal/ir.Kernels.
package testutil

import (
	"math"
	"math/rand/v2"
)

// Alphas are the parameters that kernels with one are tested with: the
// documented range [0.01, 10], values inside it, and values outside it.
var Alphas = []float32{1, 0.01, 0.2, 1.6732632, 10, 0, -1, 3e38, 1e-30,
	float32(math.Inf(1)), float32(math.NaN()), float32(math.Copysign(0, -1)), float32(math.Inf(-1)),
	math.Float32frombits(0xffa01234)} // a signalling NaN with a payload

// Special returns the inputs every kernel is tested on: ±0, ±Inf, quiet and
// signalling NaNs with payloads, subnormals, the normal extremes, and each
// kernel's thresholds a few ULP either side.
func Special() []float32 {
	var v []float32
	for _, b := range []uint32{
		0x00000000, 0x80000000, // ±0
		0x7f800000, 0xff800000, // ±Inf
		0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd00001, // quiet NaNs
		0x7f800001, 0xff800001, 0x7fa00000, 0xffbfffff, // signalling NaNs
		0x00000001, 0x80000001, 0x007fffff, 0x807fffff, // subnormals
		0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, // min normal, max
	} {
		v = append(v, math.Float32frombits(b))
	}
	for _, t := range []float32{
		1, 0.5, 0x1p-12, 0x1p-24, 0x1p-25, 0x1p-126,
		0.34657359, // ln2/2, the edge of the reduced range
		14.556091,  // log1p(exp(x)) rounds to x from here
		17.32868,   // expm1 rounds to -1, 1/(1+exp(-x)) to 1
		32,         // clamp of expm1 (kernels.ELUClamp)
		87.33655,   // exp(-x) becomes subnormal
		88.72284,   // exp overflows float32
		103.972084, // exp(-x) rounds to 0
		104,        // clamp of exp (kernels.ExpClamp)
		1e30, 3e38,
	} {
		for _, s := range []float32{t, -t} {
			b := math.Float32bits(s)
			for d := uint32(0); d < 4; d++ {
				v = append(v, math.Float32frombits(b+d), math.Float32frombits(b-d))
			}
		}
	}
	return v
}

// Second returns n second inputs for the two-input kernels (PReLU's
// slopes): the parameters Alphas, so that each special value meets the
// inputs, interleaved with random bit patterns from seed.
func Second(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	y := make([]float32, n)
	for i := range y {
		if i%2 == 0 {
			y[i] = Alphas[i/2%len(Alphas)]
		} else {
			y[i] = math.Float32frombits(r.Uint32())
		}
	}
	return y
}

// ULP returns |got - ref| in units of the float32 spacing at |ref| (the
// spacing of subnormals below the smallest normal). Results that agree on
// NaN, or on an infinity, are 0 ULP off, and so is an infinite got where
// ref overflows float32; otherwise an infinite got counts as 2^128, the
// value it rounds from, and an infinite ref with a finite got is +Inf.
func ULP(got float32, ref float64) float64 {
	g := float64(got)
	switch {
	case math.IsNaN(ref) || math.IsNaN(g):
		if math.IsNaN(ref) && math.IsNaN(g) {
			return 0
		}
		return math.Inf(1)
	case math.IsInf(g, 0) && !math.IsInf(ref, 0):
		if float32(ref) == got {
			return 0 // ref overflows float32: +-Inf is its rounding
		}
		g = math.Copysign(0x1p128, g) // the value an overflow stands for
	case math.IsInf(ref, 0):
		if g == ref {
			return 0
		}
		return math.Inf(1)
	}
	a := math.Abs(ref)
	if a > math.MaxFloat32 {
		a = math.MaxFloat32
	}
	spacing := 0x1p-149
	if a >= 0x1p-126 {
		_, e := math.Frexp(a) // a = f * 2^e, f in [0.5, 1)
		spacing = math.Ldexp(1, e-24)
	}
	return math.Abs(g-ref) / spacing
}

// GuardedPair returns the x and dst of a kernel test with n elements: x
// holds src[:n] and touches an inaccessible page at its start (atStart) or
// end, dst at the other end. free releases both; ok is false where there
// are no guard pages.
func GuardedPair(src []float32, n int, atStart bool) (x, dst []float32, free func(), ok bool) {
	x, freeX, ok := Guarded(n, atStart)
	if !ok {
		return nil, nil, func() {}, false
	}
	dst, freeDst, _ := Guarded(n, !atStart)
	copy(x, src)
	return x, dst, func() { freeX(); freeDst() }, true
}

// BenchInput fills x with normal deviates times 4 from a seed fixed per
// length: random signs (half negative, so branchy loops mispredict) over
// the range where the exp kernels do real work. The benchmarks of bench/
// and bench/peers time every kernel on it.
func BenchInput(x []float32) {
	r := rand.New(rand.NewPCG(0x5eed, uint64(len(x))))
	for i := range x {
		x[i] = float32(4 * r.NormFloat64())
	}
}
