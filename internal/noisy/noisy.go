// Package noisy holds NoisyReLU's generator and its last pass, shared by
// rectify.NoisyReLU and fallback.NoisyReLU, which differ only in the
// Sigmoid they call and in the assembly bulk kernel rectify passes on
// AVX-512 and AVX2 (the same bits either way). The algorithm and its
// constants are documented in package kernels (kernels/noisy.go).
package noisy

import (
	"math"
	"math/bits"
	"sync"

	"github.com/rectify-go/rectify/internal/fma32"
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
		c0, c1, c2, c3 = round(c0, c1, c2, c3, k0, k1)
	}
	return [4]uint32{c0, c1, c2, c3}
}

// round is one Philox4x32 round of the counter c0..c3 under the round key
// k0, k1.
func round(c0, c1, c2, c3, k0, k1 uint32) (uint32, uint32, uint32, uint32) {
	hi0, lo0 := bits.Mul32(kernels.PhiloxM0, c0)
	hi1, lo1 := bits.Mul32(kernels.PhiloxM1, c2)
	return hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
}

// philox2 returns Block(seed, b) and the block after it, b+1 modulo 2^62
// (the block of index 2^64 is that of index 0), their rounds interleaved:
// two independent chains of multiplications.
func philox2(seed, b uint64) (p, q [4]uint32) {
	b1 := (b + 1) & (1<<62 - 1)
	a0, a1, a2, a3 := uint32(b), uint32(b>>32), uint32(0), uint32(0)
	c0, c1, c2, c3 := uint32(b1), uint32(b1>>32), uint32(0), uint32(0)
	k0, k1 := uint32(seed), uint32(seed>>32)
	for r := 0; r < kernels.PhiloxRounds; r++ {
		if r > 0 {
			k0 += kernels.PhiloxW0
			k1 += kernels.PhiloxW1
		}
		a0, a1, a2, a3 = round(a0, a1, a2, a3, k0, k1)
		c0, c1, c2, c3 = round(c0, c1, c2, c3, k0, k1)
	}
	return [4]uint32{a0, a1, a2, a3}, [4]uint32{c0, c1, c2, c3}
}

// Block returns the four Philox words of block b under seed: the words of
// indices 4b .. 4b+3.
func Block(seed, b uint64) [4]uint32 {
	return Philox([4]uint32{uint32(b), uint32(b >> 32), 0, 0}, [2]uint32{uint32(seed), uint32(seed >> 32)})
}

// Normals returns the standard normal numbers of indices 4b .. 4b+3 under
// seed.
func Normals(seed, b uint64) [4]float32 {
	w := Block(seed, b)
	c0, s0 := BoxMuller(w[0], w[1])
	c1, s1 := BoxMuller(w[2], w[3])
	return [4]float32{c0, s0, c1, s1}
}

// BoxMuller returns r cos th and r sin th for r = sqrt(-2 ln u), u = (a +
// 1/2) 2^-32, th = 2 pi b 2^-32, computed by the fixed sequence of
// kernels/noisy.go.
func BoxMuller(a, b uint32) (c, s float32) {
	r := sqrt(-2 * logU(a))
	ca, sa := sincosQuarter(b)
	return r * ca, r * sa
}

// sqrt returns the correctly rounded square root of x (the float64
// square root of a float32 rounds to float32 correctly).
func sqrt(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// logU returns ln u for the word a, u = (float32(a) + 1/2) 2^-32.
func logU(a uint32) float32 {
	v := math.Float32bits(float32(a) + 0.5)
	// v = 2^e * m, m in [1, 2); halve m and increment e where m > sqrt2
	// (compared as the significand bits: c is 1 there, else 0).
	mb := v & fracBits
	c := (sqrt2Frac - mb) >> 31
	m := math.Float32frombits(mb | (127-c)<<23)
	k := float32(int32(v>>23) - 127 - 32 + int32(c))
	w := (m - 1) / (m + 1)
	s := w + w
	z := float32(w * w)
	q := float32(z*kernels.NoisyLogQ9) + kernels.NoisyLogQ7
	q = float32(z*q) + kernels.NoisyLogQ5
	q = float32(z*q) + kernels.NoisyLogQ3
	lnm := float32(s*float32(z*q)) + s
	// k*NoisyLn2Hi and k*NoisyLn2Lo are exact.
	return float32(k*kernels.NoisyLn2Hi) + (float32(k*kernels.NoisyLn2Lo) + lnm)
}

// fracBits masks a float32's significand bits; sqrt2Frac is
// kernels.NoisySqrt2's.
const (
	fracBits  = 1<<23 - 1
	sqrt2Frac = 0x3504f3
)

// sincosQuarter returns cos and sin of 2 pi b 2^-32.
func sincosQuarter(b uint32) (c, s float32) {
	q := (b + 1<<29) >> 30 // nearest quarter turn, modulo 4
	f := int32(b - q<<30)  // [-2^29, 2^29)
	a := float32(float32(f) * kernels.NoisyHalfPiScaled)
	a2 := float32(a * a)
	p := float32(a2*kernels.NoisySin9) + kernels.NoisySin7
	p = float32(a2*p) + kernels.NoisySin5
	p = float32(a2*p) + kernels.NoisySin3
	sa := float32(float32(a*a2)*p) + a
	r := float32(a2*kernels.NoisyCos10) + kernels.NoisyCos8
	r = float32(a2*r) + kernels.NoisyCos6
	r = float32(a2*r) + kernels.NoisyCos4
	r = float32(a2*r) + kernels.NoisyCos2
	ca := float32(a2*r) + 1
	// Rotate by q quarter turns: q odd swaps cos and sin, q = 1, 2 negate
	// cos, q = 2, 3 negate sin. Bit operations: no branch to mispredict.
	cb, sb := math.Float32bits(ca), math.Float32bits(sa)
	d := (cb ^ sb) & -(q & 1)
	negC, negS := (q+1)>>1<<31, q>>1<<31
	return math.Float32frombits(cb ^ d ^ negC), math.Float32frombits(sb ^ d ^ negS)
}

// chunk is the number of elements ReLU computes sigmoid for at a time,
// into dst, with x saved first when dst is x.
const chunk = 512

// saved holds the x of an in-place call's chunk: on the heap, so that
// the bulk kernel, a func value, may read it.
var saved = sync.Pool{New: func() any { return new([chunk]float32) }}

// A Bulk kernel computes Apply's output for the indices from 4*block on,
// on as many whole groups of its size as x holds, and returns the number
// of elements it did.
type Bulk func(dst, x, s []float32, seed, block uint64) int

// ReLU is NoisyReLU with sigmoid computing Sigmoid (rectify's or
// fallback's: the same bits) on slices of at most chunk elements and
// bulk (nil: none) computing the output on the whole blocks it can, Apply
// the rest; dst and x checked by the caller.
func ReLU(dst, x []float32, seed, offset uint64, sigmoid func(dst, x []float32), bulk Bulk) {
	var buf *[chunk]float32
	if len(x) > 0 && &dst[0] == &x[0] {
		buf = saved.Get().(*[chunk]float32)
		defer saved.Put(buf)
	}
	for len(x) > 0 {
		m := min(len(x), chunk)
		xs := x[:m]
		if buf != nil {
			xs = buf[:m]
			copy(xs, x)
		}
		s := dst[:m]
		sigmoid(s, x[:m])
		h := 0
		if bulk != nil {
			h = min(int(-offset&3), m) // the elements before the first whole block
			Apply(s[:h], xs[:h], s[:h], seed, offset)
			h += bulk(s[h:], xs[h:], s[h:], seed, (offset+uint64(h))>>2)
		}
		Apply(s[h:], xs[h:], s[h:], seed, offset+uint64(h))
		dst, x = dst[m:], x[m:]
		offset += uint64(m)
	}
}

// Apply sets dst[i] = max(0, x[i] + sqrt(s[i])*N(offset+i)), s[i] =
// sigmoid(x[i]), N the normal numbers of seed; a NaN x[i] gives x[i]
// quieted. dst, x and s have one length; dst may be s, and x's element i
// is read before dst's is written.
func Apply(dst, x, s []float32, seed, offset uint64) {
	n := len(x)
	dst, s = dst[:n], s[:n]
	i := 0
	// The block of offset, from its lane offset&3 on.
	if l := offset & 3; l != 0 && n > 0 {
		nrm := Normals(seed, offset>>2)
		for ; l < kernels.NoisyLanes && i < n; l++ {
			dst[i] = out(x[i], s[i], nrm[l])
			i++
		}
	}
	// Whole blocks, two at a time: offset+i is a multiple of 4 (modulo
	// 2^64 too).
	for ; i+2*kernels.NoisyLanes <= n; i += 2 * kernels.NoisyLanes {
		p, q := philox2(seed, (offset+uint64(i))>>2)
		n0, n1 := BoxMuller(p[0], p[1])
		n2, n3 := BoxMuller(p[2], p[3])
		n4, n5 := BoxMuller(q[0], q[1])
		n6, n7 := BoxMuller(q[2], q[3])
		d, xb, sb := dst[i:i+8:i+8], x[i:i+8:i+8], s[i:i+8:i+8]
		d[0] = out(xb[0], sb[0], n0)
		d[1] = out(xb[1], sb[1], n1)
		d[2] = out(xb[2], sb[2], n2)
		d[3] = out(xb[3], sb[3], n3)
		d[4] = out(xb[4], sb[4], n4)
		d[5] = out(xb[5], sb[5], n5)
		d[6] = out(xb[6], sb[6], n6)
		d[7] = out(xb[7], sb[7], n7)
	}
	for ; i+kernels.NoisyLanes <= n; i += kernels.NoisyLanes {
		nrm := Normals(seed, (offset+uint64(i))>>2)
		d, xb, sb := dst[i:i+4:i+4], x[i:i+4:i+4], s[i:i+4:i+4]
		d[0] = out(xb[0], sb[0], nrm[0])
		d[1] = out(xb[1], sb[1], nrm[1])
		d[2] = out(xb[2], sb[2], nrm[2])
		d[3] = out(xb[3], sb[3], nrm[3])
	}
	if i < n {
		nrm := Normals(seed, (offset+uint64(i))>>2)
		for l := 0; i < n; l++ {
			dst[i] = out(x[i], s[i], nrm[l])
			i++
		}
	}
}

// out returns max(0, fma(sqrt(s), n, x)) (+0 for a result <= 0, -0
// included), or x quieted if x is NaN; without branches.
func out(x, s, n float32) float32 {
	y := math.Float32bits(fma32.FMA(sqrt(s), n, x))
	y &^= uint32(int32(y) >> 31)
	xb := math.Float32bits(x)
	nan := uint32(int32(kernels.ExpBits-xb&kernels.AbsMask) >> 31)
	return math.Float32frombits(y&^nan | (xb|kernels.QuietBit)&nan)
}
