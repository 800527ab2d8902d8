package fallback_test

import (
	"math"
	"testing"

	"github.com/rectify-go/rectify/internal/api"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// TestMatchesProgram checks that each fast Go kernel runs exactly the
// operation sequence of its ir.Program, bit for bit; a two-input kernel
// with a second input of len(x) elements and, where it repeats the second
// input along x (Channels), with rows of a few elements.
func TestMatchesProgram(t *testing.T) {
	var x []float32
	for b := uint64(0); b < 1<<32; b += 65521 {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	x = append(x, testutil.Special()...)
	x = x[:len(x)/12*12]
	ys := testutil.Second(len(x), 8)
	dst := make([]float32, len(x))
	for i, k := range ir.Kernels {
		p, f := k.Program, api.Fallback[i]
		rows := []int{0} // no second input
		switch {
		case k.Channels > 0:
			rows = []int{len(x), 1, 3, 12}
		case p.Inputs() == 2:
			rows = []int{len(x)}
		}
		for _, alpha := range testutil.Alphas {
			for _, c := range rows {
				y := ys[:c]
				f(dst, x, y, alpha)
				bad := 0
				for i, v := range x {
					in := []float32{v, 0}
					if c > 0 {
						in[1] = y[i%c]
					}
					want := ir.EvalLane(p, in, alpha)
					if math.Float32bits(dst[i]) != math.Float32bits(want) {
						if bad++; bad <= 5 {
							t.Errorf("%s(%#08x, %#08x, alpha=%g) = %#08x, program gives %#08x", p.Name,
								math.Float32bits(v), math.Float32bits(in[1]), alpha, math.Float32bits(dst[i]), math.Float32bits(want))
						}
					}
				}
			}
			if len(p.Params) == 0 {
				break
			}
		}
	}
}
