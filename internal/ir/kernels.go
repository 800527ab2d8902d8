package ir

import (
	"math"

	"github.com/rectify-go/rectify/kernels"
)

// A Kernel is one elementwise kernel of the public API: dst[i] = f(x[i]),
// or f(x[i], y[i]) for a Program with two inputs, with at most one float32
// parameter. Kernels is the one list of them: the generators emit the
// assembly, the Go declarations and the dispatch tables from it, and every
// test and benchmark iterates over it.
type Kernel struct {
	*Program
	// Cutoff is the length below which the public function calls the Go
	// kernel directly: for fewer elements the assembly call costs more
	// than SIMD saves. Each is the smallest length from which the
	// assembly (AVX-512 and AVX2, through the public function built with
	// every Cutoff 1) took no longer than the Go kernel at each length
	// measured, 1..8, 10, 12, 14 and 16 (bench/ -sizes, medians of 5, AMD
	// Turin, 2026-12-01; ELUGrad's, SELUGrad's and ExpGrad's again, medians
	// of 6, 2026-12-04, after their Go kernels took float32 FMAs; every
	// gradient's again, medians of 5 and of 8 rounds' ratios, 2026-12-04,
	// after their Go kernels lost their calls per element). The
	// generic level calls the Go kernel at every length (no chunks for a
	// preemptible Go loop).
	Cutoff int
	// CutoffAVX2 replaces Cutoff on the AVX2 level where it is larger:
	// the smallest length from which the AVX2 kernel took no longer than
	// the Go kernel at each length measured, 1..8, 10, 12, 14, 16, 20 and
	// 24 (medians of 6, AMD EPYC Zen 3 without AVX-512, 2026-12-02, with
	// the Go kernels of then: the gradients' have become faster since,
	// and no such machine was at hand to measure again); 0: Cutoff.
	CutoffAVX2 int
	// Ref is the true value of f at x (and second input y; one-input
	// kernels ignore it) for parameter a, in float64 (the accuracy tests'
	// reference). Exact kernels must match it exactly; the others within
	// 1 ULP.
	Ref   func(x, y, a float32) float64
	Exact bool
	// Alphas are the parameters of the accuracy sweep (nil: no parameter);
	// the benchmarks pass the first.
	Alphas []float32
	// Hard are input ranges [lo, hi] where the error peaks; the default
	// tests sample them densely at random parameters in [0.01, 10].
	Hard [][2]float32
	// Channels is, for a two-input kernel whose public function repeats
	// its second input along x (PReLU's slope, one value per channel of
	// channels-last data: len(x) a multiple of len(y) > 0), the number of
	// channels the benchmarks pass. It is 0 where the public function's y
	// has len(x) elements, and for one-input kernels.
	Channels int
	// Naive is the loop a user writes today with package math, the
	// benchmarks' baseline; one-input kernels ignore y.
	Naive func(dst, x, y []float32, a float32)
	// Stream marks a kernel whose public function runs slices of at least
	// package rectify's streamMin elements through a streaming variant on
	// amd64: its loops store with non-temporal
	// stores, which write the result to memory without first reading
	// dst's lines into the cache, a third of the memory traffic of a slice
	// that does not fit in the cache. It pays where the kernel is
	// memory-bound there (measured with bench's 16Mi sizes), and slows a
	// slice that fits.
	Stream bool
	// Grad marks a gradient kernel, dx = dy * f'(x) with dy the second
	// input: the exhaustive sweep pairs every x with dy = 1, the sampled
	// one with dy of every scale (1, random in [-1, 1], 1e-30, 1e30), and a
	// NaN x gives x quieted, whether the kernel is Exact or not.
	Grad bool
}

// Kernels lists every kernel in API order.
var Kernels = []*Kernel{
	{Program: reluProgram(), Cutoff: 12, CutoffAVX2: 20, Exact: true, Stream: true,
		Ref: func(x, _, _ float32) float64 {
			if x < 0 {
				return 0
			}
			return float64(x)
		},
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				if v < 0 {
					dst[i] = 0
				} else {
					dst[i] = v
				}
			}
		}},
	{Program: leakyReLUProgram(), Cutoff: 8, CutoffAVX2: 12, Exact: true, Stream: true, Alphas: []float32{0.01},
		Ref: func(x, _, a float32) float64 {
			if x < 0 {
				return float64(a * x)
			}
			return float64(x)
		},
		Naive: func(dst, x, _ []float32, a float32) {
			for i, v := range x {
				if v < 0 {
					dst[i] = a * v
				} else {
					dst[i] = v
				}
			}
		}},
	// Its Cutoff was measured with one row of n channels: at n = 6 and 7
	// the Go kernel took 20-40 ns from run to run, the assembly 25-33; at
	// 8, 22-26 both.
	{Program: preluProgram(), Cutoff: 8, Exact: true, Stream: true, Channels: 64,
		Ref: func(x, y, _ float32) float64 {
			if x < 0 {
				return float64(y * x)
			}
			return float64(x)
		},
		Naive: func(dst, x, slope []float32, _ float32) {
			for r := 0; r < len(x); r += len(slope) {
				for j, v := range x[r : r+len(slope)] {
					if v < 0 {
						dst[r+j] = slope[j] * v
					} else {
						dst[r+j] = v
					}
				}
			}
		}},
	{Program: eluProgram(), Cutoff: 1, Stream: true, Alphas: []float32{1, 0.01, 0.2, 1.6732632, 10},
		// The polynomial's error peaks near -ln2/2 (x in [-0.5, -0.2]);
		// the clamp is where the result saturates to -alpha.
		Hard: [][2]float32{{-0.5, -0.2}, {kernels.ELUClamp * 1.01, kernels.ELUClamp * 0.99}},
		Ref: func(x, _, a float32) float64 {
			if !(x < 0) {
				return float64(x)
			}
			return float64(a) * math.Expm1(float64(x))
		},
		Naive: func(dst, x, _ []float32, a float32) {
			for i, v := range x {
				if v > 0 {
					dst[i] = v
				} else {
					dst[i] = float32(float64(a) * math.Expm1(float64(v)))
				}
			}
		}},
	{Program: softplusProgram(), Cutoff: 1,
		Ref: func(x, _, _ float32) float64 {
			// Written so that it neither overflows nor loses tiny results.
			if v := float64(x); v > 0 {
				return v + math.Log1p(math.Exp(-v))
			}
			return math.Log1p(math.Exp(float64(x)))
		},
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				dst[i] = float32(math.Log1p(math.Exp(float64(v))))
			}
		}},
	{Program: sigmoidProgram(), Cutoff: 1,
		Ref: func(x, _, _ float32) float64 { return 1 / (1 + math.Exp(-float64(x))) },
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		}},
	{Program: seluProgram(), Cutoff: 1, Stream: true,
		Ref: func(x, _, _ float32) float64 {
			if !(x < 0) {
				return kernels.SELULambda * float64(x)
			}
			return kernels.SELULambda * kernels.SELUAlpha * math.Expm1(float64(x))
		},
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				if v > 0 {
					dst[i] = float32(kernels.SELULambda * float64(v))
				} else {
					dst[i] = float32(kernels.SELULambda * kernels.SELUAlpha * math.Expm1(float64(v)))
				}
			}
		}},
	{Program: tanhProgram(), Cutoff: 1,
		Ref: func(x, _, _ float32) float64 { return math.Tanh(float64(x)) },
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				dst[i] = float32(math.Tanh(float64(v)))
			}
		}},
	{Program: siluProgram(), Cutoff: 1,
		Ref: func(x, _, _ float32) float64 {
			if math.IsInf(float64(x), -1) {
				return math.Copysign(0, -1) // not -Inf/Inf
			}
			return float64(x) / (1 + math.Exp(-float64(x)))
		},
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				dst[i] = v / (1 + float32(math.Exp(float64(-v))))
			}
		}},
	{Program: geluProgram(), Cutoff: 1,
		Ref: func(x, _, _ float32) float64 {
			v := float64(x)
			if math.IsInf(v, -1) {
				return math.Copysign(0, -1) // the limit; the formula gives -Inf*0
			}
			return 0.5 * v * math.Erfc(-v/math.Sqrt2)
		},
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				w := float64(v)
				dst[i] = float32(0.5 * w * math.Erfc(-w/math.Sqrt2))
			}
		}},
	{Program: geluTanhProgram(), Cutoff: 1,
		Ref: func(x, _, _ float32) float64 {
			v := float64(x)
			if math.IsInf(v, -1) {
				return math.Copysign(0, -1) // not -Inf/Inf
			}
			u2 := v * (2*math.Sqrt(2/math.Pi) + 2*0.044715*math.Sqrt(2/math.Pi)*v*v)
			return v / (1 + math.Exp(-u2))
		},
		// The formula as ports of GPT-2 and BERT write it.
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				dst[i] = 0.5 * v * (1 + float32(math.Tanh(math.Sqrt(2/math.Pi)*float64(v+0.044715*v*v*v))))
			}
		}},
	{Program: expProgram(), Cutoff: 1, Stream: true,
		Ref: func(x, _, _ float32) float64 { return math.Exp(float64(x)) },
		Naive: func(dst, x, _ []float32, _ float32) {
			for i, v := range x {
				dst[i] = float32(math.Exp(float64(v)))
			}
		}},
	// The gradient kernels, dx = dy * f'(x) (internal/ir/grad.go has their
	// Programs).
	{Program: reluGradProgram(), Cutoff: 8, Exact: true, Stream: true, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			if x > 0 {
				return float64(dy)
			}
			return float64(dy) * 0
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				if v > 0 {
					dx[i] = dy[i]
				} else {
					dx[i] = 0
				}
			}
		}},
	{Program: leakyReLUGradProgram(), Cutoff: 8, Exact: true, Stream: true, Grad: true, Alphas: []float32{0.01},
		Ref: func(x, dy, a float32) float64 {
			if x > 0 {
				return float64(dy)
			}
			return float64(dy) * float64(a)
		},
		Naive: func(dx, x, dy []float32, a float32) {
			for i, v := range x {
				if v > 0 {
					dx[i] = dy[i]
				} else {
					dx[i] = a * dy[i]
				}
			}
		}},
	{Program: sigmoidGradProgram(), Cutoff: 4, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			e := math.Exp(-math.Abs(float64(x)))
			return float64(dy) * (e / ((1 + e) * (1 + e)))
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				s := 1 / (1 + math.Exp(-float64(v)))
				dx[i] = float32(float64(dy[i]) * s * (1 - s))
			}
		}},
	{Program: tanhGradProgram(), Cutoff: 4, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			e := math.Exp(-2 * math.Abs(float64(x)))
			return float64(dy) * (4 * e / ((1 + e) * (1 + e)))
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				t := math.Tanh(float64(v))
				dx[i] = float32(float64(dy[i]) * (1 - t*t))
			}
		}},
	{Program: siluGradProgram(), Cutoff: 3, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			v := float64(x)
			var g float64
			switch {
			case math.IsInf(v, 1):
				g = 1
			case math.IsInf(v, -1):
				g = 0
			case v < 0:
				e := math.Exp(v)
				g = e * ((1 + v) + e) / ((1 + e) * (1 + e))
			default:
				e := math.Exp(-v)
				g = (1 + e + v*e) / ((1 + e) * (1 + e))
			}
			return float64(dy) * g
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				w := float64(v)
				s := 1 / (1 + math.Exp(-w))
				dx[i] = float32(float64(dy[i]) * s * (1 + w*(1-s)))
			}
		}},
	{Program: eluGradProgram(), Cutoff: 2, CutoffAVX2: 3, Stream: true, Grad: true, Alphas: []float32{1, 0.01, 0.2, 1.6732632, 10},
		Ref: func(x, dy, a float32) float64 {
			switch {
			case x > 0:
				return float64(dy)
			case math.IsInf(float64(x), -1):
				return float64(dy) * 0
			}
			return float64(dy) * (float64(a) * math.Exp(float64(x)))
		},
		Naive: func(dx, x, dy []float32, a float32) {
			for i, v := range x {
				if v > 0 {
					dx[i] = dy[i]
				} else {
					dx[i] = float32(float64(dy[i]) * float64(a) * math.Exp(float64(v)))
				}
			}
		}},
	{Program: seluGradProgram(), Cutoff: 2, CutoffAVX2: 3, Stream: true, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			switch {
			case x > 0:
				return float64(dy) * kernels.SELULambda
			case math.IsInf(float64(x), -1):
				return float64(dy) * 0
			}
			return float64(dy) * (kernels.SELULambda * kernels.SELUAlpha * math.Exp(float64(x)))
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				if v > 0 {
					dx[i] = float32(float64(dy[i]) * kernels.SELULambda)
				} else {
					dx[i] = float32(float64(dy[i]) * kernels.SELULambda * kernels.SELUAlpha * math.Exp(float64(v)))
				}
			}
		}},
	{Program: softplusGradProgram(), Cutoff: 3, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			v := float64(x)
			if v < 0 {
				e := math.Exp(v)
				return float64(dy) * (e / (1 + e))
			}
			return float64(dy) / (1 + math.Exp(-v))
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				dx[i] = float32(float64(dy[i]) / (1 + math.Exp(-float64(v))))
			}
		}},
	{Program: geluTanhGradProgram(), Cutoff: 2, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			v := float64(x)
			k1, k2 := 2*math.Sqrt(2/math.Pi), 2*0.044715*math.Sqrt(2/math.Pi)
			var g float64
			switch {
			case v > 30:
				g = 1
			case v < -30:
				g = 0 // e^(2u) < e^-1900: the derivative rounds to 0 times any dy
			case v < 0:
				e := math.Exp(v * (k1 + k2*v*v))
				g = e * ((1 + v*(k1+3*k2*v*v)) + e) / ((1 + e) * (1 + e))
			default:
				e := math.Exp(-v * (k1 + k2*v*v))
				g = (1 + e + v*(k1+3*k2*v*v)*e) / ((1 + e) * (1 + e))
			}
			return float64(dy) * g
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				w := float64(v)
				c := math.Sqrt(2 / math.Pi)
				t := math.Tanh(c * (w + 0.044715*w*w*w))
				dx[i] = float32(float64(dy[i]) * (0.5*(1+t) + 0.5*w*(1-t*t)*c*(1+3*0.044715*w*w)))
			}
		}},
	{Program: geluGradProgram(), Cutoff: 2, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			v := float64(x)
			switch {
			case math.IsInf(v, 1):
				return float64(dy)
			case math.IsInf(v, -1):
				return float64(dy) * 0
			}
			return float64(dy) * (0.5*math.Erfc(-v/math.Sqrt2) + v*math.Exp(-v*v/2)/math.Sqrt(2*math.Pi))
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				w := float64(v)
				dx[i] = float32(float64(dy[i]) * (0.5*math.Erfc(-w/math.Sqrt2) + w*math.Exp(-w*w/2)/math.Sqrt(2*math.Pi)))
			}
		}},
	{Program: expGradProgram(), Cutoff: 1, CutoffAVX2: 3, Stream: true, Grad: true,
		Ref: func(x, dy, _ float32) float64 {
			if math.IsInf(float64(x), 1) {
				return float64(dy) * math.Inf(1)
			}
			// Beyond 709 any dy but 0 overflows float32 either way.
			return float64(dy) * math.Exp(min(float64(x), 709))
		},
		Naive: func(dx, x, dy []float32, _ float32) {
			for i, v := range x {
				dx[i] = dy[i] * float32(math.Exp(float64(v)))
			}
		}},
}
