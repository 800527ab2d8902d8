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
//	u  = (w0 + 1/2) * 2^-32           // in (0, 1), rounded as below
//	r  = sqrt(-2 ln u)
//	th = 2 pi w1 * 2^-32
//	lane 0 = r cos th,  lane 1 = r sin th
//
// Index j's number depends on j alone, not on where a call starts.
//
// # The transform, in float32, a fixed sequence of IEEE operations
//
// Every operation below is one float32 operation rounded to nearest even
// (no fused multiply-add: Go would have to emulate it).
//
// u: u = (f + 1/2) * 2^-32, f = float32(w0) (the word rounded to float32),
// f + 1/2 rounded: u in [2^-33, 1] (u = 1 where f rounds to 2^32: then r
// = 0).
//
// ln u: u = 2^e * m with m in (sqrt2/2, sqrt2] (the exponent and
// mantissa from the bits, m halved and e incremented where m >
// NoisySqrt2), k = float32(e),
//
//	w  = (m - 1)/(m + 1);  s = w + w;  z = w*w     // m - 1 exact (Sterbenz)
//	Q  = ((NoisyLogQ9*z + NoisyLogQ7)*z + NoisyLogQ5)*z + NoisyLogQ3
//	ln m = s*(z*Q) + s
//	ln u = k*NoisyLn2Hi + (k*NoisyLn2Lo + ln m)   // both products exact
//
// (the series of 2 atanh(w), |w| <= 0.1716, cut after w^9: relative
// error below 3e-9), r = sqrt(-2 ln u), IEEE's correctly rounded square
// root. NoisyLn2Hi and NoisyLn2Lo have 18 significant bits or fewer and
// |k| <= 33, so the products are exact (the assembly may fuse them with
// the additions: the same bits).
//
// cos th, sin th: t = w1 * 2^-30 quarter turns; q = round(t) mod 4
// (integer arithmetic modulo 2^32: (w1 + 2^29) >> 30), f = w1 - q*2^30 (a
// signed 32-bit integer, |f| <= 2^29), a = float32(f) * NoisyHalfPiScaled
// (|a| <= pi/4 + 2^-24), a2 = a*a:
//
//	sin a = (a*a2)*(((NoisySin9*a2 + NoisySin7)*a2 + NoisySin5)*a2 + NoisySin3) + a
//	cos a = ((((NoisyCos10*a2 + NoisyCos8)*a2 + NoisyCos6)*a2 + NoisyCos4)*a2 + NoisyCos2)*a2 + 1
//
// (Taylor series, cut after a^9 and a^10: truncation errors below 2e-9
// and 4e-11), then rotated by q quarter turns (exact sign changes and
// swaps); lane 0 = r * cos th, lane 1 = r * sin th.
//
// The measured distance of N from the exact Box-Muller value of the same
// u and th (math.Log, math.Sincos), in the README, is checked by
// fallback's TestNoisyTransform.
//
// # The output
//
// s = Sigmoid(x) (the library's float32 kernel, bit-identical on every
// path), then y = fma(sqrt(s), N, x), one float32 fused multiply-add
// (rounded once); dst = y > 0 ? y : +0; NaN x gives x quieted.
//
// # Where the numbers come from
//
// The Philox multipliers and Weyl increments are those of the paper (and
// of Random123, whose known-answer vectors TestPhilox checks). The
// transform's constants are the exact values rounded once to float32
// (from 100 digits of ln 2 and pi), but NoisyLn2Hi, ln 2 rounded to 18
// bits, and NoisyLn2Lo, ln 2 - NoisyLn2Hi rounded to 18 bits (together
// within 2e-12 of ln 2): NoisyLogQk = 1/k, NoisySink = (-1)^((k-1)/2)/k!,
// NoisyCosk = (-1)^(k/2)/k!, NoisyHalfPiScaled is pi/2 times 2^-30 and
// NoisySqrt2 is sqrt 2. TestNoisyConstants rederives each one.
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

// The normal transform's constants (float32).
const (
	NoisySqrt2 float32 = 0x1.6a09e6p+00
	NoisyLn2Hi float32 = 0x1.62e4p-01
	NoisyLn2Lo float32 = 0x1.7f7dp-20
	NoisyLogQ3 float32 = 0x1.555556p-02
	NoisyLogQ5 float32 = 0x1.99999ap-03
	NoisyLogQ7 float32 = 0x1.24924ap-03
	NoisyLogQ9 float32 = 0x1.c71c72p-04

	NoisyHalfPiScaled float32 = 0x1.921fb6p-30

	NoisySin3 float32 = -0x1.555556p-03
	NoisySin5 float32 = 0x1.111112p-07
	NoisySin7 float32 = -0x1.a01a02p-13
	NoisySin9 float32 = 0x1.71de3ap-19

	NoisyCos2  float32 = -0x1p-01
	NoisyCos4  float32 = 0x1.555556p-05
	NoisyCos6  float32 = -0x1.6c16c2p-10
	NoisyCos8  float32 = 0x1.a01a02p-16
	NoisyCos10 float32 = -0x1.27e4fcp-22
)
