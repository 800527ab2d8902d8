package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/rectify-go/rectify/kernels"
)

// generateLogs emits blockLogs: the logs of the sums of a block's 16
// rows (fallback.RowBlockPasses.Logs), eight rows at a time on AVX-512,
// four on AVX2 (logsBody), the S of each loaded
// from its state (kernels.Row, RowSize bytes apart) and its C stored back
// by scalar moves (gathers and scatters there measured slower: they wait
// on the sum pass's stores), each entry of LogSum's table (its argument
// tab: 1/c and log(c) per index) by a 16-byte load at the index taken
// from S's bits in a general register (faster than two gathers).
// Its steps are those of fallback's logSumD, each product and sum rounded
// on its own, so the bits are Go's:
//
//	d  = bits(b & (2^44-1) | 1023<<52) - 1       // logFrac, b = bits(S)
//	r  = d * inv;  r2 = r * r                     // inv, lg from tab[b>>44 & 255]
//	q  = r2*(r*RowLog1p5 + RowLog1p4) + (r*RowLog1p3 + RowLog1p2)
//	C  = ((k*Ln2D + lg) + r) + r2*q               // k = (b>>52) - 1023
//
// with k from the exponent bits by a magic number (exact), no integer
// conversion. It also tests the rows as the block drivers do: it returns
// the mask of the states whose S is a number and whose |v| is at least
// bound (fallback.PlainLogOK), v = C where keep is 0 (LogSoftmax), else
// v = M + C, rounded to float32 and stored to dst (LogSumExp's outputs:
// under keep's lanes on AVX-512; all 16 on AVX2, whose caller passes a
// buffer of 16), and M >= 0 or M <= cancel (LogSumExp's rows that cannot
// cancel, fallback.CancelBound).
func generateLogs(s *isa) {
	TEXT("blockLogs"+s.name, NOSPLIT, "func(st *uint64, tab *uint64, bound float64, cancel float64, dst *float32, keep uint32) uint32")
	Load(Param("st"), statePtr)
	Load(Param("tab"), logTab)
	Load(Param("dst"), logOut)
	Load(Param("keep"), logKeep)
	loadConstBase()
	for _, p := range []struct {
		name string
		r    reg.VecPhysical
	}{{"bound", logBound}, {"cancel", logCancel}} {
		b, err := Param(p.name).Resolve()
		if err != nil {
			panic(err)
		}
		var d reg.Register = p.r
		if !s.kmask {
			d = p.r.AsY()
		}
		VBROADCASTSD(b.Addr, d)
	}
	XORL(logPlain.As32(), logPlain.As32())
	logsBody(s.kmask)
	Store(logPlain.As32(), ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// The general registers of blockLogs: its arguments tab, dst and keep,
// the mask it returns, one state's part of it, the index of a table
// entry.
var logTab, logOut, logKeep, logPlain, logHalf, logIdx = reg.R8, reg.R10, reg.RBX, reg.RDX, reg.RCX, reg.RAX

// Its vector registers for bound and cancel (the low halves on AVX2).
var logBound, logCancel = reg.Z10, reg.Z15

// logState addresses field off of the i-th state of the block.
func logState(i, off int) Mem { return Mem{Base: statePtr, Disp: i*kernels.RowSize + off} }

// logEntry loads state i's table entry (1/c, log c) into v, by its
// index from S's bits.
func logEntry(i int, v reg.VecPhysical) {
	MOVQ(logState(i, kernels.RowSOff), logIdx)
	SHRQ(U8(52-kernels.RowLogBits-1), logIdx)
	ANDL(U32(1<<(kernels.RowLogBits+1)-2), logIdx.As32()) // twice the index: 16 bytes per entry
	VMOVUPD(Mem{Base: logTab, Index: logIdx, Scale: 8}, v.AsX())
}

// logSum emits logSumD's steps on the vectors (of either width) of the
// bits b, the table's inv and lg, into e (C), with d, r, r2, q and t for
// temporaries; and and or are the ISA's bitwise instructions.
func logSum(and, or func(m, x, d Op), b, inv, lg, d, r, r2, q, t, e reg.Register) {
	one := constF64(1)
	and(constU64(1<<(52-kernels.RowLogBits)-1), b, d)
	or(one, d, d)
	VSUBPD(one, d, d)
	VMULPD(inv, d, r)
	VMULPD(r, r, r2)
	VMULPD(constF64(kernels.RowLog1p5), r, q)
	VADDPD(constF64(kernels.RowLog1p4), q, q)
	VMULPD(q, r2, q)
	VMULPD(constF64(kernels.RowLog1p3), r, t)
	VADDPD(constF64(kernels.RowLog1p2), t, t)
	VADDPD(t, q, q)
	VPSRLQ(U8(52), b, e)
	or(constU64(math.Float64bits(kernels.RowIntMagic)), e, e) // 2^52 + exponent bits
	VSUBPD(constF64(kernels.RowIntMagic+1023), e, e)
	VMULPD(constF64(kernels.Ln2D), e, e)
	VADDPD(lg, e, e)
	VADDPD(r, e, e)
	VMULPD(q, r2, q)
	VADDPD(q, e, e)
}

// logsBody is blockLogs's body: with opmask registers (AVX-512), two
// halves of eight states, dst's stores under keep's lanes; without
// (AVX2), four quarters of four states, the tests' masks as vectors,
// dst's 16 stores whole where keep is not 0.
func logsBody(kmask bool) {
	n, vec := 8, func(r reg.VecPhysical) reg.VecPhysical { return r }
	and, or := func(m, x, d Op) { VPANDQ(m, x, d) }, func(m, x, d Op) { VPORQ(m, x, d) }
	// Each state's table entry (1/c, log c), by its index from S's bits.
	entries := []reg.VecPhysical{reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23}
	var ok, sure, k reg.Register = reg.K3, reg.K6, reg.K1
	stores := reg.K4 // keep's lanes, shifted to each half's
	if !kmask {
		n, vec = 4, func(r reg.VecPhysical) reg.VecPhysical { return r.AsY().(reg.VecPhysical) }
		and, or = func(m, x, d Op) { VPAND(m, x, d) }, func(m, x, d Op) { VPOR(m, x, d) }
		// lg's register is free until the unpack; the entries' are the
		// tests' masks after it.
		entries = []reg.VecPhysical{reg.Y12, reg.Y13, reg.Y14, reg.Y3}
		ok, sure, k = reg.Y12, reg.Y13, reg.Y14
	} else {
		KMOVW(logKeep.As32(), stores)
	}
	b, d, inv, lg, r, r2, q, t, e := vec(reg.Z0), vec(reg.Z1), vec(reg.Z2), vec(reg.Z3), vec(reg.Z4), vec(reg.Z5), vec(reg.Z6), vec(reg.Z7), vec(reg.Z8)
	m, x1, bound, cancel := vec(reg.Z9), vec(reg.Z11), vec(logBound), vec(logCancel)
	for h := range kernels.RowLanes / n {
		first := n * h
		Comment(fmt.Sprintf("States %d to %d: their S by scalar loads, lane i state i.", first, first+n-1))
		logLoadF64s(kmask, first, n, kernels.RowSOff, b, x1)
		for i, v := range entries {
			logEntry(first+i, v)
		}
		// The even states' entries in one register, the odd ones' in
		// another, so that each 128-bit lane pairs state 2i's with 2i+1's.
		if kmask {
			for _, e := range [2][4]reg.VecPhysical{{entries[0], entries[2], entries[4], entries[6]}, {entries[1], entries[3], entries[5], entries[7]}} {
				VINSERTF64X2(U8(1), e[1].AsX(), e[0].AsY(), e[0].AsY())
				VINSERTF64X2(U8(1), e[3].AsX(), e[2].AsY(), e[2].AsY())
				VINSERTF64X4(U8(1), e[2].AsY(), e[0], e[0])
			}
		} else {
			VINSERTF128(U8(1), entries[2].AsX(), entries[0], entries[0])
			VINSERTF128(U8(1), entries[3].AsX(), entries[1], entries[1])
		}
		VUNPCKLPD(entries[1], entries[0], inv)
		VUNPCKHPD(entries[1], entries[0], lg)
		logSum(and, or, b, inv, lg, d, r, r2, q, t, e)
		Comment("Each C by scalar stores.")
		for c := range n / 2 {
			x := e.AsX()
			switch {
			case c == 0:
			case kmask:
				x = x1.AsX()
				VEXTRACTF32X4(U8(c), e, x)
			default:
				x = x1.AsX()
				VEXTRACTF128(U8(c), e, x)
			}
			VMOVSD(x, logState(first+2*c, kernels.RowCOff))
			VMOVHPD(x, logState(first+2*c+1, kernels.RowCOff))
		}
		Comment("The rows' tests; with keep, M + C and LogSumExp's outputs.")
		VCMPPD(U8(cmpOrdQ), b, b, ok)
		skip := fmt.Sprintf("tested%d", h)
		TESTL(logKeep.As32(), logKeep.As32())
		JZ(LabelRef(skip))
		logLoadMs(first, n, m, t)
		VCMPPD(U8(cmpLeOQ), cancel, m, sure)
		VXORPD(t, t, t)
		VCMPPD(U8(cmpGeOQ), t, m, k)
		if kmask {
			KORW(k, sure, sure)
			KANDW(sure, ok, ok)
		} else {
			VORPD(k, sure, sure)
			VANDPD(sure, ok, ok)
		}
		VADDPD(m, e, e)
		if kmask {
			KSHIFTRW(U8(first), stores, k)
			VCVTPD2PS(e, t.AsY())
			VMOVUPS(t.AsY(), k, Mem{Base: logOut, Disp: 4 * first})
		} else {
			VCVTPD2PSY(e, t.AsX())
			VMOVUPS(t.AsX(), Mem{Base: logOut, Disp: 4 * first})
		}
		Label(skip)
		and(constU64(1<<63-1), e, e)
		if kmask {
			VCMPPD(U8(cmpGeOQ), bound, e, ok, ok)
			KMOVB(ok, logHalf.As32())
		} else {
			VCMPPD(U8(cmpGeOQ), bound, e, k)
			VANDPD(k, ok, ok)
			VMOVMSKPD(ok, logHalf.As32())
		}
		if first > 0 {
			SHLL(U8(first), logHalf.As32())
		}
		ORL(logHalf.As32(), logPlain.As32())
	}
}

// generateCancelLogs emits blockCancelLogs: LogSumExp's results for the
// rows of a block that may cancel (fallback.RowBlockPasses.CancelLogs),
// from the 16 states' M and RowSum's S + Lo, eight states at a time on
// AVX-512, four on AVX2, loaded and stored by scalar moves as blockLogs's.
// Its steps are fallback.PreciseLogSumExp's (logSplit, logSumFF,
// atanhSeries, AddComp), each rounded as Go rounds it, math.FMA's fused,
// so the bits are Go's. It returns the mask of the states with M in
// (cancel, 0) and S a number, and stores their results to dst: under
// keep's lanes on AVX-512, all 16 on AVX2 (a buffer of 16 there).
func generateCancelLogs(s *isa) {
	TEXT("blockCancelLogs"+s.name, NOSPLIT, "func(st *uint64, cancel float64, dst *float32, keep uint32) uint32")
	Load(Param("st"), statePtr)
	Load(Param("dst"), logOut)
	Load(Param("keep"), logKeep)
	loadConstBase()
	c, err := Param("cancel").Resolve()
	if err != nil {
		panic(err)
	}
	n, v := 8, func(r reg.VecPhysical) reg.VecPhysical { return r }
	and, or := func(m, x, d Op) { VPANDQ(m, x, d) }, func(m, x, d Op) { VPORQ(m, x, d) }
	if !s.kmask {
		n, v = 4, func(r reg.VecPhysical) reg.VecPhysical { return r.AsY().(reg.VecPhysical) }
		and, or = func(m, x, d Op) { VPAND(m, x, d) }, func(m, x, d Op) { VPOR(m, x, d) }
	}
	var r [13]reg.VecPhysical
	zs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7, reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12}
	for i := range r {
		r[i] = v(zs[i])
	}
	zero, cancel, tmp := v(reg.Z13), v(reg.Z15), v(reg.Z14)
	VBROADCASTSD(c.Addr, cancel)
	VXORPD(zero, zero, zero)
	XORL(logPlain.As32(), logPlain.As32())
	if s.kmask {
		KMOVW(logKeep.As32(), reg.K4)
	}
	for h := range kernels.RowLanes / n {
		first := n * h
		Comment(fmt.Sprintf("States %d to %d: S, Lo and M by scalar loads, lane i state i.", first, first+n-1))
		logLoadF64s(s.kmask, first, n, kernels.RowSOff, r[0], tmp)
		logLoadF64s(s.kmask, first, n, kernels.RowLoOff, r[5], tmp)
		logLoadMs(first, n, r[12], tmp)
		preciseLogSumExp(and, or, r, zero)
		Comment("The rows that may cancel, and their results.")
		ok, t := r[1], r[6]
		if s.kmask {
			k := reg.K1
			VCMPPD(U8(cmpOrdQ), r[0], r[0], k)
			VCMPPD(U8(cmpLtOQ), zero, r[12], k, k)
			VCMPPD(U8(cmpGtOQ), cancel, r[12], k, k)
			KSHIFTRW(U8(first), reg.K4, reg.K2)
			KANDW(k, reg.K2, reg.K2)
			VCVTPD2PS(r[4], t.AsY())
			VMOVUPS(t.AsY(), reg.K2, Mem{Base: logOut, Disp: 4 * first})
			KMOVB(k, logHalf.As32())
		} else {
			VCMPPD(U8(cmpOrdQ), r[0], r[0], ok)
			VCMPPD(U8(cmpLtOQ), zero, r[12], t)
			VANDPD(t, ok, ok)
			VCMPPD(U8(cmpGtOQ), cancel, r[12], t)
			VANDPD(t, ok, ok)
			VCVTPD2PSY(r[4], t.AsX())
			VMOVUPS(t.AsX(), Mem{Base: logOut, Disp: 4 * first})
			VMOVMSKPD(ok, logHalf.As32())
		}
		if first > 0 {
			SHLL(U8(first), logHalf.As32())
		}
		ORL(logHalf.As32(), logPlain.As32())
	}
	Store(logPlain.As32(), ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// logLoadF64s loads the float64 field at off of n states (8 or 4) from
// first on into d, lane i state first+i, by pairs, t holding a pair.
func logLoadF64s(kmask bool, first, n, off int, d, t reg.VecPhysical) {
	for c := range n / 2 {
		x := d.AsX()
		if c > 0 {
			x = t.AsX()
		}
		VMOVSD(logState(first+2*c, off), x)
		VMOVHPD(logState(first+2*c+1, off), x, x)
		switch {
		case c == 0:
		case kmask:
			VINSERTF32X4(U8(c), x, d, d)
		default:
			VINSERTF128(U8(c), x, d, d)
		}
	}
}

// logLoadMs loads the M (float32) of n states (8 or 4) from first on into
// d widened to float64, lane i state first+i, t holding four of them.
func logLoadMs(first, n int, d, t reg.VecPhysical) {
	for c := range n / 4 {
		x := d.AsX()
		if c > 0 {
			x = t.AsX()
		}
		VMOVSS(logState(first+4*c, kernels.RowMOff), x)
		for i := 1; i < 4; i++ {
			VINSERTPS(U8(i<<4), logState(first+4*c+i, kernels.RowMOff), x, x)
		}
	}
	if n == 8 {
		VINSERTF128(U8(1), t.AsX(), d.AsY(), d.AsY())
		VCVTPS2PD(d.AsY(), d)
		return
	}
	VCVTPS2PD(d.AsX(), d)
}

// preciseLogSumExp emits fallback.PreciseLogSumExp's steps on vectors of
// either width: S's bits in r[0], Lo in r[5], M widened in r[12], the
// result (before its rounding to float32) into r[4]; r[0] and r[12] are
// kept, the others are temporaries; zero holds +0. and and or are the
// ISA's bitwise instructions.
func preciseLogSumExp(and, or func(m, x, d Op), r [13]reg.VecPhysical, zero reg.VecPhysical) {
	rc := &kernels.RowLogC
	frac := uint64(1)<<52 - 1
	// addComp emits kernels.AddComp(s, c, t) for c = +0: n, and c + e
	// into l, with tmp a temporary.
	addComp := func(s, t, n, l, tmp reg.VecPhysical) {
		VADDPD(t, s, n)
		VSUBPD(s, n, l) // bb
		VSUBPD(l, n, tmp)
		VSUBPD(tmp, s, tmp) // s - (n - bb)
		VSUBPD(l, t, l)     // t - bb
		VADDPD(l, tmp, l)
		VADDPD(l, zero, l) // c + e
	}
	Comment("logSplit: t = bits(S) - bits(sqrt(1/2)); f, 2^-k and k from t.")
	VPSUBQ(constU64(kernels.RowSqrtHalf), r[0], r[1])
	and(constU64(frac), r[1], r[2])
	VPADDQ(constU64(kernels.RowSqrtHalf), r[2], r[2])
	and(constU64(^frac), r[1], r[3])
	VMOVUPD(constU64(1023<<52), r[4])
	VPSUBQ(r[3], r[4], r[3])
	VPSRLQ(U8(52), r[1], r[4])
	or(constU64(math.Float64bits(kernels.RowIntMagic)), r[4], r[4])
	VSUBPD(constF64(kernels.RowIntMagic), r[4], r[4]) // k
	VSUBPD(constF64(1), r[2], r[2])                   // f - 1
	VMULPD(r[3], r[5], r[5])                          // Lo * 2^-k
	Comment("logSumFF: g = gh + gl, u = g/(2+g) as uh + ul, the series in u^2.")
	addComp(r[2], r[5], r[6], r[7], r[8]) // gh, gl
	VADDPD(constF64(2), r[6], r[2])       // dh
	VMOVUPD(constF64(2), r[5])
	VSUBPD(r[2], r[5], r[5])
	VADDPD(r[6], r[5], r[5])
	VADDPD(r[7], r[5], r[5]) // dl
	VDIVPD(r[2], r[6], r[3]) // uh
	VFNMADD231PD(r[2], r[3], r[6])
	VFNMADD231PD(r[5], r[3], r[7])
	VADDPD(r[7], r[6], r[6])
	VDIVPD(r[2], r[6], r[6])                         // ul
	VMULPD(r[3], r[3], r[2])                         // u2
	VMULPD(r[2], r[2], r[5])                         // v2
	VMULPD(r[5], r[5], r[7])                         // v4
	pair := func(hi, lo int, d, t reg.VecPhysical) { // (c[hi]*u2 + c[hi-1])*v2 + (c[lo]*u2 + c[lo-1])
		VMULPD(constF64(rc[hi]), r[2], d)
		VADDPD(constF64(rc[hi-1]), d, d)
		VMULPD(r[5], d, d)
		VMULPD(constF64(rc[lo]), r[2], t)
		VADDPD(constF64(rc[lo-1]), t, t)
		VADDPD(t, d, d)
	}
	pair(3, 1, r[8], r[9])  // p0
	pair(7, 5, r[9], r[10]) // p1
	VMULPD(constF64(rc[8]), r[7], r[10])
	VADDPD(r[9], r[10], r[10])
	VMULPD(r[7], r[10], r[10])
	VADDPD(r[8], r[10], r[10]) // the series
	VADDPD(r[3], r[3], r[5])
	VMULPD(r[2], r[5], r[5])
	VMULPD(r[10], r[5], r[5]) // tail
	Comment("k*ln2 as kh + kl; hi + lo = kh + 2uh, plus the small terms; then m + it.")
	VMULPD(constF64(kernels.Ln2D), r[4], r[2]) // kh
	VMOVUPD(constF64(kernels.Ln2D), r[7])
	VFMSUB213PD(r[2], r[4], r[7]) // kl
	VADDPD(r[3], r[3], r[8])      // 2uh
	addComp(r[2], r[8], r[9], r[10], r[11])
	VMULPD(constF64(kernels.Ln2LoD), r[4], r[4])
	VADDPD(r[4], r[7], r[7])
	VADDPD(r[6], r[6], r[6]) // 2ul
	VADDPD(r[6], r[7], r[7])
	VADDPD(r[5], r[7], r[7])
	VADDPD(r[7], r[10], r[10])             // lo
	addComp(r[9], r[10], r[2], r[3], r[4]) // lh, ll
	VADDPD(r[2], r[12], r[4])              // n = m + lh
	VSUBPD(r[12], r[4], r[5])              // bb
	VSUBPD(r[5], r[4], r[6])
	VSUBPD(r[6], r[12], r[6])
	VSUBPD(r[5], r[2], r[5])
	VADDPD(r[5], r[6], r[5])
	VADDPD(r[5], r[3], r[3]) // ll + e
	VADDPD(r[3], r[4], r[4]) // h + e
}
