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
	// lo32 masks the low halves of 64-bit lanes: a register on AVX-512, a
	// memory operand on AVX2 (16 registers).
	lo32 Op
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
// lane); batches the number of vectors of blocks an iteration interleaves
// (independent chains of multiplications, where the registers allow);
// step the elements per iteration.
func (g *noisy) blocks() int { return g.s.lanes / 2 }
func (g *noisy) batches() int {
	if g.s.kmask {
		return 2
	}
	return 1
}
func (g *noisy) step() int { return g.batches() * g.blocks() * kernels.NoisyLanes }

// and, or, xor and mov are the bitwise operations on whole vectors: EVEX
// forms on AVX-512 (every register), VEX forms on AVX2.
func (g *noisy) and(a, b, d Op) { pick2(g.s, VPANDQ, VPAND)(a, b, d) }
func (g *noisy) or(a, b, d Op)  { pick2(g.s, VPORQ, VPOR)(a, b, d) }
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

// toF64 converts the signed 64-bit integers of x, |x| < 2^51, to float64
// into d: VCVTQQ2PD on AVX-512; on AVX2 the integer added to the bits of
// 2^52 + 2^51, then that number subtracted (both exact).
func (g *noisy) toF64(x, d reg.VecPhysical) {
	if g.s.kmask {
		VCVTQQ2PD(x, d)
		return
	}
	const magic = 0x4338000000000000 // 2^52 + 2^51
	VPADDQ(constU64(magic), x, d)
	VSUBPD(constU64(magic), d, d)
}

// generateNoisy emits noisy<ISA> (noisySignature): NoisyReLU's output
// max(0, x + sqrt(s)*N) from x and s = Sigmoid(x), as package
// internal/noisy computes it (kernels/noisy.go), the same operations in
// the same order, so the same bits. Philox4x32-10 runs on a vector of
// blocks at once, one per 64-bit lane (the words in the low halves;
// VPMULUDQ reads only those, so the high halves may hold garbage until
// the words are masked); Box-Muller runs on those lanes in float64, and a
// transpose puts the normal numbers of each block's four indices in index
// order.
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
	// (and on AVX-512 the multipliers and the low-32-bit mask).
	b, key0, key1 := s.regs[n-1], s.regs[n-2], s.regs[n-3]
	var m0, m1 Op = constU64(uint64(kernels.PhiloxM0)), constU64(uint64(kernels.PhiloxM1))
	g.lo32 = constU64(1<<32 - 1)
	if s.kmask {
		r := [3]reg.VecPhysical{g.get(), g.get(), g.get()}
		VMOVDQU64(m0, r[0])
		VMOVDQU64(m1, r[1])
		VMOVDQU64(g.lo32, r[2])
		m0, m1, g.lo32 = r[0], r[1], r[2]
	}
	mask62 := constU64(1<<62 - 1)
	Comment("The key's halves, the lanes' block numbers block+0, 1, ... (modulo 2^62).")
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
	iota := poolMem("u64_0123", [4]uint64{0, 1, 2, 3})
	if s.kmask {
		r := g.get()
		VMOVDQU64(iota, r)
		VINSERTI64X4(U8(1), poolMem("u64_4567", [4]uint64{4, 5, 6, 7}), r, r)
		VPADDQ(r, b, b)
		g.put(r)
	} else {
		VPADDQ(iota, b, b)
	}
	g.and(mask62, b, b)

	Comment(fmt.Sprintf("Main loop: %d elements (%d blocks) per iteration.", g.step(), g.step()/kernels.NoisyLanes))
	Label("loop")
	CMPQ(count, U32(g.step()))
	JB(LabelRef("done"))
	Comment("Philox4x32-10 on the counters (b low, b high, 0, 0) of each batch, interleaved.")
	c := make([][4]reg.VecPhysical, g.batches())
	for i := range c {
		c[i] = [4]reg.VecPhysical{g.get(), g.get(), g.get(), g.get()}
		if i == 0 {
			g.mov(b, c[i][0])
		} else {
			VPADDQ(constU64(uint64(g.blocks()*i)), b, c[i][0])
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
			VPSRLQ(U8(32), p0, h0)
			VPSRLQ(U8(32), p1, h1)
			g.xor3(k0, c[i][1], h1)
			g.xor3(k1, c[i][3], h0)
			g.put(c[i][1], c[i][3])
			c[i] = [4]reg.VecPhysical{h1, p1, h0, p0}
		}
	}
	g.put(k0, k1)
	Comment("Box-Muller on words 0 and 1, and on words 2 and 3, of each batch, interleaved.")
	var a, b2 []reg.VecPhysical
	for i := range c {
		for pair := range 2 {
			a, b2 = append(a, c[i][2*pair]), append(b2, c[i][2*pair+1])
		}
	}
	nc, ns := g.boxMuller(a, b2)
	nrm := make([][4]reg.VecPhysical, len(c)) // the normal numbers of lanes 0..3 of each block
	for i := range nrm {
		nrm[i] = [4]reg.VecPhysical{nc[2*i], ns[2*i], nc[2*i+1], ns[2*i+1]}
	}
	vb := 4 * g.blocks() // bytes of the float32 of one vector of float64
	for i := range nrm {
		Comment(fmt.Sprintf("Batch %d: the normal numbers of its elements in index order, the output.", i))
		for j, o := range g.transpose(nrm[i]) {
			g.out(o, vb*(4*i+j))
			g.put(o)
		}
	}
	ADDQ(U32(4*g.step()), dstPtr)
	ADDQ(U32(4*g.step()), srcPtrs[0])
	ADDQ(U32(4*g.step()), srcPtrs[1])
	SUBQ(U32(g.step()), count)
	VPADDQ(constU64(uint64(g.blocks()*g.batches())), b, b)
	g.and(mask62, b, b)
	JMP(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// boxMuller returns r cos th and r sin th from the words a[k] and b[k]
// (in the low halves of their lanes) for every k, as noisy.BoxMuller; it
// frees a and b. The pairs' independent chains are interleaved one
// instruction at a time (each step emits its instruction for every k):
// the chains are long, and the scheduler would otherwise fill with one of
// them.
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
	one := constF64(1)
	sqrt2Frac := constU64(math.Float64bits(kernels.NoisySqrt2) & (1<<52 - 1)) // its significand bits
	// ln u, u = (2a + 1) 2^-33: v = 2a + 1 = 2^e m; m in (sqrt2/2, sqrt2].
	each(func(k int) { g.and(g.lo32, a[k], a[k]) })
	each(func(k int) { VPADDQ(a[k], a[k], a[k]) })
	each(func(k int) { g.or(constU64(1), a[k], a[k]) })
	v := get()
	each(func(k int) { g.toF64(a[k], v[k]) })
	mb, m, e := a, get(), get()
	each(func(k int) { g.and(constU64(1<<52-1), v[k], mb[k]) })
	each(func(k int) { VPSRLQ(U8(52), v[k], e[k]) })
	// m > sqrt2 (as the significand bits): halve m, increment e.
	if g.s.kmask {
		ks := []reg.OpmaskPhysical{reg.K1, reg.K2, reg.K3, reg.K4, reg.K5, reg.K6, reg.K7}[:n]
		each(func(k int) { VPCMPUQ(U8(6), sqrt2Frac, mb[k], ks[k]) })
		each(func(k int) { VPORQ(constU64(1023<<52), mb[k], m[k]) })
		each(func(k int) { VPORQ(constU64(1022<<52), mb[k], ks[k], m[k]) })
		each(func(k int) { VPADDQ(constU64(1), e[k], ks[k], e[k]) })
	} else {
		c := get()
		each(func(k int) { VPCMPGTQ(sqrt2Frac, mb[k], c[k]) }) // all ones where m > sqrt2
		each(func(k int) { VPOR(constU64(1023<<52), mb[k], m[k]) })
		each(func(k int) { VPSUBQ(c[k], e[k], e[k]) })
		each(func(k int) { VPAND(constU64(1<<52), c[k], c[k]) })
		each(func(k int) { VPXOR(c[k], m[k], m[k]) }) // 1022 << 52
		put(c)
	}
	each(func(k int) { VPADDQ(constU64(uint64(1<<64-1056)), e[k], e[k]) }) // e - 1023 + c - 33
	kf := v
	each(func(k int) { g.toF64(e[k], kf[k]) })
	w, d := e, mb
	each(func(k int) { VSUBPD(one, m[k], w[k]) })
	each(func(k int) { VADDPD(one, m[k], d[k]) })
	each(func(k int) { VDIVPD(d[k], w[k], w[k]) })
	s := m
	each(func(k int) { VADDPD(w[k], w[k], s[k]) })
	q := d
	each(func(k int) { VMULPD(w[k], w[k], w[k]) }) // z
	each(func(k int) { VMULPD(constF64(kernels.NoisyLogQ15), w[k], q[k]) })
	for _, c := range []float64{kernels.NoisyLogQ13, kernels.NoisyLogQ11, kernels.NoisyLogQ9, kernels.NoisyLogQ7, kernels.NoisyLogQ5} {
		each(func(k int) { VADDPD(constF64(c), q[k], q[k]) })
		each(func(k int) { VMULPD(w[k], q[k], q[k]) })
	}
	each(func(k int) { VADDPD(constF64(kernels.NoisyLogQ3), q[k], q[k]) })
	each(func(k int) { VMULPD(q[k], w[k], q[k]) })
	each(func(k int) { VMULPD(s[k], q[k], q[k]) })
	each(func(k int) { VADDPD(q[k], s[k], s[k]) }) // ln m
	each(func(k int) { VMULPD(constF64(kernels.NoisyLn2Lo), kf[k], q[k]) })
	each(func(k int) { VADDPD(q[k], s[k], s[k]) })
	each(func(k int) { VMULPD(constF64(kernels.NoisyLn2Hi), kf[k], q[k]) })
	each(func(k int) { VADDPD(s[k], q[k], s[k]) }) // ln u
	each(func(k int) { VMULPD(constF64(-2), s[k], s[k]) })
	r := s
	each(func(k int) { VSQRTPD(s[k], r[k]) })
	put(w, q, kf)

	// cos th, sin th: q = round(b / 2^30) quarter turns, f = b - q 2^30.
	each(func(k int) { g.and(g.lo32, b[k], b[k]) })
	qt, f := get(), get()
	each(func(k int) { VPADDQ(constU64(1<<29), b[k], qt[k]) })
	each(func(k int) { VPSRLQ(U8(30), qt[k], qt[k]) })
	each(func(k int) { VPSLLQ(U8(30), qt[k], f[k]) })
	each(func(k int) { VPSUBQ(f[k], b[k], f[k]) })
	x := b
	each(func(k int) { g.toF64(f[k], x[k]) })
	each(func(k int) { VMULPD(constF64(kernels.NoisyHalfPiScaled), x[k], x[k]) }) // a
	x2 := f
	each(func(k int) { VMULPD(x[k], x[k], x2[k]) })
	p := get()
	each(func(k int) { VMULPD(constF64(kernels.NoisySin11), x2[k], p[k]) })
	for _, c := range []float64{kernels.NoisySin9, kernels.NoisySin7, kernels.NoisySin5} {
		each(func(k int) { VADDPD(constF64(c), p[k], p[k]) })
		each(func(k int) { VMULPD(x2[k], p[k], p[k]) })
	}
	each(func(k int) { VADDPD(constF64(kernels.NoisySin3), p[k], p[k]) })
	t := get()
	each(func(k int) { VMULPD(x2[k], x[k], t[k]) })
	each(func(k int) { VMULPD(p[k], t[k], t[k]) })
	each(func(k int) { VADDPD(t[k], x[k], x[k]) }) // sin a
	each(func(k int) { VMULPD(constF64(kernels.NoisyCos12), x2[k], p[k]) })
	for _, c := range []float64{kernels.NoisyCos10, kernels.NoisyCos8, kernels.NoisyCos6, kernels.NoisyCos4, kernels.NoisyCos2} {
		each(func(k int) { VADDPD(constF64(c), p[k], p[k]) })
		each(func(k int) { VMULPD(x2[k], p[k], p[k]) })
	}
	each(func(k int) { VADDPD(one, p[k], p[k]) }) // cos a
	sa, ca := x, p
	// Rotate by q quarter turns: q odd swaps cos and sin, q = 1, 2 negate
	// cos, q = 2, 3 negate sin.
	each(func(k int) { VPSLLQ(U8(63), qt[k], t[k]) }) // the sign bit: q odd
	if g.s.kmask {
		each(func(k int) { VPSRAQ(U8(63), t[k], t[k]) })
		each(func(k int) { VPXORQ(sa[k], ca[k], x2[k]) })
		each(func(k int) { VPANDQ(t[k], x2[k], x2[k]) }) // the swap
		each(func(k int) { VPADDQ(constU64(1), qt[k], t[k]) })
		each(func(k int) { VPSRLQ(U8(1), t[k], t[k]) })
		each(func(k int) { VPSLLQ(U8(63), t[k], t[k]) })
		each(func(k int) { g.xor3(t[k], x2[k], ca[k]) })
		each(func(k int) { VPSRLQ(U8(1), qt[k], t[k]) })
		each(func(k int) { VPSLLQ(U8(63), t[k], t[k]) })
		each(func(k int) { g.xor3(t[k], x2[k], sa[k]) })
	} else {
		each(func(k int) { VBLENDVPD(t[k], sa[k], ca[k], x2[k]) }) // swapped cos
		each(func(k int) { VBLENDVPD(t[k], ca[k], sa[k], sa[k]) }) // swapped sin
		each(func(k int) { VPADDQ(constU64(1), qt[k], t[k]) })
		each(func(k int) { VPSRLQ(U8(1), t[k], t[k]) })
		each(func(k int) { VPSLLQ(U8(63), t[k], t[k]) })
		each(func(k int) { VPXOR(t[k], x2[k], ca[k]) })
		each(func(k int) { VPSRLQ(U8(1), qt[k], t[k]) })
		each(func(k int) { VPSLLQ(U8(63), t[k], t[k]) })
		each(func(k int) { VPXOR(t[k], sa[k], sa[k]) })
	}
	each(func(k int) { VMULPD(ca[k], r[k], ca[k]) })
	each(func(k int) { VMULPD(sa[k], r[k], sa[k]) })
	put(qt, x2, t, r)
	return ca, sa
}

// transpose returns the float64 normal numbers of the vector's blocks in
// index order, out[j] holding the elements of blocks 2j and 2j+1
// (AVX-512) or of block j (AVX2), from n[l], lane i of which is element
// 4i + l; it frees n.
func (g *noisy) transpose(n [4]reg.VecPhysical) (out [4]reg.VecPhysical) {
	var t [4]reg.VecPhysical
	for i := range t {
		t[i] = g.get()
	}
	VUNPCKLPD(n[1], n[0], t[0]) // elements 0, 1, 8, 9, 16, 17, ...
	VUNPCKHPD(n[1], n[0], t[1]) // 4, 5, 12, 13, ...
	VUNPCKLPD(n[3], n[2], t[2]) // 2, 3, 10, 11, ...
	VUNPCKHPD(n[3], n[2], t[3]) // 6, 7, 14, 15, ...
	if !g.s.kmask {
		VPERM2F128(U8(0x20), t[2], t[0], n[0]) // 0-3
		VPERM2F128(U8(0x20), t[3], t[1], n[1]) // 4-7
		VPERM2F128(U8(0x31), t[2], t[0], n[2]) // 8-11
		VPERM2F128(U8(0x31), t[3], t[1], n[3]) // 12-15
		g.put(t[:]...)
		return n
	}
	// 128-bit lanes: v0 = t0.0 t0.1 t2.0 t2.1, v1 = t1.0 t1.1 t3.0 t3.1,
	// v2 and v3 the same of lanes 2 and 3.
	v := n
	VSHUFF64X2(U8(0x44), t[2], t[0], v[0])
	VSHUFF64X2(U8(0x44), t[3], t[1], v[1])
	VSHUFF64X2(U8(0xee), t[2], t[0], v[2])
	VSHUFF64X2(U8(0xee), t[3], t[1], v[3])
	VSHUFF64X2(U8(0x88), v[1], v[0], t[0])
	VSHUFF64X2(U8(0xdd), v[1], v[0], t[1])
	VSHUFF64X2(U8(0x88), v[3], v[2], t[2])
	VSHUFF64X2(U8(0xdd), v[3], v[2], t[3])
	g.put(v[:]...)
	return t
}

// out stores max(0, x + sqrt(s)*n) for the elements at byte offset off,
// n their normal numbers, as noisy's out: +0 for a result <= 0, x
// quieted for a NaN x.
func (g *noisy) out(n reg.VecPhysical, off int) {
	xd, sd := g.get(), g.get()
	VCVTPS2PD(Mem{Base: srcPtrs[0], Disp: off}, xd)
	VCVTPS2PD(Mem{Base: srcPtrs[1], Disp: off}, sd)
	VSQRTPD(sd, sd)
	VMULPD(n, sd, sd)
	VADDPD(sd, xd, xd)
	x := Mem{Base: srcPtrs[0], Disp: off}
	if g.s.kmask {
		y, sgn, xs := xd.AsY(), sd.AsY(), n.AsY()
		VCVTPD2PS(xd, y)
		VPSRAD(U8(31), y, sgn)
		VPANDND(y, sgn, y)
		VMOVUPS(x, xs)
		VCMPPS(U8(3), xs, xs, reg.K2) // x is NaN
		VPORD(constU32(kernels.QuietBit), xs, xs)
		VBLENDMPS(xs, y, reg.K2, y)
		VMOVUPS(y, Mem{Base: dstPtr, Disp: off})
	} else {
		y, sgn, xs := xd.AsX(), sd.AsX(), n.AsX()
		VCVTPD2PSY(xd, y)
		VPSRAD(U8(31), y, sgn)
		VPANDN(y, sgn, y)
		VMOVUPS(x, xs)
		VCMPPS(U8(3), xs, xs, sgn) // x is NaN
		VPOR(constU32(kernels.QuietBit), xs, xs)
		VBLENDVPS(sgn, xs, y, y)
		VMOVUPS(y, Mem{Base: dstPtr, Disp: off})
	}
	g.put(xd, sd)
}
