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
// range; the same inputs, parameters and shape otherwise.
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
			if f.Inputs() != 1 || k.Inputs() != 1 || len(f.Params) != len(k.Params) || f.Row || f.Repeat {
				t.Fatalf("fast sequence %s: %d inputs, params %v; the kernel's %d, %v (one input, no rows, no repeat)",
					f.Name, f.Inputs(), f.Params, k.Inputs(), k.Params)
			}
			if !(k.FastBound > 0) || math.IsInf(float64(k.FastBound), 0) {
				t.Fatalf("FastBound %v", k.FastBound)
			}
			top := math.Float32bits(k.FastBound)
			var xs []float32
			for b := uint32(0); b <= top; b += 1021 {
				xs = append(xs, math.Float32frombits(b))
			}
			for b := range uint32(64) {
				xs = append(xs, math.Float32frombits(b), math.Float32frombits(top-b))
			}
			r := rand.New(rand.NewPCG(1, 2))
			for range 1 << 14 {
				xs = append(xs, k.FastBound*float32(r.Float64()))
			}
			alphas := k.Alphas
			if len(k.Params) == 0 {
				alphas = []float32{0}
			}
			bad := 0
			for _, a := range alphas {
				for _, v := range xs {
					for _, x := range [2]float32{v, -v} {
						got := EvalLane(f, []float32{x}, a)
						want := EvalLane(k.Program, []float32{x}, a)
						if math.Float32bits(got) != math.Float32bits(want) {
							if bad++; bad <= 5 {
								t.Errorf("alpha %v, x %v (%#08x): fast %#08x, full %#08x", a, x, math.Float32bits(x),
									math.Float32bits(got), math.Float32bits(want))
							}
						}
					}
				}
			}
		})
	}
}
