package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/rectify-go/rectify/kernels"
)

// generateLogs emits blockLogs on an ISA with opmask registers (AVX-512):
// the logs of the sums of a block's 16 rows (fallback.RowBlockPasses.Logs),
// eight rows at a time, the S of each loaded from its state (kernels.Row,
// RowSize bytes apart) and its C stored back by scalar moves (gathers and
// scatters there measured slower: they wait on the sum pass's stores),
// each entry of LogSum's table (its argument tab: 1/c and log(c) per
// index) by a 16-byte load at the index taken from S's bits in a general
// register (faster than two gathers).
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
// v = M + C, rounded to float32 and stored to dst under keep's lanes
// (LogSumExp's outputs), and M >= 0 or M <= cancel (LogSumExp's rows
// that cannot cancel, fallback.CancelBound).
func generateLogs(s *isa) {
	if !s.kmask {
		return
	}
	TEXT("blockLogs"+s.name, NOSPLIT, "func(st *uint64, tab *uint64, bound float64, cancel float64, dst *float32, keep uint32) uint32")
	tab, out, keep, plain, half := reg.R8, reg.R10, reg.RBX, reg.RDX, reg.RCX
	Load(Param("st"), statePtr)
	Load(Param("tab"), tab)
	Load(Param("dst"), out)
	Load(Param("keep"), keep)
	loadConstBase()
	bound, cancel, m, ok, sure := reg.Z10, reg.Z15, reg.Z14, reg.K3, reg.K6
	stores := [2]reg.OpmaskPhysical{reg.K4, reg.K5}
	for _, p := range []struct {
		name string
		r    reg.VecPhysical
	}{{"bound", bound}, {"cancel", cancel}} {
		b, err := Param(p.name).Resolve()
		if err != nil {
			panic(err)
		}
		VBROADCASTSD(b.Addr, p.r)
	}
	KMOVW(keep.As32(), stores[0])
	KSHIFTRW(U8(8), stores[0], stores[1])
	XORL(plain.As32(), plain.As32())
	b, d, inv, lg, r, r2, q, t, e := reg.Z0, reg.Z1, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7, reg.Z8, reg.Z9
	x := [4]reg.VecPhysical{nil, reg.Z11, reg.Z12, reg.Z13} // a state pair's lanes
	// Each state's table entry (1/c, log c), by its index from S's bits.
	entries := [8]reg.VecPhysical{reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23}
	k, idx := reg.K1, reg.RAX
	for h := range 2 {
		Comment(fmt.Sprintf("States %d to %d: their S by scalar loads, lane i state i.", 8*h, 8*h+7))
		state := func(i, off int) Mem { return Mem{Base: statePtr, Disp: (8*h+i)*kernels.RowSize + off} }
		x[0] = b // lanes 0 and 1 loaded in place
		for c := range 4 {
			VMOVSD(state(2*c, kernels.RowSOff), x[c].AsX())
			VMOVHPD(state(2*c+1, kernels.RowSOff), x[c].AsX(), x[c].AsX())
		}
		for c := 1; c < 4; c++ {
			VINSERTF32X4(U8(c), x[c].AsX(), b, b)
		}
		one := constF64(1)
		VPANDQ(constU64(1<<(52-kernels.RowLogBits)-1), b, d)
		VPORQ(one, d, d)
		VSUBPD(one, d, d)
		for i, v := range entries {
			MOVQ(state(i, kernels.RowSOff), idx)
			SHRQ(U8(52-kernels.RowLogBits-1), idx)
			ANDL(U32(1<<(kernels.RowLogBits+1)-2), idx.As32()) // twice the index: 16 bytes per entry
			VMOVUPD(Mem{Base: tab, Index: idx, Scale: 8}, v.AsX())
		}
		// The even states' entries in one register, the odd ones' in
		// another, so that each 128-bit lane pairs state 2i's with 2i+1's.
		for _, e := range [2][4]reg.VecPhysical{{entries[0], entries[2], entries[4], entries[6]}, {entries[1], entries[3], entries[5], entries[7]}} {
			VINSERTF64X2(U8(1), e[1].AsX(), e[0].AsY(), e[0].AsY())
			VINSERTF64X2(U8(1), e[3].AsX(), e[2].AsY(), e[2].AsY())
			VINSERTF64X4(U8(1), e[2].AsY(), e[0], e[0])
		}
		VUNPCKLPD(entries[1], entries[0], inv)
		VUNPCKHPD(entries[1], entries[0], lg)
		VMULPD(inv, d, r)
		VMULPD(r, r, r2)
		VMULPD(constF64(kernels.RowLog1p5), r, q)
		VADDPD(constF64(kernels.RowLog1p4), q, q)
		VMULPD(q, r2, q)
		VMULPD(constF64(kernels.RowLog1p3), r, t)
		VADDPD(constF64(kernels.RowLog1p2), t, t)
		VADDPD(t, q, q)
		VPSRLQ(U8(52), b, e)
		VPORQ(constU64(math.Float64bits(0x1p52)), e, e) // 2^52 + exponent bits
		VSUBPD(constF64(0x1p52+1023), e, e)
		VMULPD(constF64(kernels.Ln2D), e, e)
		VADDPD(lg, e, e)
		VADDPD(r, e, e)
		VMULPD(q, r2, q)
		VADDPD(q, e, e)
		Comment("Each C by scalar stores.")
		x[0] = e
		for c := range 4 {
			if c > 0 {
				VEXTRACTF32X4(U8(c), e, x[c].AsX())
			}
			VMOVSD(x[c].AsX(), state(2*c, kernels.RowCOff))
			VMOVHPD(x[c].AsX(), state(2*c+1, kernels.RowCOff))
		}
		Comment("The rows' tests; with keep, M + C and LogSumExp's outputs.")
		VCMPPD(U8(cmpOrdQ), b, b, ok)
		skip := fmt.Sprintf("tested%d", h)
		TESTL(keep.As32(), keep.As32())
		JZ(LabelRef(skip))
		for c := range 2 {
			xc := m.AsX()
			if c > 0 {
				xc = t.AsX()
			}
			VMOVSS(state(4*c, kernels.RowMOff), xc)
			for i := 1; i < 4; i++ {
				VINSERTPS(U8(i<<4), state(4*c+i, kernels.RowMOff), xc, xc)
			}
		}
		VINSERTF128(U8(1), t.AsX(), m.AsY(), m.AsY())
		VCVTPS2PD(m.AsY(), m)
		VCMPPD(U8(cmpLeOQ), cancel, m, sure)
		VXORPD(t, t, t)
		VCMPPD(U8(cmpGeOQ), t, m, k)
		KORW(k, sure, sure)
		KANDW(sure, ok, ok)
		VADDPD(m, e, e)
		VCVTPD2PS(e, t.AsY())
		VMOVUPS(t.AsY(), stores[h], Mem{Base: out, Disp: 32 * h})
		Label(skip)
		VPANDQ(constU64(1<<63-1), e, e)
		VCMPPD(U8(cmpGeOQ), bound, e, ok, ok)
		KMOVB(ok, half.As32())
		if h > 0 {
			SHLL(U8(8), half.As32())
		}
		ORL(half.As32(), plain.As32())
	}
	Store(plain.As32(), ReturnIndex(0))
	VZEROUPPER()
	RET()
}
