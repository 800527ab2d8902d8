package ir

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFast checks every kernel's fast sequence (Program.Fast) against its
// full one, instruction by instruction in the interpreter: the same bits
// for a sweep of every 1021st float32 of magnitude at most FastBound, the
// bound and its neighbours inside, ±0 and subnormals, and random values in
// range; the same inputs, parameters and shape otherwise. A second input
// and alpha take values inside FastYMin..FastYMax and FastAlphaMin..
// FastAlphaMax where the kernel bounds them.
func TestFast(t *testing.T) {
	for _, k := range Kernels {
		f := k.Fast
		if f == nil {
			continue
		}
		t.Run(k.Name, func(t *testing.T) {
			if _, err := Analyze(f); err != nil {
				t.Fatal(err)
			}
			if f.Inputs() != k.Inputs() || len(f.Params) != len(k.Params) || f.Row || f.Repeat {
				t.Fatalf("fast sequence %s: %d inputs, params %v; the kernel's %d, %v (the same; no rows, no repeat)",
					f.Name, f.Inputs(), f.Params, k.Inputs(), k.Params)
			}
			all := math.IsInf(float64(k.FastBound), 1) // every input (FastFinite)
			if !(k.FastBound > 0) || all && !k.FastFinite {
				t.Fatalf("FastBound %v", k.FastBound)
			}
			top := math.Float32bits(k.FastBound)
			var xs []float32
			step := uint32(1021)
			if k.Inputs() == 2 { // and with ten values of dy
				step = 4093
			}
			for b := uint32(0); b <= top; b += step {
				xs = append(xs, math.Float32frombits(b))
			}
			for b := range uint32(64) {
				xs = append(xs, math.Float32frombits(b), math.Float32frombits(top-b))
			}
			r := rand.New(rand.NewPCG(1, 2))
			for range 1 << 14 {
				xs = append(xs, min(k.FastBound, math.MaxFloat32)*float32(r.Float64()))
			}
			if all {
				xs = append(xs, float32(math.NaN()), math.Float32frombits(0x7fa01234), math.Float32frombits(0xffc05678))
			}
			alphas := k.Alphas
			if len(k.Params) == 0 {
				alphas = []float32{0}
			}
			switch {
			case k.FastAlphaMax > 0: // any alpha of magnitude in range
				alphas = []float32{k.FastAlphaMin, -k.FastAlphaMax, 1, -0.5, 3.7}
			case k.FastFinite: // any finite nonzero alpha
				alphas = append(alphas[:len(alphas):len(alphas)], 0x1p-149, -0x1p-149, -3e38, 1, -0.5)
			}
			// A gradient's second input, dy, takes these values in turn,
			// the special ones included (the fast sequence keeps dy's NaN
			// rule).
			dys := []float32{1, -0.37, 1e-30, -3e38, float32(math.Copysign(0, -1)), float32(math.NaN()),
				float32(math.Inf(1)), math.Float32frombits(0x7f800001), 0x1p-149, 2.5}
			if k.FastYMax > 0 { // dy's magnitude in [FastYMin, FastYMax] only
				dys = []float32{1, -0.37, 2.5, k.FastYMin, -k.FastYMax, -k.FastYMin * 1.5, k.FastYMax / 3}
			}
			bad := 0
			for _, a := range alphas {
				for i, v := range xs {
					for _, x := range [2]float32{v, -v} {
						in := []float32{x, dys[i%len(dys)]}[:k.Inputs()]
						got := EvalLane(f, in, a)
						want := EvalLane(k.Program, in, a)
						if math.Float32bits(got) != math.Float32bits(want) {
							if bad++; bad <= 5 {
								t.Errorf("alpha %v, inputs %v (x %#08x): fast %#08x, full %#08x", a, in, math.Float32bits(x),
									math.Float32bits(got), math.Float32bits(want))
							}
						}
					}
				}
			}
		})
	}
}
