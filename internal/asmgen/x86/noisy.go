package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/rectify-go/rectify/kernels"
)

// noisySignature is the signature of NoisyReLU's bulk kernels: len(x) a
// multiple of the kernel's step (noisy.step), dst, x and s of that
// length, the indices of x from 4*block on. dst may be x or s.
const noisySignature = "func(dst, x, s []float32, seed, block uint64)"

// constU64 returns the 64-bit constant c in every lane.
func constU64(c uint64) Mem {
	return poolMem(fmt.Sprintf("u64_%016x", c), [4]uint64{c, c, c, c})
}

// noisy generates NoisyReLU's bulk kernel on one ISA: it names each
// value's register and gives it back when the value is dead.
type noisy struct {
	s    *isa
	free []reg.VecPhysical
	nb   int // the vectors of blocks per iteration of the loop being emitted
}

func (g *noisy) get() reg.VecPhysical {
	if len(g.free) == 0 {
		panic("noisy: out of vector registers")
	}
	r := g.free[len(g.free)-1]
	g.free = g.free[:len(g.free)-1]
	return r
}

func (g *noisy) put(rs ...reg.VecPhysical) { g.free = append(g.free, rs...) }

// blocks is the number of Philox blocks in a vector (one per 64-bit
// lane); loops the numbers of vectors of blocks each loop interleaves
// (independent chains, as many as the registers allow): the main loop's,
// then a loop of one, which leaves fewer elements to the Go code; step the
// elements per iteration of the loop being emitted, which interleaves nb
// vectors.
func (g *noisy) blocks() int { return g.s.lanes / 2 }
func (g *noisy) loops() []int {
	if g.s.kmask {
		return []int{4, 1}
	}
	return []int{2, 1}
}
func (g *noisy) step() int { return g.nb * g.blocks() * kernels.NoisyLanes }

// and, xor and mov are the bitwise operations on whole vectors: EVEX
// forms on AVX-512 (every register), VEX forms on AVX2.
func (g *noisy) and(a, b, d Op) { pick2(g.s, VPANDQ, VPAND)(a, b, d) }
func (g *noisy) xor(a, b, d Op) { pick2(g.s, VPXORQ, VPXOR)(a, b, d) }
func (g *noisy) mov(a, d Op) {
	if g.s.kmask {
		VMOVDQA64(a, d)
		return
	}
	VMOVDQA(a, d)
}

// pick2 returns evex on AVX-512, vex on AVX2.
func pick2(s *isa, evex func(...Op), vex func(a, b, d Op)) func(a, b, d Op) {
	if s.kmask {
		return func(a, b, d Op) { evex(a, b, d) }
	}
	return vex
}

// xor3 sets d ^= a ^ b.
func (g *noisy) xor3(a, b Op, d reg.VecPhysical) {
	if g.s.kmask {
		VPTERNLOGQ(U8(0x96), a, b, d)
		return
	}
	VPXOR(a, d, d)
	VPXOR(b, d, d)
}

// constF32 returns the float32 constant c in every lane.
func constF32(c float32) Mem { return constU32(math.Float32bits(c)) }

// generateNoisy emits noisy<ISA> (noisySignature): NoisyReLU's output
// max(0, x + sqrt(s)*N) from x and s = Sigmoid(x), as package
// internal/noisy computes it (kernels/noisy.go), the same operations in
// the same order, so the same bits. Philox4x32-10 runs on a vector of
// blocks at once, one per 64-bit lane (the words in the low halves;
// VPMULUDQ reads only those, so the high halves may hold garbage); the
// words are then packed into 32-bit lanes, words 0 and 2 of a block side
// by side (and 1 and 3), Box-Muller runs on them in float32, and two
// unpacks and a shuffle put the normal numbers in index order. The lanes
// hold blocks 0, 2, 1, 3 (AVX2) or, for batch i of two, 4i + (0, 2, 1,
// 3) and 4i + 8 + (0, 2, 1, 3) (AVX-512): so the unpacks leave whole runs
// of consecutive blocks in each 128-bit lane.
func generateNoisy(s *isa) {
	g := &noisy{s: s}
	name := "noisy" + s.name
	TEXT(name, NOSPLIT, noisySignature)
	Load(Param("dst").Base(), dstPtr)
	Load(Param("x").Base(), srcPtrs[0])
	Load(Param("s").Base(), srcPtrs[1])
	Load(Param("x").Len(), count)
	seed, blk, t := reg.RAX, reg.RBX, reg.R9
	Load(Param("seed"), seed)
	Load(Param("block"), blk)
	loadConstBase()
	n := len(s.regs)
	g.free = append([]reg.VecPhysical(nil), s.regs[:n-3]...)
	// Held across the loop: the lanes' block numbers and the key's halves
	// (and on AVX-512 the multipliers).
	b, key0, key1 := s.regs[n-1], s.regs[n-2], s.regs[n-3]
	var m0, m1 Op = constU64(uint64(kernels.PhiloxM0)), constU64(uint64(kernels.PhiloxM1))
	if s.kmask {
		r := [2]reg.VecPhysical{g.get(), g.get()}
		VMOVDQU64(m0, r[0])
		VMOVDQU64(m1, r[1])
		m0, m1 = r[0], r[1]
		Comment("K1: the odd 32-bit lanes.")
		MOVL(U32(0xaaaa), t.As32())
		KMOVW(t.As32(), reg.K1)
	}
	mask62 := constU64(1<<62 - 1)
	Comment("The key's halves, the lanes' block numbers (modulo 2^62).")
	MOVQ(seed, t)
	SHLQ(U8(32), t)
	SHRQ(U8(32), t)
	broadcast := func(r reg.GPPhysical, d reg.VecPhysical) {
		if s.kmask {
			VPBROADCASTQ(r, d)
			return
		}
		VMOVQ(r, d.AsX())
		VPBROADCASTQ(d.AsX(), d)
	}
	broadcast(t, key0)
	SHRQ(U8(32), seed)
	broadcast(seed, key1)
	broadcast(blk, b)
	iota := poolMem("u64_0213", [4]uint64{0, 2, 1, 3})
	if s.kmask {
		r := g.get()
		hi := uint64(4 * g.loops()[0])
		VMOVDQU64(iota, r)
		VINSERTI64X4(U8(1), poolMem(fmt.Sprintf("u64_%d_0213", hi), [4]uint64{hi, hi + 2, hi + 1, hi + 3}), r, r)
		VPADDQ(r, b, b)
		g.put(r)
	} else {
		VPADDQ(iota, b, b)
	}
	g.and(mask62, b, b)

	for li, nb := range g.loops() {
		if li > 0 && g.s.kmask {
			// The upper four lanes' blocks from 4*(previous nb) on to 4*nb
			// on (AVX2's four lanes hold one batch's blocks).
			MOVL(U32(0xf0), t.As32())
			KMOVW(t.As32(), reg.K2)
			VPSUBQ(constU64(uint64(4*(g.nb-nb))), b, reg.K2, b)
			g.and(mask62, b, b)
		}
		g.nb = nb
		Comment(fmt.Sprintf("Loop %d: %d elements (%d blocks) per iteration.", li, g.step(), g.step()/kernels.NoisyLanes))
		Label(fmt.Sprintf("loop%d", li))
		CMPQ(count, U32(g.step()))
		JB(LabelRef(fmt.Sprintf("done%d", li)))
		Comment("Philox4x32-10 on the counters (b low, b high, 0, 0) of each batch, interleaved.")
		c := make([][4]reg.VecPhysical, g.nb)
		for i := range c {
			c[i] = [4]reg.VecPhysical{g.get(), g.get(), g.get(), g.get()}
			if i == 0 {
				g.mov(b, c[i][0])
			} else {
				VPADDQ(constU64(uint64(4*i)), b, c[i][0])
				g.and(mask62, c[i][0], c[i][0])
			}
			VPSRLQ(U8(32), c[i][0], c[i][1])
			g.xor(c[i][2], c[i][2], c[i][2])
			g.xor(c[i][3], c[i][3], c[i][3])
		}
		k0, k1 := g.get(), g.get()
		g.mov(key0, k0)
		g.mov(key1, k1)
		for r := range kernels.PhiloxRounds {
			if r > 0 {
				VPADDD(constU64(uint64(kernels.PhiloxW0)), k0, k0)
				VPADDD(constU64(uint64(kernels.PhiloxW1)), k1, k1)
			}
			// hi0, lo0 = M0*c0; hi1, lo1 = M1*c2;
			// c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0).
			for i := range c {
				VPMULUDQ(m0, c[i][0], c[i][0])
				VPMULUDQ(m1, c[i][2], c[i][2])
			}
			for i := range c {
				p0, p1 := c[i][0], c[i][2]
				h0, h1 := g.get(), g.get()
				// The high halves into the low ones (the dwords of each lane
				// swapped: a shuffle, not a shift, beside the multiplier).
				VPSHUFD(U8(0xb1), p0, h0)
				VPSHUFD(U8(0xb1), p1, h1)
				g.xor3(k0, c[i][1], h1)
				g.xor3(k1, c[i][3], h0)
				g.put(c[i][1], c[i][3])
				c[i] = [4]reg.VecPhysical{h1, p1, h0, p0}
			}
		}
		g.put(k0, k1)
		Comment("Words 0 and 2 (u), 1 and 3 (th) of each block side by side in 32-bit lanes.")
		var u, th []reg.VecPhysical
		for i := range c {
			u = append(u, g.pack(c[i][0], c[i][2]))
			th = append(th, g.pack(c[i][1], c[i][3]))
		}
		Comment("Box-Muller on each batch, interleaved.")
		nc, ns := g.boxMuller(u, th)
		for i := range nc {
			Comment(fmt.Sprintf("Batch %d: its normal numbers in index order, the output.", i))
			lo, hi := g.get(), g.get()
			VUNPCKLPS(ns[i], nc[i], lo) // blocks in the even 64-bit lanes
			VUNPCKHPS(ns[i], nc[i], hi) // the odd ones
			g.put(nc[i], ns[i])
			vb := s.vecBytes()
			if s.kmask {
				// lo holds blocks 4i, 4i+1, 4i+8, 4i+9 (128-bit lane by lane),
				// hi 4i+2, 4i+3, 4i+10, 4i+11.
				o := g.get()
				VSHUFF32X4(U8(0x44), hi, lo, o)
				g.out(o, vb*i)
				VSHUFF32X4(U8(0xee), hi, lo, o)
				g.out(o, vb*(g.nb+i))
				g.put(o)
			} else {
				g.out(lo, vb*2*i) // blocks 4i and 4i+1
				g.out(hi, vb*(2*i+1))
			}
			g.put(lo, hi)
		}
		ADDQ(U32(4*g.step()), dstPtr)
		ADDQ(U32(4*g.step()), srcPtrs[0])
		ADDQ(U32(4*g.step()), srcPtrs[1])
		SUBQ(U32(g.step()), count)
		VPADDQ(constU64(uint64(g.blocks()*g.nb)), b, b)
		g.and(mask62, b, b)
		JMP(LabelRef(fmt.Sprintf("loop%d", li)))
		Label(fmt.Sprintf("done%d", li))
	}
	VZEROUPPER()
	RET()
}

// pack returns the low halves of the 64-bit lanes of a and b side by
// side, a's in the even 32-bit lanes; it frees a and b.
func (g *noisy) pack(a, b reg.VecPhysical) reg.VecPhysical {
	VPSLLQ(U8(32), b, b)
	if g.s.kmask {
		VPBLENDMD(b, a, reg.K1, a)
	} else {
		VPBLENDD(U8(0xaa), b, a, a)
	}
	g.put(b)
	return a
}

// boxMuller returns r cos th and r sin th from the words a[k] and b[k]
// (32-bit lanes) for every k, as noisy.BoxMuller; it frees a and b. The
// chains are interleaved one instruction at a time (each step emits its
// instruction for every k).
func (g *noisy) boxMuller(a, b []reg.VecPhysical) (nc, ns []reg.VecPhysical) {
	n := len(a)
	each := func(f func(k int)) {
		for k := range n {
			f(k)
		}
	}
	get := func() []reg.VecPhysical {
		r := make([]reg.VecPhysical, n)
		each(func(k int) { r[k] = g.get() })
		return r
	}
	put := func(rs ...[]reg.VecPhysical) {
		for _, r := range rs {
			g.put(r...)
		}
	}
	one := constF32(1)
	horner := func(c float32, m, d []reg.VecPhysical) { // d = m*d + c, two roundings
		each(func(k int) { VMULPS(m[k], d[k], d[k]) })
		each(func(k int) { VADDPS(constF32(c), d[k], d[k]) })
	}
	// u = (float32(a) + 1/2) 2^-32 = 2^e m, m in (sqrt2/2, sqrt2].
	f := get()
	if g.s.kmask {
		each(func(k int) { VCVTUDQ2PS(a[k], f[k]) })
	} else {
		// float32(a) = fma(a >> 16, 2^16, a & 0xffff), one rounding.
		each(func(k int) { VPSRLD(U8(16), a[k], f[k]) })
		each(func(k int) { VPAND(constU32(0xffff), a[k], a[k]) })
		each(func(k int) { VCVTDQ2PS(f[k], f[k]) })
		each(func(k int) { VCVTDQ2PS(a[k], a[k]) })
		each(func(k int) { VFMADD132PS(constF32(0x1p16), a[k], f[k]) }) // f*2^16 + a
	}
	each(func(k int) { VADDPS(constF32(0.5), f[k], f[k]) })
	mb, e, m := a, get(), get()
	each(func(k int) { g.and(constU32(1<<23-1), f[k], mb[k]) })
	each(func(k int) { VPSRLD(U8(23), f[k], e[k]) })
	sqrt2Frac := constU32(math.Float32bits(kernels.NoisySqrt2) & (1<<23 - 1))
	// m > sqrt2 (as the significand bits): halve m, increment e.
	if g.s.kmask {
		ks := []reg.OpmaskPhysical{reg.K2, reg.K3, reg.K4, reg.K5, reg.K6, reg.K7}[:n]
		each(func(k int) { VPCMPUD(U8(6), sqrt2Frac, mb[k], ks[k]) })
		each(func(k int) { VPORD(constU32(127<<23), mb[k], m[k]) })
		each(func(k int) { VPORD(constU32(126<<23), mb[k], ks[k], m[k]) })
		each(func(k int) { VPADDD(constU32(1), e[k], ks[k], e[k]) })
	} else {
		c := f
		each(func(k int) { VPCMPGTD(sqrt2Frac, mb[k], c[k]) }) // all ones where m > sqrt2
		each(func(k int) { VPOR(constU32(127<<23), mb[k], m[k]) })
		each(func(k int) { VPSUBD(c[k], e[k], e[k]) })
		each(func(k int) { VPAND(constU32(1<<23), c[k], c[k]) })
		each(func(k int) { VPXOR(c[k], m[k], m[k]) }) // 126 << 23
	}
	each(func(k int) { VPADDD(constU32(uint32(1<<32-127-32)), e[k], e[k]) }) // e - 127 - 32 + c
	kf := e
	each(func(k int) { VCVTDQ2PS(e[k], kf[k]) })
	w, d := mb, f
	each(func(k int) { VSUBPS(one, m[k], w[k]) })
	each(func(k int) { VADDPS(one, m[k], d[k]) })
	each(func(k int) { VDIVPS(d[k], w[k], w[k]) })
	s, q := m, d
	each(func(k int) { VADDPS(w[k], w[k], s[k]) })
	each(func(k int) { VMULPS(w[k], w[k], w[k]) }) // z
	each(func(k int) { VMOVUPS(constF32(kernels.NoisyLogQ9), q[k]) })
	horner(kernels.NoisyLogQ7, w, q)
	horner(kernels.NoisyLogQ5, w, q)
	horner(kernels.NoisyLogQ3, w, q)
	each(func(k int) { VMULPS(w[k], q[k], q[k]) })
	each(func(k int) { VMULPS(s[k], q[k], q[k]) })
	each(func(k int) { VADDPS(s[k], q[k], q[k]) }) // ln m
	// The products by NoisyLn2Lo and NoisyLn2Hi are exact: fused, the
	// same bits.
	each(func(k int) { VFMADD231PS(constF32(kernels.NoisyLn2Lo), kf[k], q[k]) })
	each(func(k int) { VFMADD231PS(constF32(kernels.NoisyLn2Hi), kf[k], q[k]) }) // ln u
	each(func(k int) { VMULPS(constF32(-2), q[k], q[k]) })
	r := q
	each(func(k int) { VSQRTPS(q[k], r[k]) })
	put(w, s, kf)

	// cos th, sin th: q = round(b / 2^30) mod 4 quarter turns, f = b - q 2^30.
	qt, x := get(), get()
	each(func(k int) { VPADDD(constU32(1<<29), b[k], qt[k]) })
	each(func(k int) { VPSRLD(U8(30), qt[k], qt[k]) })
	each(func(k int) { VPSLLD(U8(30), qt[k], x[k]) })
	each(func(k int) { VPSUBD(x[k], b[k], x[k]) })
	each(func(k int) { VCVTDQ2PS(x[k], x[k]) })
	each(func(k int) { VMULPS(constF32(kernels.NoisyHalfPiScaled), x[k], x[k]) }) // a
	x2 := b
	each(func(k int) { VMULPS(x[k], x[k], x2[k]) })
	p := get()
	each(func(k int) { VMOVUPS(constF32(kernels.NoisySin9), p[k]) })
	horner(kernels.NoisySin7, x2, p)
	horner(kernels.NoisySin5, x2, p)
	horner(kernels.NoisySin3, x2, p)
	t := get()
	each(func(k int) { VMULPS(x2[k], x[k], t[k]) })
	each(func(k int) { VMULPS(t[k], p[k], p[k]) })
	each(func(k int) { VADDPS(p[k], x[k], x[k]) }) // sin a
	each(func(k int) { VMOVUPS(constF32(kernels.NoisyCos10), p[k]) })
	horner(kernels.NoisyCos8, x2, p)
	horner(kernels.NoisyCos6, x2, p)
	horner(kernels.NoisyCos4, x2, p)
	horner(kernels.NoisyCos2, x2, p)
	horner(1, x2, p) // cos a
	sa, ca := x, p
	// Rotate by q quarter turns: q odd swaps cos and sin, q = 1, 2 negate
	// cos, q = 2, 3 negate sin.
	each(func(k int) { VPSLLD(U8(31), qt[k], t[k]) }) // the sign bit: q odd
	if g.s.kmask {
		each(func(k int) { VPSRAD(U8(31), t[k], t[k]) })
		each(func(k int) { VPXORD(sa[k], ca[k], x2[k]) })
		each(func(k int) { VPANDD(t[k], x2[k], x2[k]) }) // the swap
		each(func(k int) { VPADDD(constU32(1), qt[k], t[k]) })
		each(func(k int) { VPSRLD(U8(1), t[k], t[k]) })
		each(func(k int) { VPSLLD(U8(31), t[k], t[k]) })
		each(func(k int) { VPTERNLOGD(U8(0x96), t[k], x2[k], ca[k]) })
		each(func(k int) { VPSRLD(U8(1), qt[k], t[k]) })
		each(func(k int) { VPSLLD(U8(31), t[k], t[k]) })
		each(func(k int) { VPTERNLOGD(U8(0x96), t[k], x2[k], sa[k]) })
	} else {
		each(func(k int) { VBLENDVPS(t[k], sa[k], ca[k], x2[k]) }) // swapped cos
		each(func(k int) { VBLENDVPS(t[k], ca[k], sa[k], sa[k]) }) // swapped sin
		each(func(k int) { VPADDD(constU32(1), qt[k], t[k]) })
		each(func(k int) { VPSRLD(U8(1), t[k], t[k]) })
		each(func(k int) { VPSLLD(U8(31), t[k], t[k]) })
		each(func(k int) { VPXOR(t[k], x2[k], ca[k]) })
		each(func(k int) { VPSRLD(U8(1), qt[k], t[k]) })
		each(func(k int) { VPSLLD(U8(31), t[k], t[k]) })
		each(func(k int) { VPXOR(t[k], sa[k], sa[k]) })
	}
	each(func(k int) { VMULPS(ca[k], r[k], ca[k]) })
	each(func(k int) { VMULPS(sa[k], r[k], sa[k]) })
	put(qt, x2, t, r)
	return ca, sa
}

// out stores max(0, fma(sqrt(s), n, x)) for the vector at byte offset off,
// n its normal numbers, as noisy's out: +0 for a result <= 0. A NaN x
// gives x quieted: s = Sigmoid(x) is then x quieted, and so are its square
// root and the FMA (x86 returns a NaN operand, quieted).
func (g *noisy) out(n reg.VecPhysical, off int) {
	y, d := g.get(), g.get()
	VSQRTPS(Mem{Base: srcPtrs[1], Disp: off}, y)
	VFMADD213PS(Mem{Base: srcPtrs[0], Disp: off}, n, y)
	VMAXPS(constU32(0), y, d)
	if g.s.kmask {
		VCMPPS(U8(3), y, y, reg.K2) // y is NaN
		VBLENDMPS(y, d, reg.K2, d)
	} else {
		m := g.get()
		VCMPPS(U8(3), y, y, m)
		VBLENDVPS(m, y, d, d)
		g.put(m)
	}
	VMOVUPS(d, Mem{Base: dstPtr, Disp: off})
	g.put(y, d)
}
