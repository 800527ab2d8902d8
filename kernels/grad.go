package kernels

// The gradient kernels (dx = dy * f'(x)) compute f'(x) in float64 and
// round dy*f'(x) once to float32, so that the product with any dy stays
// within 1 ULP.
//
// ExpT2..ExpT13 are the Taylor coefficients 1/k! of e^r rounded to
// float64 (computed with math/big at 200 bits). SiLUGrad and GELUTanhGrad
// need e^z to nearly full float64 precision: their derivatives cross zero
// (near x = -1.2785 and x = -0.7518), where f'(x) is the difference of two
// terms of about 0.28 and 1 + x + e^x keeps only the absolute error of e^x.
// Exp64C2..6 (relative error 2^-28.28) would leave hundreds of ULPs there;
// the degree-13 Taylor polynomial on [-ln2/2, ln2/2] truncates at
// (ln2/2)^14/14! < 2^-57 relative.
const (
	ExpT2  = 0x1p-1
	ExpT3  = 0x1.5555555555555p-3
	ExpT4  = 0x1.5555555555555p-5
	ExpT5  = 0x1.1111111111111p-7
	ExpT6  = 0x1.6c16c16c16c17p-10
	ExpT7  = 0x1.a01a01a01a01ap-13
	ExpT8  = 0x1.a01a01a01a01ap-16
	ExpT9  = 0x1.71de3a556c734p-19
	ExpT10 = 0x1.27e4fb7789f5cp-22
	ExpT11 = 0x1.ae64567f544e4p-26
	ExpT12 = 0x1.1eed8eff8d898p-29
	ExpT13 = 0x1.6124613a86d09p-33
)

const (
	// GradClamp: the gradient kernels evaluate e^z for z = max(z, -700)
	// (z = -|x| or -2|x|, or x): e^-700 < 2^-1009 is normal in float64,
	// and |dy|*e^-700*700 < 2^-880 rounds to zero in float32 for every
	// finite dy, as the true value does below it.
	GradClamp = -0x1.5ep9
	// MaxFloat32 is the largest finite float32: -|x| + MaxFloat32 < 0
	// exactly when x is infinite.
	MaxFloat32 = 0x1.fffffep127
)

// GELUTanhGradClamp: GELUTanhGrad computes 2u from max(-|x|, -20) and
// x*(2u)' from x clamped to [-20, 20]: 2u(20) > 600, so that e^-|2u| is
// normal in float64 and |dy|*e^-600*20*88 rounds to zero in float32 for
// every finite dy, as the true derivative (or its distance to 1) does
// beyond 20.
const GELUTanhGradClamp = 0x1.4p4
