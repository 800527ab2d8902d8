package main

import (
	"errors"
	"fmt"
	"slices"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/kernels"
)

// statePtr holds a row pass's state (kernels.Row).
var statePtr = reg.R9

// rowSignatures are ir.RowSignatures for avo, which cannot resolve
// kernels.Row: a pointer all the same; rowBlockSignatures are
// ir.RowBlockSignatures, colSignature ir.ColSignature.
var (
	rowSignatures      = [...]string{"func(dst, x []float32, st *uint64)", "func(dst, x, y []float32, st *uint64)"}
	rowBlockSignatures = [...]string{"func(dst, x []float32, st *uint64, cols int)", "func(dst, x, y []float32, st *uint64, cols int)"}
	colSignature       = "func(dst, x, y []float32, st *uint64, stride int)"
)

// A multi-row pass (block) keeps the elements of its rows left in total
// and the row length in cols; a column pass its stride in bytes in total
// and in elements in cols.
var total, cols = reg.R12, reg.R13

// A rowForm is the form of a row pass's function.
type rowForm int

const (
	oneRow   rowForm = iota // one call per chunk of a row (ir.RowSignatures)
	multiRow                // whole rows (ir.RowBlockSignatures)
	column                  // one group per row (ir.ColSignature)
)

// generateRow emits the function of row pass p on ISA s: x is a whole
// number of groups of kernels.RowLanes elements (group by group, several
// per main-loop iteration), the reductions' lanes live in registers
// between loading them from st and storing them back, and element i of x
// folds into lane i % RowLanes in the order of i, as on every path. Form
// multiRow emits p's multi-row form (ir.RowBlock): the same code once per
// row of cols elements, with that row's state's parameters, its lanes
// starting at -Inf and 0 in registers and folded at its end, the
// constants loaded once before the rows; form column its column form
// (ir.ColPasses): one group per row, stride elements apart.
func generateRow(s *isa, p *ir.Program, form rowForm) error {
	block := form == multiRow
	a, err := ir.Analyze(p)
	if err != nil {
		return err
	}
	name, sig := p.FuncName(s.name), rowSignatures[len(a.Inputs)-1]
	switch form {
	case multiRow:
		name, sig = p.FuncName("Rows"+s.name), rowBlockSignatures[len(a.Inputs)-1]
	case column:
		sig = colSignature
	}
	inputs := len(a.Inputs)
	TEXT(name, NOSPLIT, sig)
	group := kernels.RowLanes / s.lanes // vectors per group
	unroll := s.unrollF32
	if a.HasF64 {
		unroll = s.unrollF64
	}
	unroll = max(unroll, group)
	order := constOrder(a)
	c, width, nconsts, err := widest(s, a, order, unroll, nil)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	l := c.l
	group1, err := l.body(group, min(width, group), modeMain)
	if err != nil {
		return fmt.Errorf("%s: one group: %v", name, err)
	}
	var tail []func() // a multi-row pass's last group of a row, in part
	var reload []func()
	if block {
		// In the whole groups' registers: their constants (a prefix of
		// them, the rest from memory, where the masks need a register:
		// those it overwrites are loaded again after it, reload) and
		// their invariants.
		err = errors.New("no lowering")
		for w := min(width, group); w >= 1 && err != nil; w /= 2 {
			for k := nconsts; k >= 0 && err != nil; k-- {
				var tl *lowering
				if tl, err = newLowering(s, a, order[:k], false, unroll, 1, true, nil); err == nil {
					tl.sameInvariants(l)
					tail, err = tl.body(group, w, modeMain)
					reload = l.prologue[k:nconsts]
				}
			}
		}
		if err != nil {
			return fmt.Errorf("%s: a row's last group in part: %v", name, err)
		}
	}

	Load(Param("dst").Base(), dstPtr)
	for k := range inputs {
		Load(Param(ir.InputName(k)).Base(), srcPtrs[k])
	}
	switch form {
	case multiRow:
		Load(Param("x").Len(), total)
		Load(Param("cols"), cols)
	case column:
		Load(Param("x").Len(), count)
		Load(Param("stride"), cols)
		MOVQ(cols, total)
		SHLQ(U8(2), total)
	default:
		Load(Param("x").Len(), count)
	}
	Load(Param("st"), statePtr)
	loadConstBase()
	prologue := l.prologue
	var rows *perRowCode  // rows of one group, several at a time
	var part *partialCode // rows shorter than a group
	if block {
		rows = perRow(s, a, order, false)
		if part, err = partialRows(s, a, order); err != nil {
			return fmt.Errorf("%s: rows shorter than a group: %v", name, err)
		}
		TESTQ(total, total)
		JZ(LabelRef("end")) // no row
		if part != nil {
			CMPQ(cols, U32(kernels.RowLanes))
			JB(LabelRef("partial"))
		}
		replay(prologue[:l.nconstLoads])
		prologue = prologue[l.nconstLoads:]
		CMPQ(cols, U32(kernels.RowLanes))
		if rows != nil {
			JE(LabelRef("onegroups"))
		} else {
			JE(LabelRef("onegroup"))
		}
		Comment("Each row: its state's parameters, its lanes from -Inf and 0, its groups, its fold.")
		Label("row")
		MOVQ(cols, count)
	}
	replay(prologue)
	accs := l.accMem()
	start := func() { // the lanes from the state, or for a row -Inf and 0
		for _, m := range accs {
			if !block {
				VMOVUPS(m.mem, m.r)
				continue
			}
			if slices.Contains(l.accMax, m.r) {
				VMOVUPS(constU32(0xff800000), m.r) // -Inf
			} else {
				VXORPD(m.r, m.r, m.r)
			}
		}
	}
	start()
	replay(l.maxSplit())
	if form == column {
		Comment("One group per row: count is the elements left after this row's group.")
		SUBQ(U32(kernels.RowLanes), count)
		JB(LabelRef("done"))
		Label("group")
		replay(group1)
		SUBQ(cols, count)
		JB(LabelRef("done"))
		ADDQ(total, dstPtr)
		for k := range inputs {
			ADDQ(total, srcPtrs[k])
		}
		JMP(LabelRef("group"))
		Label("done")
		for _, m := range accs {
			VMOVUPS(m.r, m.mem)
		}
		VZEROUPPER()
		RET()
		return nil
	}
	vb := s.vecBytes()
	Comment(fmt.Sprintf("Main loop: %d vectors (%d elements) per iteration, interleaved %d at a time, %d of %d loop constants in registers.",
		unroll, unroll*s.lanes, width, nconsts, len(order)))
	Label("unrolled")
	CMPQ(count, U32(unroll*s.lanes))
	JB(LabelRef("group"))
	replay(c.main)
	advance(p, inputs, unroll*vb)
	SUBQ(U32(unroll*s.lanes), count)
	JMP(LabelRef("unrolled"))
	Comment("One group of lanes per iteration.")
	Label("group")
	CMPQ(count, U32(kernels.RowLanes))
	JB(LabelRef("done"))
	replay(group1)
	advance(p, inputs, group*vb)
	SUBQ(U32(kernels.RowLanes), count)
	JMP(LabelRef("group"))
	Label("done")
	if tail != nil {
		Comment("The row's last group, in part: its lanes from count on masked off (in the registers of the whole groups').")
		TESTQ(count, count)
		JZ(LabelRef("merge"))
		partMasksOf(s, count)
		replay(tail)
		replay(reload)
		advanceElems(p, inputs, count)
		Label("merge")
	}
	replay(l.maxMerge())
	fold := l.foldable(!block)
	if l.err != nil {
		return fmt.Errorf("%s: fold: %v", name, l.err)
	}
	if block {
		if fold != nil {
			replay(fold)
		} else if len(accs) > 0 {
			return fmt.Errorf("%s: a multi-row pass must fold its lanes", name)
		}
		ADDQ(U32(kernels.RowSize), statePtr)
		SUBQ(cols, total)
		JNZ(LabelRef("row"))
		Label("end")
		VZEROUPPER()
		RET()
		// The maxima's extra registers would stay at -Inf, which leaves
		// the group's unchanged (foldable): a row of one group needs
		// neither them nor the loops.
		Comment("Rows of one group each: the row's parameters, its lanes from -Inf and 0, the group, its fold.")
		Label("onegroup")
		replay(prologue)
		start()
		replay(group1)
		advance(p, inputs, group*vb)
		replay(fold)
		ADDQ(U32(kernels.RowSize), statePtr)
		SUBQ(U32(kernels.RowLanes), total)
		JNZ(LabelRef("onegroup"))
		VZEROUPPER()
		RET()
		if rows != nil {
			rows.emit(p, inputs, l)
		}
		if part != nil {
			part.emit(p, inputs)
		}
		return nil
	}
	if fold != nil {
		CMPL(Mem{Base: statePtr, Disp: kernels.RowFoldOff}, U8(0))
		JNE(LabelRef("fold"))
	}
	for _, m := range accs {
		VMOVUPS(m.r, m.mem)
	}
	VZEROUPPER()
	RET()
	if fold != nil {
		Comment("The row's last call (kernels.Row.Fold): fold the lanes, reset them for the next row.")
		Label("fold")
		replay(fold)
		MOVL(U32(kernels.RowFolded), Mem{Base: statePtr, Disp: kernels.RowFoldOff})
		VZEROUPPER()
		RET()
	}
	return nil
}

// sameInvariants moves l's loop invariants (a row's parameters) into the
// registers where main's prologue computes them: a multi-row pass runs
// l's body after main's (a row's last group in part) without a prologue
// of its own. l keeps a prefix of main's constants in registers, in the
// same ones; the invariants follow the constants, so that with fewer of
// those they would land elsewhere.
func (l *lowering) sameInvariants(main *lowering) {
	moved := map[ir.Value]reg.VecPhysical{}
	for v, r := range l.inv {
		if m := main.inv[v]; m != r {
			moved[v] = m
			l.reserved[l.index(r)] = false
		}
	}
	for v, m := range moved {
		l.reserved[l.index(m)] = true
		l.inv[v] = m
	}
}

// foldable returns, for a pass whose only reduction is OpRedMax or
// OpRedSum, the code that folds its lanes into the state's M (maximum), S
// (plain sum) or S + Lo (compensated sum; kernels.Row.Fold) and, with
// reset, stores the lanes' initial values, -Inf or 0, in their place; nil
// for other passes. The maximum of lanes that hold no NaN (RowMax's
// VMAXPS keeps the lane where x is NaN) is the same in any order but for
// the sign of a zero, which the caller drops; the sums take the fixed
// trees of fallback.FoldSum and fallback.CombineSum: lanes j and j+8,
// then j+4, j+2, j+1.
func (l *lowering) foldable(reset bool) []func() {
	switch {
	case l.accMax != nil && l.accSum == nil:
	case l.accSum != nil && l.accMax == nil:
	default:
		return nil
	}
	l.start(modeMain)
	if l.accComp != nil {
		l.foldComp(reset)
		return l.code
	}
	t, u := l.alloc(), l.alloc()
	ty, tx, ux := t.AsY(), t.AsX(), u.AsX()
	if l.accMax != nil {
		acc := l.accMax
		if l.s.kmask { // one register: lanes 0-15
			l.emit(func() { VEXTRACTF64X4(U8(1), acc[0], ty); VMAXPS(ty, acc[0].AsY(), ty) })
		} else { // lanes 0-7, 8-15
			l.emit(func() { VMAXPS(acc[1], acc[0], ty) })
		}
		l.emit(func() {
			VEXTRACTF128(U8(1), ty, ux)
			VMAXPS(ux, tx, tx)
			VPERMILPS(U8(0x4e), tx, ux)
			VMAXPS(ux, tx, tx)
			VPERMILPS(U8(0xb1), tx, ux)
			VMAXSS(ux, tx, tx)
			VMOVSS(tx, Mem{Base: statePtr, Disp: kernels.RowMOff})
		})
		if reset {
			l.emit(func() { VMOVUPS(constU32(0xff800000), t) }) // -Inf
		}
	} else {
		acc := l.accSum
		if l.s.kmask { // lanes 0-7, 8-15
			l.emit(func() { VADDPD(acc[1], acc[0], t); VEXTRACTF64X4(U8(1), t, u.AsY()); VADDPD(u.AsY(), ty, ty) })
		} else { // lanes 0-3, 4-7, 8-11, 12-15
			l.emit(func() { VADDPD(acc[2], acc[0], ty); VADDPD(acc[3], acc[1], u.AsY()); VADDPD(u.AsY(), ty, ty) })
		}
		l.emit(func() {
			VEXTRACTF128(U8(1), ty, ux)
			VADDPD(ux, tx, tx)
			VPERMILPD(U8(1), tx, ux)
			VADDSD(ux, tx, tx)
			VMOVSD(tx, Mem{Base: statePtr, Disp: kernels.RowSOff})
		})
		if reset {
			l.emit(func() { VXORPD(t, t, t) })
		}
	}
	if reset {
		for _, m := range l.accMem() {
			l.emit(func() { VMOVUPS(t, m.mem) })
		}
	}
	return l.code
}

// foldComp emits the float-float tree of fallback.CombineSum on the
// compensated lanes (Sum + Comp): lane j and lane j+h for h = 8, 4, 2, 1,
// each pair by kernels.AddComp, s_j + s_j+h with its error added to c_j +
// c_j+h, in the lanes' registers; then s into S, c into Lo and, with
// reset, zeros into the lanes.
func (l *lowering) foldComp(reset bool) {
	s, c := l.accSum, l.accComp
	n, b, e := l.alloc(), l.alloc(), l.alloc()
	add := addComp
	l.emit(func() {
		// Lanes 0-7 and 8-15 (AVX-512), or lanes 0-3, 4-7, 8-11 and
		// 12-15; the registers of the upper lanes, once added, hold the
		// next level's upper halves (t, u).
		t, u := s[1], c[1]
		if l.s.kmask {
			add(s[0], c[0], s[1], c[1], n, b, e)
			VEXTRACTF64X4(U8(1), s[0], t.AsY())
			VEXTRACTF64X4(U8(1), c[0], u.AsY())
		} else {
			add(s[0], c[0], s[2], c[2], n, b, e)
			add(s[1], c[1], s[3], c[3], n, b, e)
		}
		add(s[0].AsY(), c[0].AsY(), t.AsY(), u.AsY(), n.AsY(), b.AsY(), e.AsY())
		if l.s.kmask { // VEX has no encoding of the upper 16 registers
			VEXTRACTF32X4(U8(1), s[0].AsY(), t.AsX())
			VEXTRACTF32X4(U8(1), c[0].AsY(), u.AsX())
		} else {
			VEXTRACTF128(U8(1), s[0].AsY(), t.AsX())
			VEXTRACTF128(U8(1), c[0].AsY(), u.AsX())
		}
		add(s[0].AsX(), c[0].AsX(), t.AsX(), u.AsX(), n.AsX(), b.AsX(), e.AsX())
		VPERMILPD(U8(1), s[0].AsX(), t.AsX())
		VPERMILPD(U8(1), c[0].AsX(), u.AsX())
		add(s[0].AsX(), c[0].AsX(), t.AsX(), u.AsX(), n.AsX(), b.AsX(), e.AsX())
		VMOVSD(s[0].AsX(), Mem{Base: statePtr, Disp: kernels.RowSOff})
		VMOVSD(c[0].AsX(), Mem{Base: statePtr, Disp: kernels.RowLoOff})
		if l.p.GradScalars {
			normalize(s[0].AsX(), c[0].AsX(), n.AsX(), b.AsX())
			VMOVSD(n.AsX(), Mem{Base: statePtr, Disp: kernels.RowCOff})
			VMOVSD(b.AsX(), Mem{Base: statePtr, Disp: kernels.RowDOff})
		}
	})
	if reset {
		l.emit(func() { VXORPD(n, n, n) })
		for _, m := range l.accMem() {
			l.emit(func() { VMOVUPS(n, m.mem) })
		}
	}
}

// normalize emits the float-float s + c normalised, as package
// fallback's GradRows takes a folded sum's C and D: hi = s + c rounded,
// lo = c - (hi - s) (ir.Program.GradScalars).
func normalize(s, c, hi, lo Op) {
	VADDPD(c, s, hi)
	VSUBPD(s, hi, lo)
	VSUBPD(lo, c, lo)
}

// addComp emits kernels.AddComp in registers of one width: s, c set to
// AddComp(s, c + c2, t), n, b, e temporaries (foldComp's tree step).
// Three of its additions are multiply-adds by 1, as in redSum.
func addComp(s, c, t, c2, n, b, e Op) {
	one := constF64(1)
	VADDPD(c2, c, c)
	VADDPD(t, s, n)
	VSUBPD(s, n, b) // n - s
	VSUBPD(b, n, e)
	VFNMADD132PD(one, s, e) // s - (n - b)
	VFNMADD132PD(one, t, b) // t - b
	VFMADD132PD(one, b, e)
	VADDPD(e, c, c)
	VMOVAPD(n, s)
}

// foldComp4 is fold4 for compensated sums: the rows' S and Lo end in
// lanes 0, 2, 4 and 6.
func (l *lowering) foldComp4() []func() {
	l.start(modeMain)
	s, c := l.accSum, l.accComp // row r: s[2r], s[2r+1] (lanes 0-7, 8-15)
	n, b, e := l.alloc(), l.alloc(), l.alloc()
	t := [4]reg.VecPhysical{l.alloc(), l.alloc(), l.alloc(), l.alloc()}
	u := [4]reg.VecPhysical{l.alloc(), l.alloc(), l.alloc(), l.alloc()}
	l.emit(func() {
		for r := range 4 { // lanes j and j+8
			addComp(s[2*r], c[2*r], s[2*r+1], c[2*r+1], n, b, e)
		}
		for p := range 2 { // j and j+4: rows 2p and 2p+1 in one register
			a, a2 := s[4*p], s[4*p+2]
			VSHUFF64X2(U8(0x44), a2, a, t[2*p])
			VSHUFF64X2(U8(0xee), a2, a, t[2*p+1])
			a, a2 = c[4*p], c[4*p+2]
			VSHUFF64X2(U8(0x44), a2, a, u[2*p])
			VSHUFF64X2(U8(0xee), a2, a, u[2*p+1])
			addComp(t[2*p], u[2*p], t[2*p+1], u[2*p+1], n, b, e)
		}
		// j and j+2: the four rows' pairs in one register.
		VSHUFF64X2(U8(0x88), t[2], t[0], t[1])
		VSHUFF64X2(U8(0xdd), t[2], t[0], t[3])
		VSHUFF64X2(U8(0x88), u[2], u[0], u[1])
		VSHUFF64X2(U8(0xdd), u[2], u[0], u[3])
		addComp(t[1], u[1], t[3], u[3], n, b, e)
		// j and j+1.
		VPERMILPD(U8(0x55), t[1], t[3])
		VPERMILPD(U8(0x55), u[1], u[3])
		addComp(t[1], u[1], t[3], u[3], n, b, e)
		storeRows(t[1], t[0], func(x reg.Register, off int) { VMOVSD(x, Mem{Base: statePtr, Disp: off + kernels.RowSOff}) })
		storeRows(u[1], u[0], func(x reg.Register, off int) { VMOVSD(x, Mem{Base: statePtr, Disp: off + kernels.RowLoOff}) })
		if l.p.GradScalars {
			normalize(t[1], u[1], n, b)
			storeRows(n, t[0], func(x reg.Register, off int) { VMOVSD(x, Mem{Base: statePtr, Disp: off + kernels.RowCOff}) })
			storeRows(b, t[0], func(x reg.Register, off int) { VMOVSD(x, Mem{Base: statePtr, Disp: off + kernels.RowDOff}) })
		}
	})
	return l.code
}

// fold4 is foldable for the perRowRows (4) rows of a perRow body on
// AVX-512, with no reset: each row's lanes folded in foldable's order
// (plain sums and maxima) or foldComp's (compensated sums), but each tree
// level below the first on the rows side by side, two rows' lanes and
// then four in one register: compensated, 100 instructions where four
// folds take 176; plain, 22 where they take 32; maxima, 20 where they
// take 36. A pass that reduces nothing has no fold.
func (l *lowering) fold4() []func() {
	switch {
	case l.accMax == nil && l.accSum == nil:
		return nil // an output pass
	case l.accComp != nil:
		return l.foldComp4()
	}
	l.start(modeMain)
	t := [4]reg.VecPhysical{l.alloc(), l.alloc(), l.alloc(), l.alloc()}
	if l.accMax != nil {
		a := l.accMax // row r: lanes 0-15 in a[r]
		l.emit(func() {
			sideBySide([4]reg.VecPhysical(a[:4]), t, func(y, x, d Op) { VMAXPS(y, x, d) }) // j+8, j+4
			VPERMILPS(U8(0x4e), t[1], t[3])                                                // j and j+2
			VMAXPS(t[3], t[1], t[1])
			VPERMILPS(U8(0xb1), t[1], t[3]) // j and j+1
			VMAXPS(t[3], t[1], t[1])
			storeRows(t[1], t[0], func(x reg.Register, off int) { VMOVSS(x, Mem{Base: statePtr, Disp: off + kernels.RowMOff}) })
		})
		return l.code
	}
	s := l.accSum // row r: s[2r], s[2r+1] (lanes 0-7, 8-15)
	l.emit(func() {
		for r := range 4 { // j and j+8
			VADDPD(s[2*r+1], s[2*r], s[2*r])
		}
		sideBySide([4]reg.VecPhysical{s[0], s[2], s[4], s[6]}, t, func(y, x, d Op) { VADDPD(y, x, d) }) // j+4, j+2
		VPERMILPD(U8(0x55), t[1], t[3])                                                                 // j and j+1
		VADDPD(t[3], t[1], t[1])
		storeRows(t[1], t[0], func(x reg.Register, off int) { VMOVSD(x, Mem{Base: statePtr, Disp: off + kernels.RowSOff}) })
	})
	return l.code
}

// sideBySide emits two levels of fold4's tree on the four rows' registers
// v by op: the halves of rows 2p and 2p+1 side by side in t[2p], then the
// four rows' quarters in t[1] (t[3] a temporary).
func sideBySide(v, t [4]reg.VecPhysical, op func(y, x, d Op)) {
	for p := range 2 {
		VSHUFF64X2(U8(0x44), v[2*p+1], v[2*p], t[2*p])
		VSHUFF64X2(U8(0xee), v[2*p+1], v[2*p], t[2*p+1])
		op(t[2*p+1], t[2*p], t[2*p])
	}
	VSHUFF64X2(U8(0x88), t[2], t[0], t[1])
	VSHUFF64X2(U8(0xdd), t[2], t[0], t[3])
	op(t[3], t[1], t[1])
}

// storeRows emits store for lane 0 of each 128-bit quarter r of v, row
// r's result, with the offset of row r's state (tmp a temporary).
func storeRows(v, tmp reg.VecPhysical, store func(x reg.Register, off int)) {
	for r := range 4 {
		x := v.AsX()
		if r > 0 {
			x = tmp.AsX()
			VEXTRACTF32X4(U8(r), v, x)
		}
		store(x, r*kernels.RowSize)
	}
}

// reserveAccs reserves the registers of a row pass's reductions: per
// group of RowLanes elements, one float32 vector per vector of the group
// for OpRedMax, and as many more as make unroll (the main loop's vectors
// each fold into one of their own, so that the maxima are independent
// chains: maxMerge combines them); two float64 halves of each vector for
// OpRedSum's sum and its compensation (none for a plain sum, which leaves
// Comp alone), OpRedFMA's sum; all of these for each of l.rows rows
// (unroll counts their vectors). It reports an error where they would
// leave fewer than four registers.
func (l *lowering) reserveAccs(unroll int) error {
	group := kernels.RowLanes / l.s.lanes
	var max1, sums, comps int
	for _, in := range l.p.Code {
		switch {
		case in.Op == ir.OpRedMax:
			max1 = max(group, unroll)
		case in.Op == ir.OpRedSum || in.Op == ir.OpRedFMA:
			sums = 2 * group * l.rows
			if in.Op == ir.OpRedSum && in.Imm != 1 { // a plain sum leaves Comp alone
				comps = sums
			}
		}
	}
	if n := max1 + sums + comps; l.unreserved()-n < 4 {
		return fmt.Errorf("%d registers of reductions leave too few", n)
	}
	for range max1 {
		l.accMax = append(l.accMax, l.reserve())
	}
	for k := range sums {
		l.accSum = append(l.accSum, l.reserve())
		if k < comps {
			l.accComp = append(l.accComp, l.reserve())
		}
	}
	return nil
}

// maxSplit returns the code that starts the maxima's extra registers from
// the group's (loaded from the state): each holds the lanes of vector
// j % group.
func (l *lowering) maxSplit() []func() {
	var code []func()
	group := kernels.RowLanes / l.s.lanes
	for j := group; j < len(l.accMax); j++ {
		src, dst := l.accMax[j%group], l.accMax[j]
		code = append(code, func() { VMOVAPS(src, dst) })
	}
	return code
}

// maxMerge returns the code that folds the maxima's extra registers into
// the group's: the lanes' maxima in another order, the same but for the
// sign of a zero (see foldable).
func (l *lowering) maxMerge() []func() {
	var code []func()
	group := kernels.RowLanes / l.s.lanes
	for j := group; j < len(l.accMax); j++ {
		src, dst := l.accMax[j], l.accMax[j%group]
		code = append(code, func() { VMAXPS(src, dst, dst) })
	}
	return code
}

type accMem struct {
	r   reg.VecPhysical
	mem Mem
}

// accMem pairs each reduction register with its lanes in the state.
func (l *lowering) accMem() []accMem {
	var m []accMem
	vb := l.s.vecBytes()
	for i, r := range l.accMax[:min(len(l.accMax), kernels.RowLanes/l.s.lanes)] {
		m = append(m, accMem{r, Mem{Base: statePtr, Disp: kernels.RowMaxOff + i*vb}})
	}
	for i, r := range l.accSum {
		m = append(m, accMem{r, Mem{Base: statePtr, Disp: kernels.RowSumOff + i*vb}})
	}
	for i, r := range l.accComp {
		m = append(m, accMem{r, Mem{Base: statePtr, Disp: kernels.RowCompOff + i*vb}})
	}
	return m
}

// redMax folds vector g of x into its lanes' maxima: MAXPS(src1 = x,
// src2 = max) returns max where x is NaN.
func (l *lowering) redMax(g int, x operandRef) {
	x = l.inReg(x)
	l.free2(nil, x)
	acc := l.accMax[g%len(l.accMax)]
	l.emit(func() { VMAXPS(acc, x.r, acc) })
}

// redFMA adds half h of vector g of the product a*b to its lanes' sums
// with one rounding.
func (l *lowering) redFMA(g, h int, a, b operandRef) {
	a = l.inReg(a)
	s := l.accSum[(g%(len(l.accSum)/2))*2+h]
	l.emit(func() { VFMADD231PD(b.op, a.r, s) })
	l.free2(nil, a, b)
}

// redSum adds half h of vector g, t, to its lanes' compensated sums:
// n = s + t, b = n - s, s's error (s - (n - b)) + (t - b) added to the
// compensation (kernels.AddComp); or, plain, to the sums alone. In a
// body of several rows of one group (perRow) each lane takes one term
// into sums of +0: the compensated sum is then s + t and its error +0
// for a finite t (an infinite or NaN t makes the row's sum non-finite
// either way, a row that the driver settles: fallback.blockGradRows),
// one addition.
func (l *lowering) redSum(g, h int, t operandRef, plain bool) {
	t = l.inReg(t)
	k := (g%(len(l.accSum)/2))*2 + h
	s := l.accSum[k]
	if plain || l.rows > 1 {
		l.emit(func() { VADDPD(t.r, s, s) })
		l.free2(nil, t)
		return
	}
	c := l.accComp[k]
	n, b, e := l.alloc(), l.alloc(), l.alloc()
	one := constF64(1)
	l.emit(func() {
		VADDPD(t.r, s, n)
		VSUBPD(s, n, b)
		VSUBPD(b, n, e)
		// Three of the seven as multiply-adds by 1 (the same roundings):
		// they run on the FMA units, where the additions alone left
		// those idle and queued on the adders.
		VFNMADD132PD(one, s, e)
		VFNMADD132PD(one, t.r, b)
		VFMADD132PD(one, b, e)
		VADDPD(e, c, c)
		VMOVAPD(n, s)
	})
	l.free2(nil, t)
	l.release(n)
	l.release(b)
	l.release(e)
}

// rowOff is the offset from statePtr of the state of vector g's row: 0
// but in a body of several rows (perRow).
func (l *lowering) rowOff(g int) int {
	if l.rows == 1 {
		return 0
	}
	return g / (kernels.RowLanes / l.s.lanes) * kernels.RowSize
}

// perRowRows is the number of rows of one group each that a multi-row
// pass's body holds (perRow).
const perRowRows = 4

// A perRowCode is a multi-row pass's code for rows of one group, several
// rows at a time: each row's parameters and reductions in registers of
// its own, so that the rows' dependency chains overlap.
type perRowCode struct {
	l          *lowering
	body, fold []func()
}

// perRow lowers the analysed row pass a for rows of one group on ISA s,
// perRowRows rows per body with the widest interleaving that keeps at
// least min(minConsts, len(order)) of the constants order in registers
// (else one vector after another, with as many as fit); nil where they do
// not fit, and on an ISA of 16 vector registers (AVX2: two rows of the sum
// pass there, four of the others, measured no faster). The values
// computed from the row's parameters are no loop invariants here: each
// row has its own.
func perRow(s *isa, a *ir.Analysis, order []ir.Value, partial bool) *perRowCode {
	if len(s.regs) < 32 {
		return nil
	}
	b := *a
	b.Invariant = slices.Clone(a.Invariant)
	param := make([]bool, len(a.P.Code))  // depends on a parameter
	rowInv := make([]bool, len(a.P.Code)) // and on no input
	for i, in := range a.P.Code {
		param[i] = in.Op == ir.OpParam
		for _, x := range a.Args(i) {
			param[i] = param[i] || param[x]
		}
		rowInv[i] = a.Invariant[i] && param[i]
		b.Invariant[i] = a.Invariant[i] && !param[i]
	}
	n := perRowRows * kernels.RowLanes / s.lanes
	for width := n; width >= 1; width /= 2 {
		for k := len(order); k >= 0; k-- {
			if k < min(minConsts, len(order)) && width > 1 {
				break
			}
			c := lowerPerRow(s, &b, order[:k], rowInv, partial)
			if c == nil {
				continue
			}
			if c.body, c.l.err = c.l.body(n, width, modeMain); c.l.err != nil {
				continue
			}
			if c.fold = c.l.fold4(); c.l.err == nil {
				return c
			}
		}
	}
	return nil
}

// lowerPerRow prepares the lowering of perRow: consts in registers,
// rowInv the values of a row's parameters, partial for rows shorter than
// a group; nil if they do not fit.
func lowerPerRow(s *isa, a *ir.Analysis, consts []ir.Value, rowInv []bool, partial bool) *perRowCode {
	l, err := newLowering(s, a, consts, false, perRowRows*kernels.RowLanes/s.lanes, perRowRows, partial, nil)
	if err != nil {
		return nil
	}
	l.rowInv = rowInv
	return &perRowCode{l: l}
}

// emit emits the loop of c for the multi-row pass p (inputs its input
// count), at label "onegroups", with the lowering l of the single-row
// loop "onegroup": it takes perRowRows rows per iteration while that many
// remain, then leaves the rest to "onegroup" with l's constants loaded
// again.
func (c *perRowCode) emit(p *ir.Program, inputs int, l *lowering) {
	n := perRowRows * kernels.RowLanes
	Comment(fmt.Sprintf("Rows of one group each, %d per iteration while as many remain: each row's parameters and lanes in registers of its own.", perRowRows))
	Label("onegroups")
	CMPQ(total, U32(n))
	JB(LabelRef("onegroup"))
	c.loop(p, inputs, "rowgroups", U32(n))
	replay(l.prologue[:l.nconstLoads])
	JMP(LabelRef("onegroup"))
}

// loop emits c's loop at label, its constants loaded before it: n, the
// elements of perRowRows rows (a constant, or a register for rows shorter
// than a group), per iteration while as many remain, then on, or to "end"
// where none remain.
func (c *perRowCode) loop(p *ir.Program, inputs int, label string, n Op) {
	replay(c.l.prologue)
	Label(label)
	c.l.startAccs()
	replay(c.body)
	if r, ok := n.(reg.GPPhysical); ok {
		advanceElems(p, inputs, r)
	} else {
		advance(p, inputs, perRowRows*kernels.RowLanes*4)
	}
	replay(c.fold)
	ADDQ(U32(perRowRows*kernels.RowSize), statePtr)
	SUBQ(n, total)
	JZ(LabelRef("end"))
	CMPQ(total, n)
	JAE(LabelRef(label))
}

// advanceElems moves the pointers of p's inputs, and dst's unless p
// stores nothing, on by n elements, n in a register.
func advanceElems(p *ir.Program, inputs int, n reg.GPPhysical) {
	for k := range inputs {
		LEAQ(Mem{Base: srcPtrs[k], Index: n, Scale: 4}, srcPtrs[k])
	}
	if p.Out != ir.NoOut {
		LEAQ(Mem{Base: dstPtr, Index: n, Scale: 4}, dstPtr)
	}
}

// startAccs emits the start of every reduction register of l: -Inf for
// the maxima, 0 for the sums.
func (l *lowering) startAccs() {
	for _, r := range l.accMax {
		VMOVUPS(constU32(0xff800000), r) // -Inf
	}
	for _, r := range slices.Concat(l.accSum, l.accComp) {
		VXORPD(r, r, r)
	}
}

// A partialCode is a multi-row pass's code for rows shorter than a group:
// one row per iteration, its group's lanes past the row's end
// masked off (lowering's partial).
type partialCode struct {
	l          *lowering
	body, fold []func()
	rows       *perRowCode // perRowRows rows at a time, while as many remain
}

// partialRows lowers the analysed multi-row pass a for rows shorter than
// a group on ISA s, with as many of the
// constants order in registers as fit.
func partialRows(s *isa, a *ir.Analysis, order []ir.Value) (*partialCode, error) {
	group := kernels.RowLanes / s.lanes
	var err error
	for width := group; width >= 1; width /= 2 {
		for k := len(order); k >= 0; k-- {
			var l *lowering
			if l, err = newLowering(s, a, order[:k], false, group, 1, true, nil); err != nil {
				continue
			}
			c := &partialCode{l: l}
			if c.body, err = l.body(group, width, modeMain); err != nil {
				continue
			}
			if c.fold = l.foldable(false); l.err != nil {
				err = l.err
				continue
			}
			c.rows = perRow(s, a, order, true)
			return c, nil
		}
	}
	return nil, err
}

// emit emits c's loop for the multi-row pass p (inputs its input count) at
// label "partial": the lane masks from cols, then row by row the row's
// parameters, its lanes from -Inf and 0, its group under the masks, its
// fold.
func (c *partialCode) emit(p *ir.Program, inputs int) {
	l := c.l
	Comment("Rows shorter than a group, one per iteration: the group's lanes past the row's end masked off, read as the program's Fill and not stored.")
	Label("partial")
	partMasksOf(l.s, cols)
	if r := c.rows; r != nil {
		Comment(fmt.Sprintf("%d rows per iteration while as many remain, each row's parameters and lanes in registers of its own.", perRowRows))
		LEAQ(Mem{Base: cols, Index: cols, Scale: 1}, partIdx[2])
		LEAQ(Mem{Base: partIdx[2], Index: cols, Scale: 1}, partIdx[3])
		MOVQ(cols, partStep)
		SHLQ(U8(2), partStep)
		CMPQ(total, partStep)
		JB(LabelRef("partialone"))
		r.loop(p, inputs, "partialrows", partStep)
		Comment("The rows left, one per iteration.")
		Label("partialone")
	}
	replay(l.prologue[:l.nconstLoads])
	Label("partialrow")
	replay(l.prologue[l.nconstLoads:])
	l.startAccs()
	replay(c.body)
	advanceElems(p, inputs, cols)
	replay(c.fold)
	ADDQ(U32(kernels.RowSize), statePtr)
	SUBQ(cols, total)
	JNZ(LabelRef("partialrow"))
	VZEROUPPER()
	RET()
}

// partMasksOf emits partMasks for n lanes (1 to 15) of a group, n in a
// register, or laneMask on an ISA without opmask registers; it uses count
// (RCX) and RAX.
func partMasksOf(s *isa, n reg.GPPhysical) {
	if !s.kmask {
		MOVQ(n, reg.RAX)
		SHLQ(U8(2), reg.RAX)
		LEAQ(NewDataAddr(NewStaticSymbol(laneMasks), kernels.RowLanes*4), laneMask)
		SUBQ(reg.RAX, laneMask)
		return
	}
	if n != count {
		MOVQ(n, count)
	}
	MOVL(U32(1), reg.EAX)
	SHLL(reg.CL, reg.EAX)
	DECL(reg.EAX)
	KMOVW(reg.EAX, partMasks[0])
	KSHIFTRW(U8(8), partMasks[0], partMasks[1])
}
