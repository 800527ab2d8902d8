// Package kernels is the catalogue of rectify's kernel mathematics: every
// constant that a kernel uses (polynomial coefficients, range-reduction
// constants, clamps, bit masks), written once as an exact hex float or integer
// literal.
//
// The pure-Go kernels in package fallback and the assembly generators in
// internal/asmgen both read these values, so the paths cannot drift apart.
//
// # Algorithms
//
// ELU, Softplus and Sigmoid widen each float32 to float64, run a fixed
// sequence of float64 additions, multiplications, fused multiply-adds and
// divisions (IEEE round-to-nearest-even, no estimates, no native min/max on
// NaN), round once to float32, and finish with explicit selects for the
// special inputs. Every path runs the same sequence, so every path returns
// the same bits.
//
// The shared exponential core, for z <= 0 in float64:
//
//	kd = fma(z, Log2e, ExpShift)      // round(z/ln2) + 1023 in the low bits
//	n  = kd - ExpShift                // exact
//	t  = fma(n, -Ln2, z)              // |t| <= ln2/2 (+ tiny)
//	q  = fma(t*t, P(t), t)            // expm1(t); P by Horner with Expm1C7..C2
//	s  = bits(kd) << 52               // 2^n, built from the integer bits
//	exp(z)   = fma(s, q, s)
//	expm1(z) = fma(s, q, s-1)
//
// Softplus computes log1p(e) for e = exp(-|x|) in (0, 1] as 2*atanh(w) with
// w = e/(2+e) in (0, 1/3]:
//
//	u = w*w
//	log1p(e) = fma(w*u, R(u), 2*w)   // R by Horner with Atanh11..Atanh3
//
// # Where the numbers come from
//
// The polynomial coefficients are the output of coeffs.sollya in this
// directory (Sollya 8.0, fpminimax with double coefficients, relative
// error); TestSollyaCoefficients reruns it where sollya is installed and
// compares every digit. Ln2 and Log2e are ln(2) and 1/ln(2) rounded to
// float64 by the same script. The other values are derived below, each
// beside its constant.
package kernels

// Range reduction of the exponential core.
const (
	// Log2e is 1/ln(2) rounded to float64.
	Log2e = 0x1.71547652b82fep0
	// Ln2 is ln(2) rounded to float64. One FMA reduces z - n*ln2 with it:
	// |n| <= 151 and |Ln2 - ln 2| < 2^-55, so the reduced argument is off
	// by less than 2^-47, far below the float32 result's resolution.
	Ln2 = 0x1.62e42fefa39efp-1
	// ExpShift is 1.5*2^52 + 1023. Adding it to z*Log2e rounds to the
	// nearest integer n (ties to even: the float64 adder's own rounding) and
	// leaves n+1023, the biased exponent of 2^n, in the low 11 bits, so that
	// bits(kd)<<52 is 2^n with no float-to-int conversion.
	ExpShift = 0x1.80000000003ffp52
	// ExpShiftBits is the shift that moves the biased exponent into place.
	ExpShiftBits = 52
)

// Expm1 polynomial: expm1(t) ~ t + t^2*(C2 + C3*t + ... + C7*t^5) on
// [-ln2/2, ln2/2], relative error 2^-31.96 (coeffs.sollya).
const (
	Expm1C2 = 0x1.00000025e9e27p-1
	Expm1C3 = 0x1.555554ef9eed7p-3
	Expm1C4 = 0x1.5554b13fd0d68p-5
	Expm1C5 = 0x1.1111895a856f1p-7
	Expm1C6 = 0x1.6d71e5815f5fbp-10
	Expm1C7 = 0x1.a032bd7f6163fp-13
)

// Atanh polynomial: 2*atanh(w) ~ 2w + A3*w^3 + A5*w^5 + ... + A11*w^11 on
// [0, 1/3], relative error 2^-33.09 (coeffs.sollya).
const (
	Atanh3  = 0x1.5555584c2424p-1
	Atanh5  = 0x1.9996af9694ebep-2
	Atanh7  = 0x1.2508b0f91086dp-2
	Atanh9  = 0x1.b6e6cda111fddp-3
	Atanh11 = 0x1.f1733be9f6456p-3
)

// Clamps on the exponential core's argument. Each is applied as
// z = max(z, clamp) before the core; NaN lanes are replaced by the final
// NaN select, so the clamp's own NaN behaviour never reaches a result.
const (
	// ELUClamp: for x <= -32, expm1(x) = -1 + e^x with e^x < 2^-46, so
	// alpha*expm1(x) rounds to -alpha in float32 for every alpha, exactly
	// as alpha*expm1(-32) does. Keeps n >= -47 so s-1 is exact.
	ELUClamp = -0x1p5
	// ExpClamp: e^-104 < 2^-150, half the smallest float32 subnormal, so
	// Sigmoid and Softplus round to +0 there as the true value does below
	// it. Keeps n >= -151 so 2^n is a normal float64.
	ExpClamp = -0x1.ap6
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
