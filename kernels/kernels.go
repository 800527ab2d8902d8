// Package kernels is the catalogue of rectify's kernel mathematics: every
// constant that a kernel uses (polynomial coefficients, range-reduction
// constants, clamps, thresholds, bit masks), written once as an exact hex
// float or integer literal.
//
// The pure-Go kernels in package fallback and the assembly generators in
// internal/asmgen both read these values, so the paths cannot drift apart.
//
// # Algorithms
//
// All kernels but GELU and GELUTanh compute in float32: a fixed sequence
// of float32 additions, multiplications, fused multiply-adds (one
// rounding) and divisions, round to nearest even, no estimates, no native
// min/max on NaN, then explicit selects for the special inputs. Every path runs the same
// sequence, so every path returns the same bits. The errors that float32
// arithmetic would add are recovered where they matter with exact
// transformations (Fast2Sum, TwoSum, float-float values hi + lo), which
// keeps every result within 1 ULP.
//
// The exponential core, for z <= 0:
//
//	nn = fma(z, Log2e, magic)   // round(z/ln2) + 127 (+64) in the low bits
//	n  = nn - magic             // exact
//	s  = bits(nn) << 23         // 2^n (2^(n+64) with ExpMagic64)
//
// ELU, for alpha scaling the polynomial once per call (a_k = alpha*D_k):
//
//	z  = max(x, ELUClamp);  t = fma(n, -Ln2, z)
//	p  = a7..a2 by Horner in t
//	A  = s - 1;  b = s*t;  q = b*t            // A and b exact
//	hi = A + b;  lo = b - (hi - A)            // Fast2Sum: hi + lo = A + b
//	y  = fma(alpha, hi, fma(q, p, alpha*lo))  // alpha*expm1(z)
//
// Sigmoid and Softplus need e = exp(-|x|) to float-float precision, and
// scale it by 2^64 (ExpMagic64) so that it is never subnormal:
//
//	z  = max(-|x|, ExpClamp)
//	th = fma(n, -Ln2Hi, z);  tl = n*-Ln2Lo;  t = th + tl
//	q  = fma(t*t, P(t), tl)                   // P: C6..C2 by Horner
//	b  = s*th;  e0 = s + b;  l0 = fma(s, q, b - (e0 - s))
//	eh = e0 + l0;  el = l0 - (eh - e0)        // eh + el = e * 2^64
//
// Sigmoid divides with a correction: with dh + dl = 1 + e (unscaled),
// num + numl = x < 0 ? e : 1 (scaled),
//
//	y = num / dh;  r = fma(-y, dl, fma(-y, dh, num) + numl)
//	sigmoid = fma(r, x < 0 ? 1 - y*2^-64 : y*2^-64, y) * 2^-64
//
// Softplus scales e only where z < SoftplusScaled (the result is then
// multiplied by 2^-64), computes log1p(e) = 2*atanh(w) with w = e/(2+e)
// corrected like the division above, R = A9..A3 by Horner in u = w*w,
//
//	c = fma(w*u, R, 2*wl);  L = 2w + c
//
// adds max(x, 0) to L as an exact sum before the small terms, and returns
// x itself from SoftplusExact up.
//
// SELU is ELU's sequence with the constant alpha = lambda*alpha_SELU as the
// float-float SELUScaleHi + SELUScaleLo and a_k = SELUDk:
//
//	y = fma(Hi, hi, fma(q, p, fma(Lo, hi, Hi*lo)))   // x < 0
//	y = fma(SELULambdaM1, x, x)                       // lambda*x, x >= 0
//
// Tanh runs ELU's sequence on z = max(-2|x|, ELUClamp) with the D_k
// themselves, adding the rounding error of s - 1 (s - (A + 1), nonzero for
// n < -24) to lo, renormalises m = expm1(z) to mh + ml (c = fma(q, p, lo),
// mh = hi + c, ml = c - (mh - hi)), and divides like Sigmoid:
//
//	dh = 2 + mh;  dl = ((2 - dh) + mh) + ml   // dh + dl = 2 + m exactly
//	y  = mh/dh;  r = fma(-y, dl, fma(-y, dh, mh) + ml)
//	y  = fma(r, (1 - y)/2, y)                 // -tanh(|x|); 1/(2+m) = (1-y)/2
//
// then the sign of x, -1 above TanhOne, and x itself up to TanhTiny.
//
// SiLU keeps Sigmoid's result as the float-float y + r*inv (times 2^64
// for x < 0, unscaled for x >= 0: numerator 1, inv = y) and multiplies
// once: fma(xc, y, xc*(r*inv)), times 2^-64 for x < 0, with xc = max(x,
// ScaledClamp) (so -Inf gives -0). +Inf gives NaN there (r is 0), and the
// final NaN rule returns +Inf itself. From 17 up, x*sigmoid(x) = x - x*sigmoid(-x) with
// sigmoid(-x) < e^-17 < 2^-24.5, less than half an ULP of x relative
// (2^-24.09 at 17): the result is x, which the sequence returns without a
// select.
//
// Exp needs no float-float: from the core's s, th and q it rounds P = th +
// q, then fma(s, P, s), computed at 2^(n-1) (ExpMagicHalf) or, below
// ExpScaled, 2^(n+64), then multiplies by 2 or 2^-64: overflow and
// subnormal results each round from a normal value. The two roundings keep
// the error within 0.87 ULP (P's within 0.25 ULP of the result).
//
// GELU computes in float64 instead (float32 in, one rounding out): x*Phi(x)
// needs Phi to about 2^-26 relative, which float32 Horner steps cannot
// give without many compensations. With -a = max(-|x|, GELUClamp) in
// float32 and everything after it float64 (a² is exact there):
//
//	t  = 1/(1 + GELUP*a)
//	R  = GELUR10..GELUR0 by Horner in t       // e^(a²/2) Phi(-a)
//	w  = a²*-GELUHalfLog2e                    // -a²/2 over ln 2
//	nn = w + ExpMagicD;  t = w - (nn - ExpMagicD);  s = bits(nn) << ExpShiftD // 2^n
//	Phi(-a) = s*E2(t)*R                       // E2: GELUTanh's, below
//	y  = fma(-a, Phi(-a), max(x, 0))          // x*Phi(x) = x - a*Phi(-a) for x > 0
//
// The relative error of Phi(-a) is about 2^-27.3 (fits 2^-28.3 each, the
// float64 roundings far below), so the one float32 rounding stays within
// 0.6 ULP. Subnormal results need no care: float64 holds them normal.
//
// GELUTanh computes in float64 too: with xc = max(x, -GELUTanhClamp)
// widened and xz = min(xc, GELUTanhClamp),
//
//	w = xz*fma(xz*xz, -GELUTanhL2, -GELUTanhL1) // -2u(xz)/ln 2, |w| <= 207
//	nn = w + ExpMagicD;  n = nn - ExpMagicD;  t = w - n   // exact
//	e = 2^n * E2(t)                              // E2: 1, Ln2D, Exp2D2..6
//	y = xc / fma(2^n, E2, 1)                     // x*sigmoid(2u)
//
// rounded once: no cancellation on either side (e > 0), and the relative
// error of e, E2's 2^-28.28 and about 2^-44 from w's rounding at |w| = 207,
// stays far below float32's. A
// float32 design needs 2u as a float-float (|2u| reaches 140) and measured
// 1.7x slower.
//
// # Where the numbers come from
//
// The polynomial coefficients, Ln2, Log2e, Ln2Hi, Ln2Lo, ELUClamp, GELUP,
// Ln2D, Log2eD, GELUHalfLog2e, the SELU constants (but its definition's
// lambda and alpha) and GELUTanhK1, GELUTanhK2 are the output of
// coeffs.sollya in this directory (Sollya 8.0, fpminimax with
// single-precision coefficients, double-precision for the float64
// kernels', relative error); TestSollyaCoefficients reruns it where sollya
// is installed and compares every digit. The other values are derived
// below, each beside its constant. The designs of ELU, Softplus and
// Sigmoid are those of notes/NUMERICS.md §8 (measured there over all 2^32
// inputs), GELU's and GELUTanh's are in the spirit of its §7 (float64
// internals); the accuracy table of the README is measured on this code.
package kernels

// Range reduction of the exponential core.
const (
	// Log2e is 1/ln(2) rounded to float32.
	Log2e = 0x1.715476p0
	// Ln2 is ln(2) rounded to float32 (ELU's one-step reduction).
	Ln2 = 0x1.62e43p-1
	// Ln2Hi is ln(2) rounded to 17 bits, a multiple of 2^-17: z - n*Ln2Hi
	// (|n| <= 150) is then a multiple of min(2^-17, ulp(z)) below 1/2 in
	// magnitude, so th = fma(n, -Ln2Hi, z) is exact. Ln2Lo is the rest,
	// ln(2) - Ln2Hi rounded to float32.
	Ln2Hi = 0x1.62e4p-1
	Ln2Lo = 0x1.7f7d1cp-20
	// ExpMagic is 1.5*2^23 + 127. Adding it to z*Log2e rounds to the
	// nearest integer n (ties to even: the float32 adder's own rounding)
	// and leaves n+127, the biased exponent of 2^n, in the low 8 bits, so
	// that bits(nn)<<ExpShift is 2^n with no float-to-int conversion.
	ExpMagic = 0x1.8000fep23
	// ExpMagic64 is ExpMagic + 64: bits(nn)<<ExpShift is then 2^(n+64),
	// normal for every n >= -190.
	ExpMagic64 = 0x1.80017ep23
	// ExpShift moves the biased exponent into place.
	ExpShift = 23
	// Scale64 and Unscale64 are 2^64 and 2^-64, the scaling of ExpMagic64.
	Scale64   = 0x1p64
	Unscale64 = 0x1p-64
)

// Expm1 polynomial (ELU): expm1(t) ~ t + t^2*(D2 + D3*t + ... + D7*t^5) on
// [-ln2/2, ln2/2], relative error 2^-30.98 (coeffs.sollya).
const (
	Expm1D2 = 0x1p-1
	Expm1D3 = 0x1.555554p-3
	Expm1D4 = 0x1.5554fp-5
	Expm1D5 = 0x1.111306p-7
	Expm1D6 = 0x1.6d4366p-10
	Expm1D7 = 0x1.9e0be6p-13
)

// Exp polynomial (Sigmoid, Softplus): exp(t) ~ 1 + t + t^2*(C2 + ... +
// C6*t^4) on [-ln2/2, ln2/2], relative error 2^-28.18 (coeffs.sollya).
const (
	ExpC2 = 0x1.fffffap-2
	ExpC3 = 0x1.555492p-3
	ExpC4 = 0x1.555a26p-5
	ExpC5 = 0x1.12397cp-7
	ExpC6 = 0x1.694c86p-10
)

// Atanh polynomial (Softplus): 2*atanh(w) ~ 2w + A3*w^3 + A5*w^5 + A7*w^7
// + A9*w^9 on [0, 1/3], relative error 2^-27.73 (coeffs.sollya).
const (
	Atanh3 = 0x1.555502p-1
	Atanh5 = 0x1.99d1cap-2
	Atanh7 = 0x1.1ec07p-2
	Atanh9 = 0x1.1ec906p-2
)

// SELU: lambda and alpha of Klambauer et al. (2017), to the 32 digits of
// their definition. lambda*x is computed as fma(SELULambdaM1, x, x) with
// SELULambdaM1 = lambda - 1 rounded to float32 (its error, 2^-29.07
// relative to lambda, adds at most 0.06 ULP, and subnormal results round
// once); the negative branch is ELU's sequence with lambda*alpha =
// SELUScaleHi + SELUScaleLo and the polynomial scaled by it: SELUDk is
// lambda*alpha*Expm1Dk rounded to float32 (coeffs.sollya).
const (
	SELULambda   = 1.0507009873554804934193349852946
	SELUAlpha    = 1.6732632423543772848170429916717
	SELULambdaM1 = 0x1.9f57aep-5
	SELUScaleHi  = 0x1.c212ccp0
	SELUScaleLo  = 0x1.903c0cp-26
	SELUD2       = 0x1.c212ccp-1
	SELUD3       = 0x1.2c0c88p-2
	SELUD4       = 0x1.2c0c3p-4
	SELUD5       = 0x1.e0177ep-7
	SELUD6       = 0x1.4115a6p-9
	SELUD7       = 0x1.6bf7a8p-12
)

// GELUTanh computes in float64: 2u = x*(GELUTanhK1 + GELUTanhK2*x^2),
// GELUTanhK1 = 2*sqrt(2/pi) and GELUTanhK2 = 2*0.044715*sqrt(2/pi)
// rounded to float64 (coeffs.sollya; GELUTanhGrad's). GELUTanh itself
// takes e^(-2u) as 2^w, w = -2u/ln 2 = -x*(GELUTanhL1 + GELUTanhL2*x^2)
// (the K over ln 2, rounded to float64), and 2^t, t = w - round(w) in
// [-1/2, 1/2], by Exp64's polynomial in t*ln 2: 1 + Ln2D*t + t^2*(Exp2D2
// + ... + Exp2D6*t^4), Exp2Dk = Exp64Ck*ln(2)^k rounded to float64,
// relative error 2^-28.28 as Exp64's; the reduction is then an addition
// and two subtractions instead of two FMAs.
const (
	GELUTanhK1 = 0x1.9884533d43651p0
	GELUTanhK2 = 0x1.2444f2a4d8b4bp-4
	GELUTanhL1 = 0x1.26aec21bce759p1
	GELUTanhL2 = 0x1.a5a7cf7572a98p-4
	Exp2D2     = 0x1.ebfbdbbf29bcdp-3
	Exp2D3     = 0x1.c6af8871df81dp-5
	Exp2D4     = 0x1.3b2e0bf535565p-7
	Exp2D5     = 0x1.5f03da4508dd8p-10
	Exp2D6     = 0x1.414ed2787bcbbp-13
)

// GELU computes in float64 (the package documentation): R(a) = e^(a²/2)
// Phi(-a) ~ R0 + R1*t + ... + R10*t^10 in t = 1/(1 + GELUP*a) on
// [1/(1 + 15*GELUP), 1] (a in [0, 15]), double coefficients, relative error
// 2^-28.27 (coeffs.sollya). GELUP is 0.3 rounded to float32, the value the
// variable is computed with on every path; among 0.15 to 0.35 it gives the
// smallest degree-10 error.
const (
	GELUP   = 0x1.333334p-2
	GELUR0  = 0x1.105d46d71d4a6p-21
	GELUR1  = 0x1.ea303077fd4bfp-4
	GELUR2  = 0x1.ea411126a7939p-4
	GELUR3  = 0x1.c0ba51ef48ec5p-4
	GELUR4  = 0x1.4b32942e248f6p-4
	GELUR5  = 0x1.71b2167097cabp-4
	GELUR6  = -0x1.1e9de79c168afp-4
	GELUR7  = 0x1.74362cf569a61p-3
	GELUR8  = -0x1.c57a0887b884ap-3
	GELUR9  = 0x1.c1b5182cbc226p-4
	GELUR10 = -0x1.4a8100c758a7p-6
)

// The float64 exponential of the gradients and the row kernels: exp(r) ~
// 1 + r + r^2*(Exp64C2 + ... + Exp64C6*r^4) on [-ln2/2, ln2/2], double
// coefficients, relative error 2^-28.28 (coeffs.sollya); GELU and
// GELUTanh take it in t*ln 2 (Exp2D2..6, below GELUTanhK1). Ln2D, Log2eD
// and GELUHalfLog2e are ln(2), 1/ln(2) and 1/(2 ln 2) rounded to float64.
const (
	Exp64C2       = 0x1.fffffb9b026bcp-2
	Exp64C3       = 0x1.5554916812c8ap-3
	Exp64C4       = 0x1.5558f1203191p-5
	Exp64C5       = 0x1.1239d380d2856p-7
	Exp64C6       = 0x1.6a244ca254eeap-10
	Ln2D          = 0x1.62e42fefa39efp-1
	Log2eD        = 0x1.71547652b82fep0
	GELUHalfLog2e = 0x1.71547652b82fep-1
	// ExpMagicD is 1.5*2^52 + 1023: adding it to z/ln 2 rounds to the
	// nearest integer n and leaves n+1023, the biased exponent of the
	// float64 2^n, in the low 11 bits; ExpShiftD moves it into place.
	ExpMagicD = 0x1.80000000003ffp52
	ExpShiftD = 52
)

// Clamps and thresholds. A clamp is applied as z = max(z, clamp) before
// the exponential core; NaN lanes are replaced by the final NaN select, so
// the clamp's own NaN behaviour never reaches a result.
const (
	// ELUClamp is -25 ln 2 rounded to float32: below it e^x < 2^-25, so
	// alpha*expm1(x) rounds to -alpha in float32 for every alpha, as
	// alpha*expm1(ELUClamp) does. Keeps n >= -25 so s-1 is exact.
	ELUClamp = -0x1.154246p4
	// ExpClamp: e^-104 < 2^-150, half the smallest float32 subnormal, so
	// Sigmoid and Softplus round to +0 there as the true value does below
	// it; 2^(n+64) stays normal.
	ExpClamp = -0x1.ap6
	// SoftplusScaled: below -70, e = exp(x) < 2^-100 and Softplus scales it
	// by 2^64 so that its float-float parts stay normal; above, unscaled
	// e and e*e keep their precision down to e^-70.
	SoftplusScaled = -0x1.18p6
	// SoftplusExact: from 16 up, log1p(exp(-x)) < e^-16 < 2^-23 is less
	// than half an ULP of x (2^-20 at 16), so Softplus(x) rounds to x.
	SoftplusExact = 0x1p4
	// GELUClamp: GELU(x) rounds to -0 below x = -14.356068 (|x|*Phi(x) <
	// 2^-150 there), and -15*Phi(-15) ~ -5.5e-50 does too, so a = |x| is
	// clamped at 15; for x > 15, x - 15*Phi(-15) is x in float64 (Phi(-15)
	// ~ 3.7e-51), as GELU(x) is x in float32 from 5.3475156 up.
	GELUClamp = -0x1.ep3
	// ScaledClamp: Exp and SiLU clamp their exponent (and SiLU its x) at
	// -112: 112*e^-112 < 2^-154, so both results round to zero below it as
	// the true values do, and 2^(n+64) stays normal.
	ScaledClamp = -0x1.cp6
	// ExpScaled: Exp scales e^z by 2^64 below -64 (subnormal results keep
	// their precision), by 2^-1 from -64 up (2^(n-1) is normal for every n
	// up to 128); ExpMagicHalf is ExpMagic - 1, which builds 2^(n-1).
	ExpScaled    = -0x1p6
	ExpMagicHalf = 0x1.8000fcp23
	// ExpMax: e^x overflows float32 from x = 0x1.62e43p6 (88.72284) up;
	// clamping at 89 keeps n <= 128 and gives +Inf there.
	ExpMax = 0x1.64p6
	// GELUTanhClamp: from 12 up GELUTanh(x) rounds to x (2u > 140) and
	// below -12 to -0; 2u is computed from max(-|x|, -12).
	GELUTanhClamp = 0x1.8p3
	// TanhOne is the largest float32 whose tanh rounds below 1 (9.010913,
	// tanh = 1 - 2^-25 at 9.0109133); TanhTiny: for |x| <= 2^-12, tanh(x) =
	// x(1 - x^2/3 + ...) rounds to x.
	TanhOne  = 0x1.205966p3
	TanhTiny = 0x1p-12
)

// Float32 bit patterns used by the selects.
const (
	// QuietBit is set on a NaN input to give the NaN output.
	QuietBit = 0x00400000
	// SignBit is the float32 sign bit.
	SignBit = 0x80000000
	// AbsMask clears the float32 sign bit.
	AbsMask = 0x7fffffff
	// ExpBits is the bit pattern of +Inf; larger magnitudes are NaN.
	ExpBits = 0x7f800000
	// CanonicalNaN is the quiet NaN that LeakyReLU returns for a NaN
	// product (alpha NaN, or 0 times -Inf), whose payload would otherwise
	// depend on the ISA.
	CanonicalNaN = 0x7fc00000
)

// RepeatQuantum: the assembly kernels of PReLU wrap round to the start of
// their slope y when len(y) is a multiple of it (ir.Program.Repeat); the
// elements of a main-loop iteration divide it on every ISA.
const RepeatQuantum = 64

// The row kernels (Softmax, LogSoftmax, LogSumExp) run in passes over a
// row; a pass's reductions fold element i of the row into lane
// i % RowLanes of Row, in the order of i, on every path: the SIMD kernels
// hold the lanes in registers (AVX-512 one float32 or two float64
// vectors, AVX2 two or four, NEON four or eight), the Go kernel in Row.
// The lanes are then combined in a fixed tree (package fallback).
const RowLanes = 16

// Row is the state of one row's passes, carried from one call of a pass
// to the next (a long row is processed in chunks): the reductions' lanes
// and the scalars that later passes read (M, the row's maximum, and C,
// the sum's reciprocal or its logarithm; the gradients' sum as the
// float-float C + D).
type Row struct {
	Max  [RowLanes]float32 // the maximum of each lane (-Inf: none yet)
	Sum  [RowLanes]float64 // the compensated sum of each lane: Sum + Comp
	Comp [RowLanes]float64
	M    float32
	// Fold, set nonzero by the caller before a pass's last call on a
	// row, lets a SIMD RowMax or sum pass fold its lanes itself: RowMax's
	// maximum into M, a plain sum (the fixed tree) into S, a compensated
	// sum (the float-float tree) into S + Lo (a row gradient's also,
	// normalised, into C + D: C = S + Lo rounded, D = Lo - (C - S)), the
	// lanes reset to -Inf and 0 for the next row, and Fold set to
	// RowFolded.
	// Reading lanes that a vector store has just written stalls; reading
	// one scalar does not. The Go passes leave it alone.
	Fold uint32 // also keeps C at RowCOff on 32-bit architectures
	C    float64
	D    float64 // the gradients' second row scalar (OpParam F64, Imm 1)
	S    float64 // the folded sum (Fold)
	Lo   float64 // a folded compensated sum's low part: S + Lo
	// P holds a column pass's per-lane parameter (ir.OpLane): PReLUGrad's
	// slopes of the 16 channels it sums.
	P [RowLanes]float32
}

// RowFolded is Row.Fold after a pass folded its lanes.
const RowFolded = 2

// The offsets of Row's fields in bytes, which the assembly addresses.
const (
	RowMaxOff  = 0
	RowSumOff  = 64
	RowCompOff = 192
	RowMOff    = 320
	RowFoldOff = 324
	RowCOff    = 328
	RowDOff    = 336
	RowSOff    = 344
	RowLoOff   = 352
	RowPOff    = 360
	// RowSize is the size of a Row: the multi-row passes (ir.RowBlock)
	// step through an array of states by it.
	RowSize = 424
)

// RowCancel and RowPlainLog decide, once per row, which sum LogSoftmax
// and LogSumExp take (fallback.Rows). max + log(sum) may cancel where max
// < 0 and -max <= 1.5*log(sum) <= 1.5*ln2*bits.Len(cols) <
// RowCancel*bits.Len(c), c = cols rounded up to a multiple of RowLanes
// (fallback.CancelBound): LogSumExp takes RowSum there. Elsewhere the
// plain sum's rounding errors, below ceil(cols/16)*2^-53 of it, leave its
// log (plus max) 2^-28 of relative precision wherever that is at least
// ceil(cols/16)*RowPlainLog; below, the sum is taken again compensated.
const (
	RowCancel   = 1.04
	RowPlainLog = 0x1p-25
)

// RowExpClamp bounds x - max below in the row kernels' exponentials: at
// -709 (and up to -708.74) their 2^n is n = -1023, whose exponent bits
// (ExpMagicD) are those of +0, so that the term is exactly 0, as it is for
// an entry of -Inf; e^-708.74 < 2^-1022 is far below every float32 result
// and negligible in a sum of at least 1.
const RowExpClamp = -709.0

// RowExpT3..RowExpT11 are 1/k! rounded to float64, the Taylor
// coefficients of RowSum's exponential: exp(r) = 1 + r + r^2/2 +
// r^3*(RowExpT3 + ... + RowExpT11*r^8 + RowGradT12*r^9 + RowGradT13*r^10)
// on |r| <= ln2/2, truncation error below 2^-57 relative: the log of the
// sum keeps its precision where LogSumExp's max + log(sum) cancels.
const (
	RowExpT3  = 0x1.5555555555555p-3
	RowExpT4  = 0x1.5555555555555p-5
	RowExpT5  = 0x1.1111111111111p-7
	RowExpT6  = 0x1.6c16c16c16c17p-10
	RowExpT7  = 0x1.a01a01a01a01ap-13
	RowExpT8  = 0x1.a01a01a01a01ap-16
	RowExpT9  = 0x1.71de3a556c734p-19
	RowExpT10 = 0x1.27e4fb7789f5cp-22
	RowExpT11 = 0x1.ae64567f544e4p-26
)

// AddComp adds t to the compensated sum s + c, as every path's row sums
// do: s + t rounded, and its rounding error, exact (Knuth's TwoSum), added
// to c.
func AddComp(s, c, t float64) (float64, float64) {
	n := s + t
	bb := n - s
	e := (s - (n - bb)) + (t - bb)
	return n, c + e
}

// RowLogC are 1/(2j+1), j = 1..9: log1p(g) = 2u*(1 + u^2*(RowLogC[0] +
// u^2*(...))), u = g/(2+g), |u| <= 0.1716 (1 + g in [sqrt(1/2),
// sqrt(2))), truncation error below 2^-54 relative: the float-float log
// of a row's sum that LogSumExp takes where max + log(sum) may cancel,
// from which the table of RowLogBits is computed.
var RowLogC = [...]float64{1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19}

// RowIntMagic is 2^52: a float64 whose significand's bits are or-ed
// with an integer n below 2^52 is RowIntMagic + n exactly, so that
// subtracting RowIntMagic (plus a bias) converts n to float64 without a
// conversion instruction, as the assembly of the row logs does for the
// exponents that fallback's LogSum and logSplit convert with int().
const RowIntMagic = 0x1p52

// RowSqrtHalf is the bits of sqrt(1/2) rounded to float64 (math.Sqrt2/2):
// that log splits a row's sum s = 2^k * f, f in [sqrt(1/2), sqrt(2)), by
// integer steps on s's bits less these (fallback's logSplit).
const RowSqrtHalf = 0x3fe6a09e667f3bcd

// The row kernels take the log of their sum s = 2^k * f, f in [1, 2),
// once per row, in Go on every path, from a table: k*ln2 + log(c) +
// log1p(r), c = 1 + j/2^RowLogBits the table's entry at or below f (its
// 1/c and log(c) rounded to float64), r = (f - c)/c in [0, 2^-RowLogBits)
// (f - c exact), and log1p(r) = r + r^2*(RowLog1p2 + r*RowLog1p3 +
// r^2*(RowLog1p4 + r*RowLog1p5)), its Taylor series, truncation error
// below 2^-42 relative. c = 1 at f = 1, so that a sum near 1 keeps its
// log's relative precision.
const (
	RowLogBits = 8
	RowLog1p2  = -1.0 / 2
	RowLog1p3  = 1.0 / 3
	RowLog1p4  = -1.0 / 4
	RowLog1p5  = 1.0 / 5
)

// The row gradients (SoftmaxGrad, LogSoftmaxGrad). LogSoftmaxGrad's
// exponential e^y is a float-float b + low, relative error about 2^-59,
// so that dy - e^y*s, which cancels where dy is close to e^y*s (a row of
// equal dy, for one), keeps its float32 precision: y is clamped to
// [RowExpClamp, RowGradYMax], r = y - n*ln2 split exactly into rh =
// fma(n, -Ln2D, y) and rl = n*-Ln2LoD, e^r = 1 + rh + rh^2/2 +
// rh^3*(RowExpT3 + ... + RowGradT14*rh^11) + rl*e^rh, the first three
// terms in float-float; the Taylor series truncated after 1/14! errs by
// less than 2^-63 on |r| <= ln2/2.
const (
	// Ln2LoD is ln(2) - Ln2D rounded to float64 (math/big with 300 bits:
	// TestRowGradConstants).
	Ln2LoD = 0x1.abc9e3b39803fp-56
	// RowGradT12..RowGradT14 are 1/12!, 1/13!, 1/14! rounded to float64.
	RowGradT12 = 0x1.1eed8eff8d898p-29
	RowGradT13 = 0x1.6124613a86d09p-33
	RowGradT14 = 0x1.93974a8c07c9dp-37
	// RowGradYMax bounds LogSoftmaxGrad's y above (a log-probability is at
	// most 0): e^200 > 2^288 times any non-zero sum of float32 (at least
	// 2^-149) overflows float32 all the same, and nothing overflows
	// float64.
	RowGradYMax = 200.0
)

// LogSoftmaxGrad's fast pass computes dy - e^y*C in plain float64: e^y
// = 2^n * E(rh), rh = fma(n, -Ln2D, y) without Ln2LoD's term, E(r) = 1 + r
// + r^2*(RowGradE2 + ... + RowGradE9*r^7) its minimax polynomial on
// [-ln2/2, ln2/2] (double coefficients, relative error 2^-45.80:
// coeffs.sollya), and C without D. Its relative error in e^y*s is below
// 2^-44.4: n*Ln2LoD's 2^-45.3 at most (n >= -1023), E's, the roundings
// and D's. RowGradCancel bounds the cancellation it takes: where its
// float32 result dx is at least RowGradCancel times float32(dy - dx) in
// magnitude (within 2^-23 of e^y*C, whose float32 it spares), that error
// is below 2^-28.4 of the result, 0.048 ULP; where not, the float-float
// pass takes over.
const (
	RowGradE2     = 0x1.fffffffff13f6p-2
	RowGradE3     = 0x1.5555555589f03p-3
	RowGradE4     = 0x1.5555557deeebbp-5
	RowGradE5     = 0x1.1111108e2c4d8p-7
	RowGradE6     = 0x1.6c163be928b8cp-10
	RowGradE7     = 0x1.a01b738535ae1p-13
	RowGradE8     = 0x1.a16e32b3977c9p-16
	RowGradE9     = 0x1.7101815c0aeb9p-19
	RowGradCancel = 0x1p-16
)
