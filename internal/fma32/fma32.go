// Package fma32 computes the float32 fused multiply-add exactly in pure Go.
//
// Go has math.FMA for float64 only, and float32(math.FMA(float64(a),
// float64(b), float64(c))) rounds twice: on rare inputs it differs from a
// hardware float32 FMA (VFMADD231PS, FMLA) by one ULP.
package fma32

import "math"

// FMA returns a*b+c computed exactly and rounded once to the nearest float32,
// ties to even, as the IEEE 754 binary32 fused multiply-add of the hardware
// computes it, for every input: subnormal results are rounded, not flushed;
// results of magnitude MaxFloat32+2^103 and above round to ±Inf; Inf*0+c and
// Inf-Inf are NaN; an exact zero is +0 unless a*b and c are both -0; a
// nonzero result that rounds to zero keeps its sign.
//
// A NaN result is a quiet NaN whose sign and payload are unspecified: they
// follow the float64 arithmetic of GOARCH, and hardware FMAs disagree on them
// too. Callers must not depend on them.
//
// FMA is small enough for the compiler to inline.
func FMA(a, b, c float32) float32 {
	// The product of two float32 is exact in float64 (at most 48 significant
	// bits, magnitudes within 2^-298 and 2^256), so s is the exact sum
	// rounded once, to float64, and never overflows.
	p := float64(float64(a) * float64(b))
	z := float64(c)
	s := p + z
	// Rounding s to float32 gives the correctly rounded sum, except when s
	// lies exactly on a float32 rounding midpoint and the exact sum does
	// not. Every midpoint, of the normal and the subnormal float32 range and
	// the overflow threshold MaxFloat32+2^103, has at least 28 trailing zero
	// bits in its float64 significand; most other values of s do not.
	if math.Float64bits(s)&(1<<28-1) == 0 {
		// TwoSum: p + z == s + e exactly, and e is NaN when s is ±Inf or
		// NaN.
		bb := s - p
		e := (p - (s - bb)) + (z - bb)
		// Move s toward the exact sum by about 2^-40 of itself (Inf and NaN
		// stay as they are): more than a float64 ULP, far less than a
		// float32 one, so a midpoint s moves to the side of the exact sum.
		// Any other s with those zero bits is a float32 value, or a value
		// in the subnormal range at least 2^28 float64 ULPs away from every
		// midpoint: moving it changes nothing.
		if e*s > 0 {
			s *= 1 + 0x1p-40
		} else if e != 0 {
			s *= 1 - 0x1p-40
		}
	}
	return float32(s)
}
