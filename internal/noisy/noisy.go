// Package noisy holds NoisyReLU's generator and its last pass, shared by
// rectify.NoisyReLU and fallback.NoisyReLU, which differ only in the
// Sigmoid they call (the same bits either way). The algorithm and its
// constants are documented in package kernels (kernels/noisy.go).
package noisy

import (
	"math"
	"math/bits"

	"github.com/rectify-go/rectify/kernels"
)

// Philox returns Philox4x32-10 of counter c under key k.
func Philox(c [4]uint32, k [2]uint32) [4]uint32 {
	c0, c1, c2, c3 := c[0], c[1], c[2], c[3]
	k0, k1 := k[0], k[1]
	for r := 0; r < kernels.PhiloxRounds; r++ {
		if r > 0 {
			k0 += kernels.PhiloxW0
			k1 += kernels.PhiloxW1
		}
		hi0, lo0 := bits.Mul32(kernels.PhiloxM0, c0)
		hi1, lo1 := bits.Mul32(kernels.PhiloxM1, c2)
		c0, c1, c2, c3 = hi1^c1^k0, lo1, hi0^c3^k1, lo0
	}
	return [4]uint32{c0, c1, c2, c3}
}

// Block returns the four Philox words of block b under seed: the words of
// indices 4b .. 4b+3.
func Block(seed, b uint64) [4]uint32 {
	return Philox([4]uint32{uint32(b), uint32(b >> 32), 0, 0}, [2]uint32{uint32(seed), uint32(seed >> 32)})
}

// Normals returns the standard normal numbers of indices 4b .. 4b+3 under
// seed.
func Normals(seed, b uint64) [4]float64 {
	w := Block(seed, b)
	c0, s0 := BoxMuller(w[0], w[1])
	c1, s1 := BoxMuller(w[2], w[3])
	return [4]float64{c0, s0, c1, s1}
}

// BoxMuller returns r cos th and r sin th for r = sqrt(-2 ln u), u = (2a +
// 1) 2^-33, th = 2 pi b 2^-32, computed by the fixed sequence of
// kernels/noisy.go.
func BoxMuller(a, b uint32) (c, s float64) {
	r := math.Sqrt(-2 * logU(a))
	ca, sa := sincosQuarter(b)
	return float64(r * ca), float64(r * sa)
}

// logU returns ln((2a + 1) 2^-33).
func logU(a uint32) float64 {
	v := math.Float64bits(float64(2*uint64(a) + 1))
	e := int64(v>>52) - 1023
	m := math.Float64frombits(v&(1<<52-1) | 1023<<52) // [1, 2)
	if m > kernels.NoisySqrt2 {
		m *= 0.5
		e++
	}
	k := float64(e - 33)
	w := (m - 1) / (m + 1)
	s := w + w
	z := float64(w * w)
	q := float64(z * kernels.NoisyLogQ15)
	q = float64(z * (kernels.NoisyLogQ13 + q))
	q = float64(z * (kernels.NoisyLogQ11 + q))
	q = float64(z * (kernels.NoisyLogQ9 + q))
	q = float64(z * (kernels.NoisyLogQ7 + q))
	q = float64(z * (kernels.NoisyLogQ5 + q))
	q = kernels.NoisyLogQ3 + q
	lnm := s + float64(s*float64(z*q))
	return float64(k*kernels.NoisyLn2Hi) + (lnm + float64(k*kernels.NoisyLn2Lo))
}

// sincosQuarter returns cos and sin of 2 pi b 2^-32.
func sincosQuarter(b uint32) (c, s float64) {
	q := (uint64(b) + 1<<29) >> 30 // nearest quarter turn, 0..4
	f := int64(b) - int64(q<<30)   // [-2^29, 2^29)
	a := float64(float64(f) * kernels.NoisyHalfPiScaled)
	a2 := float64(a * a)
	p := float64(a2 * kernels.NoisySin11)
	p = float64(a2 * (kernels.NoisySin9 + p))
	p = float64(a2 * (kernels.NoisySin7 + p))
	p = float64(a2 * (kernels.NoisySin5 + p))
	p = kernels.NoisySin3 + p
	sa := a + float64(float64(a*a2)*p)
	r := float64(a2 * kernels.NoisyCos12)
	r = float64(a2 * (kernels.NoisyCos10 + r))
	r = float64(a2 * (kernels.NoisyCos8 + r))
	r = float64(a2 * (kernels.NoisyCos6 + r))
	r = float64(a2 * (kernels.NoisyCos4 + r))
	r = float64(a2 * (kernels.NoisyCos2 + r))
	ca := 1 + r
	switch q & 3 {
	case 0:
		return ca, sa
	case 1:
		return -sa, ca
	case 2:
		return -ca, -sa
	}
	return sa, -ca
}

// Apply sets dst[i] = max(0, x[i] + sqrt(s[i])*N(offset+i)), s[i] =
// sigmoid(x[i]), N the normal numbers of seed; a NaN x[i] gives x[i]
// quieted. dst, x and s have one length; dst may be s, and x's element i
// is read before dst's is written.
func Apply(dst, x, s []float32, seed, offset uint64) {
	dst, s = dst[:len(x)], s[:len(x)]
	j := offset
	for i := 0; i < len(x); {
		nrm := Normals(seed, j>>2)
		for l := j & 3; l < kernels.NoisyLanes && i < len(x); l++ {
			dst[i] = out(x[i], s[i], nrm[l])
			i++
			j++
		}
	}
}

// out returns max(0, x + sqrt(s)*n) rounded to float32, or x quieted if x
// is NaN.
func out(x, s float32, n float64) float32 {
	if x != x {
		return math.Float32frombits(math.Float32bits(x) | kernels.QuietBit)
	}
	y := float32(float64(x) + float64(math.Sqrt(float64(s))*n))
	if y > 0 {
		return y
	}
	return 0
}
