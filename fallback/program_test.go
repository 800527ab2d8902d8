package fallback_test

import (
	"math"
	"testing"

	"github.com/rectify-go/rectify/internal/api"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/internal/testutil"
)

// TestMatchesProgram checks that each fast Go kernel runs exactly the
// operation sequence of its ir.Program, bit for bit.
func TestMatchesProgram(t *testing.T) {
	var x []float32
	for b := uint64(0); b < 1<<32; b += 65521 {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	x = append(x, testutil.Special()...)
	dst := make([]float32, len(x))
	for i, k := range ir.Kernels {
		p, f := k.Program, api.Fallback[i]
		for _, alpha := range testutil.Alphas {
			f(dst, x, alpha)
			bad := 0
			for i, v := range x {
				want := ir.EvalLane(p, []float32{v}, alpha)
				if math.Float32bits(dst[i]) != math.Float32bits(want) {
					if bad++; bad <= 5 {
						t.Errorf("%s(%#08x, alpha=%g) = %#08x, program gives %#08x", p.Name,
							math.Float32bits(v), alpha, math.Float32bits(dst[i]), math.Float32bits(want))
					}
				}
			}
			if len(p.Params) == 0 {
				break
			}
		}
	}
}
