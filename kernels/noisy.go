package kernels

// NoisyReLU: dst = max(0, x + sqrt(sigmoid(x))*N), N a standard normal
// number that is a pure function of (seed, index).
//
// # The generator
//
// The bits come from Philox4x32-10 (Salmon, Moraes, Dror and Shaw,
// "Parallel random numbers: as easy as 1, 2, 3", SC11, 2011), a keyed
// bijection of 128-bit counters: ten rounds of
//
//	hi0, lo0 = PhiloxM0 * c0     (the 64-bit product's halves)
//	hi1, lo1 = PhiloxM1 * c2
//	c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
//	k0 += PhiloxW0;  k1 += PhiloxW1   (between rounds)
//
// The key is the 64-bit seed, k0 its low and k1 its high half. Element
// index j = offset + i (modulo 2^64) belongs to block b = j >> 2, whose
// counter is (low half of b, high half of b, 0, 0); the block's four
// 32-bit words w0..w3 give the four normal numbers of indices 4b..4b+3 by
// Box-Muller, word pair (w0, w1) for lanes 0 and 1, (w2, w3) for lanes 2
// and 3:
//
//	u  = (2w0 + 1) * 2^-33            // in (0, 1), exact in float64
//	r  = sqrt(-2 ln u)
//	th = 2 pi w1 * 2^-32
//	lane 0 = r cos th,  lane 1 = r sin th
//
// Index j's number depends on j alone, not on where a call starts.
//
// # The transform, in float64, a fixed sequence of IEEE operations
//
// ln u: v = 2w0 + 1 (exact), v = 2^e * m with m in (sqrt2/2, sqrt2] (the
// exponent and mantissa from the bits, m halved and e incremented where
// m > NoisySqrt2), k = e - 33,
//
//	w  = (m - 1)/(m + 1);  s = 2w;  z = w*w     // m - 1 exact (Sterbenz)
//	ln m = s + s*z*Q(z),  Q = NoisyLogQ3 + z*(NoisyLogQ5 + ... + z*NoisyLogQ15)
//	ln u = k*NoisyLn2Hi + (ln m + k*NoisyLn2Lo)   // k*NoisyLn2Hi exact
//
// (the series of 2 atanh(w), |w| <= 0.1716, cut after w^15: relative
// error below 1.2e-12). sqrt is IEEE's, correctly rounded everywhere.
//
// cos th, sin th: t = w1 * 2^-30 quarter turns; q = round(t) (integer
// arithmetic: (w1 + 2^29) >> 30), f = w1 - q*2^30 (a signed integer, |f|
// <= 2^29), a = f * NoisyHalfPiScaled = f * 2^-30 * pi/2, |a| <= pi/4:
//
//	sin a = a + a*a2*(NoisySin3 + a2*(NoisySin5 + ... + a2*NoisySin11))
//	cos a = 1 + a2*(NoisyCos2 + a2*(NoisyCos4 + ... + a2*NoisyCos12))
//
// (Taylor series, cut after a^11 and a^12: errors below 7e-12 and 4e-13),
// then rotated by q quarter turns (exact sign changes and swaps).
//
// Every product that is added is rounded on its own (explicit float64
// conversions in Go): no FMA, so every architecture gives the same bits.
// The measured distance of N from the exact Box-Muller value (math.Log,
// math.Sincos on the same words), 4.7e-11 at most, is in the README and
// checked by fallback's TestNoisyTransform.
//
// # The output
//
// s = Sigmoid(x) (the library's float32 kernel, bit-identical on every
// path), then in float64: y = float32(x + sqrt(s)*N), one rounding of each
// operation; dst = y > 0 ? y : +0; NaN x gives x quieted.
//
// # Where the numbers come from
//
// The Philox multipliers and Weyl increments are those of the paper (and
// of Random123, whose known-answer vectors TestPhilox checks). NoisyLn2Hi
// is ln 2 rounded to float64 with its low 12 significand bits cleared (so
// k*NoisyLn2Hi is exact for |k| <= 2^12), NoisyLn2Lo = ln 2 - NoisyLn2Hi
// rounded to float64 (from 100 digits of ln 2). NoisyLogQk = 1/k,
// NoisySink = (-1)^((k-1)/2)/k!, NoisyCosk = (-1)^(k/2)/k!, each rounded
// to float64 (one correctly rounded division of exact integers: k! <
// 2^53). NoisyHalfPiScaled is pi/2 rounded to float64, times 2^-30.
// TestNoisyConstants rederives each one.
const (
	// PhiloxM0 and PhiloxM1 are Philox4x32's round multipliers.
	PhiloxM0 uint32 = 0xD2511F53
	PhiloxM1 uint32 = 0xCD9E8D57
	// PhiloxW0 and PhiloxW1 are its key increments (Weyl sequence): the
	// golden ratio's and sqrt(3)-1's first 32 fraction bits.
	PhiloxW0 uint32 = 0x9E3779B9
	PhiloxW1 uint32 = 0xBB67AE85
	// PhiloxRounds is the number of rounds (Philox4x32-10).
	PhiloxRounds = 10
	// NoisyLanes is the number of indices one Philox block serves.
	NoisyLanes = 4
)

// The normal transform's constants (float64).
const (
	NoisySqrt2  = 0x1.6a09e667f3bcdp+0
	NoisyLn2Hi  = 0x1.62e42fefa3p-1
	NoisyLn2Lo  = 0x1.3de6af278ece6p-42
	NoisyLogQ3  = 0x1.5555555555555p-2
	NoisyLogQ5  = 0x1.999999999999ap-3
	NoisyLogQ7  = 0x1.2492492492492p-3
	NoisyLogQ9  = 0x1.c71c71c71c71cp-4
	NoisyLogQ11 = 0x1.745d1745d1746p-4
	NoisyLogQ13 = 0x1.3b13b13b13b14p-4
	NoisyLogQ15 = 0x1.1111111111111p-4

	NoisyHalfPiScaled = 0x1.921fb54442d18p-30

	NoisySin3  = -0x1.5555555555555p-3
	NoisySin5  = 0x1.1111111111111p-7
	NoisySin7  = -0x1.a01a01a01a01ap-13
	NoisySin9  = 0x1.71de3a556c734p-19
	NoisySin11 = -0x1.ae64567f544e4p-26

	NoisyCos2  = -0x1p-1
	NoisyCos4  = 0x1.5555555555555p-5
	NoisyCos6  = -0x1.6c16c16c16c17p-10
	NoisyCos8  = 0x1.a01a01a01a01ap-16
	NoisyCos10 = -0x1.27e4fb7789f5cp-22
	NoisyCos12 = 0x1.1eed8eff8d898p-29
)
