package kernels

// The gradient kernels (dx = dy * f'(x)) compute f'(x) in float64 and
// round dy*f'(x) once to float32, so that the product with any dy stays
// within 1 ULP; SELUGrad, ELUGrad and ExpGrad compute in float32 where x
// and dy allow it (GradF32MinX below).
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
	// ExpGradMax: ExpGrad evaluates e^z for z = min(x, 709) (below 2^1023
	// in float64): there |dy|*e^709 > 2^128 overflows float32 for every dy
	// but 0, as the true value does above it, and 0 gives 0.
	ExpGradMax = 709
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

// GELUGrad: GELU'(x) = Phi(x) + x*phi(x) from GELU's Phi(-a) = E*R (a =
// |x|, clamped at -GELUGradClamp): with q = E*(R - a/sqrt(2*pi)),
// GELU'(x) = x < 0 ? q : 1 - q. R - a/sqrt(2*pi) cancels around the zero
// of GELU' at x0 = GELUGradX0 (-0.7517916, rounded to float64), so within
// GELUGradWindow of it (|x - GELUGradX0F32| < GELUGradWindow in float32)
// GELU' is the polynomial C0 + s*(C1 + s*(C2 + s*Q)), s = x - x0 in
// float64 (exact), Q = C3 + C4*s' + ... + C8*s'^5 in float32 at s' = x -
// GELUGradX0F32 (exact): C0 = GELU'(x0) rounded, C1..C8 its minimax fit
// (coeffs.sollya), relative error 2^-32.1 on the window (C0 keeps it
// relative at the true zero). Q's float32 errors (its roundings, and s'
// - s) reach the result scaled by s^2 < 1/16: below about 2^-28.5 of it,
// as |C1 + C2*s| > 0.3 on the window. Outside the window R's
// fit error (2^-28.3) is amplified at most 2.4 times. GELUGradClamp:
// below x = -20, |dy|*|GELU'(x)| < MaxFloat32 * 20*phi(20) rounds to zero
// in float32 for every finite dy.
const (
	GELUGradClamp      = -0x1.4p4
	GELUGradInvSqrt2Pi = 0x1.9884533d43651p-2 // 1/sqrt(2*pi)
	GELUGradWindow     = 0x1p-2
	GELUGradX0         = -0x1.80ead197f00b4p-1
	GELUGradX0F32      = -0x1.80ead2p-1
	GELUGradC0         = -0x1.dc33ec6564406p-58
	GELUGradC1         = 0x1.b9d98fa72918fp-2
	GELUGradC2         = 0x1.8d9a9411f60dbp-2
	GELUGradC3         = -0x1.2a2f2ap-6
	GELUGradC4         = -0x1.d2fa32p-4
	GELUGradC5         = -0x1.e3ea6p-7
	GELUGradC6         = 0x1.3e251cp-6
	GELUGradC7         = 0x1.2370eep-8
	GELUGradC8         = -0x1.1f357ep-9
)

// SELUGrad, ELUGrad and ExpGrad compute c*e^x*dy (for x <= 0: c =
// lambda*alpha or ELU's alpha; for every x: c = 1) in float32 where x and
// dy allow it, from Exp's parts of e^x = s*(1 + th + q) (s = 2^n, th
// exact; the package documentation) and c as the float-float ch + cl
// (SELUScaleHi + SELUScaleLo; alpha + 0; 1 + 0, where a = dy and al = 0):
//
//	U  = 1 + th;  Ur = ((1 - U) + th) + q  // U + Ur = 1 + th + q; (1 - U) + th exact
//	a  = ch*dy                             // rounded
//	al = fma(ch, dy, -a) + cl*dy           // the first term exact
//	dx = fma(a, U, fma(al, U, a*Ur)) * s
//
// U is in [0.7, 1.4] and |Ur| below 0.07, so the roundings of Ur, a*Ur,
// the inner FMA and cl*dy add at most 2^-26.8 of the result each, q's
// error (as Exp's) less; the outer FMA rounds once, and the product with
// s is exact but for a subnormal dx, whose second rounding adds at most a
// quarter of its ULP. For c = 1 (ExpGrad) one operation fewer:
//
//	hi = fma(dy, th, dy);  e = fma(dy, th, dy - hi)  // dy - hi exact; e hi's error, rounded
//	dx = (hi + fma(dy, q, e)) * s
//
// where e's rounding is below 2^-48 of the result and that of fma(dy, q,
// e) below 2^-26.8 (|q| < 0.07); the sum rounds once.
//
// Both need a + al exact but for cl*dy (al then holds the exact rest of
// ch*dy: |a| >= GradF32Min keeps it, and e, above the subnormal range's
// granularity), a*U and hi finite (|a| <= GradF32Max) and s normal (x >=
// GradF32MinX, where n >= -126; ExpGrad's x <= -GradF32MinX, where s
// stays finite). Elsewhere the float64 sequence above runs; for x > 0
// ELUGrad's dx is dy, SELUGrad's fma(SELULambdaM1, dy, dy).
//
// The fast sequences take the float32 sequence alone: SELUGrad's and
// ExpGrad's where |x| <= -GradF32MinX and |dy| is in [GradF32Min,
// GradF32Max], ELUGrad's
// where |alpha| is in [ELUGradAlphaMin, ELUGradAlphaMax] and |dy| in
// [ELUGradDyMin, ELUGradDyMax] too, so that |a| is in [GradF32Min,
// GradF32Max].
const (
	GradF32MinX     = -87.5
	GradF32Min      = 0x1p-100
	GradF32Max      = 0x1p124
	ELUGradAlphaMin = 0x1p-32
	ELUGradAlphaMax = 0x1p32
	ELUGradDyMin    = 0x1p-68
	ELUGradDyMax    = 0x1p92
)
