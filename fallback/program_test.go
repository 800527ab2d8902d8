package fallback_test

import (
	"math"
	"testing"

	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/testutil"
	"github.com/rectify-go/rectify/kernels"
)

// kernelFunc adapts every fallback kernel to one signature.
type kernelFunc func(dst, x []float32, alpha float32)

var fallbacks = map[string]kernelFunc{
	"ReLU":      func(d, x []float32, _ float32) { fallback.ReLU(d, x) },
	"LeakyReLU": fallback.LeakyReLU,
	"ELU":       fallback.ELU,
	"Softplus":  func(d, x []float32, _ float32) { fallback.Softplus(d, x) },
	"Sigmoid":   func(d, x []float32, _ float32) { fallback.Sigmoid(d, x) },
}

// TestMatchesProgram checks that each fast Go kernel runs exactly the
// operation sequence of its kernels.Program, bit for bit.
func TestMatchesProgram(t *testing.T) {
	var x []float32
	for b := uint64(0); b < 1<<32; b += 65521 {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	x = append(x, testutil.Special()...)
	dst := make([]float32, len(x))
	for _, p := range kernels.Programs() {
		f := fallbacks[p.Name]
		for _, alpha := range testutil.Alphas {
			f(dst, x, alpha)
			bad := 0
			for i, v := range x {
				want := kernels.EvalLane(p, v, alpha)
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
