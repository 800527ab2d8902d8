package rectify

import (
	"github.com/rectify-go/rectify/fallback"
	"github.com/rectify-go/rectify/internal/check"
	"github.com/rectify-go/rectify/internal/dispatch"
)

// The gradient functions set dx[i] = dy[i] * f'(x[i]) from the forward
// input x and the incoming gradient dy. Those that compute (all but
// ReLUGrad and LeakyReLUGrad) evaluate f'(x) in float64 and round the
// product with dy once to float64, then to float32.
//
// NaNs, on every path: a NaN x gives x quieted (bits | 0x00400000); else a
// NaN dy gives dy quieted; else a NaN product (dy infinite where f'(x) is
// 0, or alpha NaN) gives the quiet NaN 0x7fc00000.
//
// dx, x and dy must have the same length, else the call panics naming the
// lengths; dx may be x or dy itself, but any other overlap of dx with x or
// dy panics (x and dy may overlap each other).

// grad runs the gradient kernel k: the fallback below its cut-off, else
// the kernel of the level in use.
func grad(k kernelID, dx, x, dy []float32, alpha float32) {
	check.Grad(kernelNames[k], dx, x, dy)
	runAt(dispatch.Selected(), k, dx, x, dy, alpha)
}

// ReLUGrad sets dx[i] = x[i] > 0 ? dy[i] : 0*dy[i] for every i: ReLU'(0)
// is 0, as in PyTorch. It is exact (one float32 multiplication by 1 or
// +0): dy passes unchanged where x > 0; where x <= 0 the result is a zero
// of dy's sign, and the canonical NaN for an infinite dy.
func ReLUGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kReLUGrad) {
		fallback.ReLUGrad(dx, x, dy)
		return
	}
	grad(kReLUGrad, dx, x, dy, 0)
}

// LeakyReLUGrad sets dx[i] = dy[i] * (x[i] > 0 ? 1 : alpha) for every i:
// LeakyReLU'(0) is alpha, as in PyTorch. It is exact: one float32
// multiplication rounded to nearest even, for any finite or infinite
// alpha.
func LeakyReLUGrad(dx, x, dy []float32, alpha float32) {
	if len(x) < cutoff(kLeakyReLUGrad) {
		fallback.LeakyReLUGrad(dx, x, dy, alpha)
		return
	}
	grad(kLeakyReLUGrad, dx, x, dy, alpha)
}

// SigmoidGrad sets dx[i] = dy[i] * s(1 - s), s = sigmoid(x[i]), for every
// i, computed as e/(1+e)^2 with e = exp(-|x|).
//
// Every result is within 1 ULP of dy*f'(x) (measured maximum 0.5422 ULP
// over all 2^32 x with dy = 1). ±0 gives dy/4; ±Inf gives dy*0 (a NaN for
// an infinite dy); tiny products are computed, not flushed.
func SigmoidGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kSigmoidGrad) {
		fallback.SigmoidGrad(dx, x, dy)
		return
	}
	grad(kSigmoidGrad, dx, x, dy, 0)
}

// TanhGrad sets dx[i] = dy[i] * (1 - tanh(x[i])^2) for every i, computed
// as 4e/(1+e)^2 with e = exp(-2|x|).
//
// Every result is within 1 ULP of dy*f'(x) (measured maximum 0.5422 ULP
// over all 2^32 x with dy = 1). ±0 gives dy; ±Inf gives dy*0 (a NaN for
// an infinite dy).
func TanhGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kTanhGrad) {
		fallback.TanhGrad(dx, x, dy)
		return
	}
	grad(kTanhGrad, dx, x, dy, 0)
}

// SiLUGrad sets dx[i] = dy[i] * s(1 + x(1 - s)), s = sigmoid(x), x =
// x[i], for every i: the derivative of SiLU.
//
// Every result is within 1 ULP of dy*f'(x) (measured maximum 0.5000 ULP
// over all 2^32 x with dy = 1), also around x = -1.2785, where f' crosses
// zero. ±0 gives dy/2; +Inf gives dy; -Inf gives dy*0 (a NaN for an
// infinite dy).
func SiLUGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kSiLUGrad) {
		fallback.SiLUGrad(dx, x, dy)
		return
	}
	grad(kSiLUGrad, dx, x, dy, 0)
}

// ELUGrad sets dx[i] = dy[i] * (x[i] > 0 ? 1 : alpha*exp(x[i])) for every
// i: ELU'(0) is alpha (the x <= 0 branch), as in PyTorch.
//
// For alpha in [0.01, 10] every result is within 1 ULP of dy*f'(x)
// (measured maximum 0.7604 ULP over all 2^32 x with dy = 1 at alpha 1,
// at a subnormal result).
// +Inf gives dy; -Inf gives dy*0 (a NaN for an infinite dy).
func ELUGrad(dx, x, dy []float32, alpha float32) {
	if len(x) < cutoff(kELUGrad) {
		fallback.ELUGrad(dx, x, dy, alpha)
		return
	}
	grad(kELUGrad, dx, x, dy, alpha)
}

// SELUGrad sets dx[i] = dy[i] * lambda * (x[i] > 0 ? 1 : alpha*exp(x[i]))
// for every i, lambda and alpha as in SELU: SELU'(0) is lambda*alpha.
//
// Every result is within 1 ULP of dy*f'(x) (measured maximum 0.6907 ULP
// over all 2^32 x with dy = 1). +Inf gives lambda*dy; -Inf gives dy*0 (a
// NaN for an infinite dy).
func SELUGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kSELUGrad) {
		fallback.SELUGrad(dx, x, dy)
		return
	}
	grad(kSELUGrad, dx, x, dy, 0)
}

// SoftplusGrad sets dx[i] = dy[i] * sigmoid(x[i]) for every i: the
// derivative of Softplus is the logistic function, computed as (x < 0 ? e
// : 1)/(1+e) with e = exp(-|x|).
//
// Every result is within 1 ULP of dy*f'(x) (measured maximum 0.5422 ULP
// over all 2^32 x with dy = 1). ±0 gives dy/2; +Inf gives dy; -Inf gives
// dy*0 (a NaN for an infinite dy).
func SoftplusGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kSoftplusGrad) {
		fallback.SoftplusGrad(dx, x, dy)
		return
	}
	grad(kSoftplusGrad, dx, x, dy, 0)
}

// GELUTanhGrad sets dx[i] = dy[i] * f'(x[i]) for every i, f the tanh
// approximation of GELU (GELUTanh): with v = 2u = 2*sqrt(2/pi)*(x +
// 0.044715*x^3) and s = sigmoid(v), f'(x) = s + x*v'*s*(1 - s), which is
// (1 + tanh(u))/2 + x/2 * (1 - tanh(u)^2) * u'.
//
// Every result is within 1 ULP of dy*f'(x) (measured maximum 0.5000 ULP
// over all 2^32 x with dy = 1), also around x = -0.7522, where f' crosses
// zero. ±0 gives dy/2; +Inf gives dy; -Inf gives dy*0 (a NaN for an
// infinite dy).
func GELUTanhGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kGELUTanhGrad) {
		fallback.GELUTanhGrad(dx, x, dy)
		return
	}
	grad(kGELUTanhGrad, dx, x, dy, 0)
}

// GELUGrad sets dx[i] = dy[i] * (Phi(x) + x*phi(x)), x = x[i], for every
// i: the derivative of GELU (the exact, erf form), Phi the standard normal
// distribution function and phi its density.
//
// Every result is within 1 ULP of dy*f'(x) (measured maximum 0.5674 ULP
// over all 2^32 x with dy = 1), also around x = -0.7517916, where f'
// crosses zero (a polynomial fitted there). ±0 gives dy/2; +Inf gives dy;
// -Inf gives dy*0 (a NaN for an infinite dy).
func GELUGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kGELUGrad) {
		fallback.GELUGrad(dx, x, dy)
		return
	}
	grad(kGELUGrad, dx, x, dy, 0)
}

// ExpGrad sets dx[i] = dy[i] * e^x[i] for every i: the derivative of
// Exp, from the forward input x.
//
// Every result is within 1 ULP of dy*e^x (measured maximum
// 0.7604 ULP over all 2^32 x with dy = 1, at a subnormal result). Products beyond the float32
// range overflow to ±Inf, tiny ones are computed, not flushed; +Inf gives
// dy*Inf (a NaN for dy = 0), -Inf gives dy*0 (a NaN for an infinite dy).
func ExpGrad(dx, x, dy []float32) {
	if len(x) < cutoff(kExpGrad) {
		fallback.ExpGrad(dx, x, dy)
		return
	}
	grad(kExpGrad, dx, x, dy, 0)
}

// PReLUGrad is the gradient of PReLU(dst, x, slope): for x of
// len(x)/len(slope) rows of len(slope) channels, it sets dx[i] = dy[i] *
// (x[i] > 0 ? 1 : slope[c]) and dslope[c] = the sum of dy[i]*x[i] over
// the elements of channel c where x[i] is not > 0 (c = i%len(slope)).
// PReLU'(0) is the slope, as in PyTorch; dslope is overwritten, not
// added to.
//
// dx is exact, with LeakyReLUGrad's NaN rule. dslope is within 1 ULP of
// the exact sum: the products are exact in float64, summed compensated in
// a fixed order (see fallback.PReLUGrad; fewer than 16 channels are
// spread over 16 lanes) and rounded once, with the same bits on every
// path. A NaN among its terms (a NaN x, or a NaN or infinite dy
// where x is not > 0) gives the quiet NaN 0x7fc00000; an infinite sum
// gives ±Inf. No rows give +0.
//
// dx, x and dy must have the same length, a multiple of len(slope) >= 1,
// and dslope the length of slope, else the call panics naming the
// lengths. dx may be x or dy and dslope may be slope (in place); any other
// overlap with dx or dslope panics. It allocates nothing. AVX-512 and
// AVX2 run each group of 16 channels in assembly, the rest in Go.
func PReLUGrad(dx, dslope, x, dy, slope []float32) {
	fallback.PReLUGradCols(colSets[dispatch.Selected()], dx, dslope, x, dy, slope)
}
