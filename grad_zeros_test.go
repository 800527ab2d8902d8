package rectify

import (
	"math"
	"testing"

	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/testutil"
)

// gradZero is a gradient kernel whose f' crosses zero at x0 = hi + lo
// (computed with mpmath at 300 bits), where f' = dy*f'(x) cancels in its
// sequence, and f2, the second derivative of f, which has no zero nearby.
type gradZero struct {
	k      kernelID
	hi, lo float64
	f2     func(t float64) float64
}

// gradZeros lists the kernels of gradZero.
var gradZeros = []gradZero{
	// GELU'' = phi(t)*(2 - t²).
	{kGELUGrad, -0x1.80ead197f00b4p-1, 0x1.13e74c58cada8p-56, func(t float64) float64 {
		return math.Exp(-t*t/2) / math.Sqrt(2*math.Pi) * (2 - t*t)
	}},
	// SiLU'' = s(1-s)(2 + t(1-2s)), s = sigmoid(t); the zero of 1 + t + e^t.
	{kSiLUGrad, -0x1.474973c84120bp+0, -0x1.f8d74bc9ac154p-54, func(t float64) float64 {
		s := 1 / (1 + math.Exp(-t))
		return s * (1 - s) * (2 + t*(1-2*s))
	}},
	// GELUTanh'' = s(1-s)(2v' + t*v'' + t*v'²(1-2s)), s = sigmoid(v), v =
	// t*(K1 + K2*t²).
	{kGELUTanhGrad, -0x1.81429f9e97e4dp-1, 0x1.4f523ed77dbdcp-55, func(t float64) float64 {
		k1 := 2 * math.Sqrt(2/math.Pi)
		k2 := 2 * 0.044715 * math.Sqrt(2/math.Pi)
		v, v1, v2 := t*(k1+k2*t*t), k1+3*k2*t*t, 6*k2*t
		s := 1 / (1 + math.Exp(-v))
		return s * (1 - s) * (2*v1 + t*v2 + t*v1*v1*(1-2*s))
	}},
}

// derivative returns f'(x) as the integral of f2 from x0 (Simpson's rule
// on 32 intervals), relative error far below 2^-30 within 1/3 of x0, also
// next to the zero, where Phi(x) + x*phi(x) and its like cancel in float64.
func (z gradZero) derivative(x float32) float64 {
	s := (float64(x) - z.hi) - z.lo // x - hi exact near x0
	const n = 32
	h := s / n
	// The nodes x0 + i*h as float64 (x0 rounds to hi): f2 does not mind.
	sum := z.f2(z.hi) + z.f2(z.hi+s)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * z.f2(z.hi+float64(i)*h)
	}
	return sum * h / 3
}

// TestGradZeros checks the gradients around the zeros of their f', where
// their sequences switch to a polynomial (GELUGrad) or rely on an exact
// sum (SiLUGrad, GELUTanhGrad): every float32 within 2^-12 of the zero and
// every 61st (1021st with -short) within 1/4 of it, with dy of every
// scale (gradDy), within 1 ULP of dy*f'(x) from an independent reference
// (derivative), and every path bit-identical to the fallback.
func TestGradZeros(t *testing.T) {
	stride := uint32(61)
	if testing.Short() {
		stride = 1021
	}
	for _, z := range gradZeros {
		t.Run(kernelNames[z.k], func(t *testing.T) {
			var x []float32
			near, far := float32(z.hi+0x1p-12), float32(z.hi+0.25)
			for b := math.Float32bits(float32(z.hi - 0.25)); b > math.Float32bits(far); b-- {
				v := math.Float32frombits(b)
				if v <= near && v >= float32(z.hi-0x1p-12) || b%stride == 0 {
					x = append(x, v)
				}
			}
			dy := make([]float32, len(x))
			for i, v := range x {
				dy[i] = gradDy(math.Float32bits(v))
			}
			want, got := make([]float32, len(x)), make([]float32, len(x))
			call(dispatch.Generic, z.k, want, x, dy, 0)
			worst, at := 0.0, float32(0)
			for i, v := range x {
				if e := testutil.ULP(want[i], float64(dy[i])*z.derivative(v)); e > worst {
					worst, at = e, v
				}
			}
			t.Logf("%d inputs in [%g, %g]: max %.4f ULP at x = %g", len(x), x[0], x[len(x)-1], worst, at)
			if worst > 1 {
				t.Errorf("max error %.4f ULP at x = %g (%#08x), bound 1 ULP", worst, at, math.Float32bits(at))
			}
			for _, l := range dispatch.Supported() {
				call(l, z.k, got, x, dy, 0)
				for i := range x {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v: x = %g, dy = %g: %#08x, the fallback %#08x", l, x[i], dy[i],
							math.Float32bits(got[i]), math.Float32bits(want[i]))
					}
				}
			}
		})
	}
}
