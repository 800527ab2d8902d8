package main

import (
	"fmt"
	"math"
	"slices"
	"sort"

	. "github.com/mmcloughlin/avo/build"
	avoir "github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/kernels"
)

// Register roles, fixed in every kernel.
var (
	dstPtr  = reg.RDI                                        // next dst element
	srcPtrs = [ir.MaxInputs]reg.GPPhysical{reg.RSI, reg.RDX} // next x and y element
	count   = reg.RCX                                        // elements left
	// The last vector of a slice of at least one vector, in x and y, and
	// in dst.
	lastSrcs = [ir.MaxInputs]reg.GPPhysical{reg.RAX, reg.R8}
	lastDst  = reg.RBX
	// constBase addresses the constant pool (loadConstBase).
	constBase = reg.R11
	// A Repeat kernel's y and its end, where its pointer wraps round.
	yBase, yEnd = reg.R9, reg.R10
	// A FastFinite kernel's fast bound: the address of its bits, or of
	// -1 (no magnitude is within it) where alpha is not finite and
	// nonzero (finiteLimit).
	fastLimit = reg.R9
	// The opmask registers of AVX-512 compares (K0 in a masked
	// instruction means no mask).
	tempKs = []reg.OpmaskPhysical{reg.K1, reg.K2, reg.K3, reg.K4, reg.K5, reg.K6, reg.K7}
	// partMasks are the lanes of a row shorter than a group (lowering's
	// partial): all 16, and those of its float64 halves (8 each).
	partMasks = [2]reg.OpmaskPhysical{reg.K6, reg.K7}
	// partIdx index the rows after the first of a body of four rows
	// shorter than a group: cols, 2*cols and 3*cols elements on; partStep
	// holds 4*cols, the elements of the four.
	partIdx  = [4]reg.GPPhysical{nil, cols, reg.R8, reg.R10}
	partStep = reg.RBX
	// laneMask addresses, where there are no opmask registers (AVX2),
	// the lanes of a row's group in part: laneMasks from 16-n on, n the
	// row's lanes in the group (partMasksOf), as VMASKMOVPS's masks.
	laneMask = reg.R10
)

// laneMasks is the name of the table of laneMask: 16 lanes set, 16 clear.
const laneMasks = "lanemasks"

// A body's place in the kernel.
type mode int

const (
	modePrologue mode = iota // a loop-invariant value, once, before the loop
	modeMain                 // vectors at srcPtrs, dstPtr
	modeLast                 // the vector at lastSrcs, result kept in lastReg
	modeShort                // a slice shorter than one vector, lane by lane (isa.short nil)
)

// Comparison predicates (VCMPPS imm8).
const (
	cmpEqOQ   = 0x00 // a == b, false if either is NaN
	cmpUnordQ = 0x03 // either operand NaN
	cmpOrdQ   = 0x07 // neither operand NaN
	cmpNltUQ  = 0x05 // not a < b: a >= b, or either is NaN
	cmpLtOQ   = 0x11 // a < b, false if either is NaN
	cmpLeOQ   = 0x12 // a <= b, false if either is NaN
	cmpGeOQ   = 0x1d // a >= b, false if either is NaN
	cmpGtOQ   = 0x1e // a > b, false if either is NaN
)

// generate emits the function of program p on ISA s (its Go declaration
// is written by ../gofiles). It reports what is wrong with p, or that p
// needs more registers than s has, as an error naming the kernel.
func generate(s *isa, p *ir.Program) error {
	a, err := ir.Analyze(p)
	if err != nil {
		return err
	}
	name := p.FuncName(s.name)
	TEXT(name, NOSPLIT, p.Signature())
	inputs := len(a.Inputs)

	unroll := s.unrollF32
	if a.HasF64 {
		unroll = s.unrollF64
	}
	order := constOrder(a) // most read first
	c, width, nconsts, err := widest(s, a, order, unroll, nil)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	// The constants of OpCanon, OpQuiet and the comparisons with zero too,
	// where registers remain for them without fewer constants or a
	// narrower interleaving: a memory operand costs a load per use.
	if ci, err := lowerBodies(s, a, order[:nconsts], true, unroll, width, nil); err == nil {
		c = ci
	}
	var fast *code
	reload := false // the fast sequence's prologue again before it follows the full one
	var noFast error
	if p.Fast != nil {
		// A fast sequence that does not fit beside the kernel's registers
		// (a two-input gradient on AVX2's 16) is left out: the full one
		// computes the same bits.
		if fast, reload, noFast = lowerFast(s, p.Fast, c, unroll, width); noFast != nil {
			fast = nil
		}
	}
	l, main, single, last, tail := c.l, c.main, c.single, c.last, c.tail

	Load(Param("dst").Base(), dstPtr)
	for k := range inputs {
		Load(Param(ir.InputName(k)).Base(), srcPtrs[k])
	}
	Load(Param("x").Len(), count)
	loadConstBase()
	w, vb := s.lanes, s.vecBytes()
	if p.Repeat {
		if kernels.RepeatQuantum%(unroll*w) != 0 {
			return fmt.Errorf("%s: %d elements per iteration do not divide kernels.RepeatQuantum", name, unroll*w)
		}
		MOVQ(srcPtrs[1], yBase)
		Load(Param("y").Len(), yEnd)
		LEAQ(Mem{Base: yBase, Index: yEnd, Scale: 4}, yEnd)
	}
	if s.short == nil {
		replay(l.prologue) // the short slice's code reads it too
	}
	CMPQ(count, U32(w))
	JB(LabelRef("short"))
	if s.short != nil {
		replay(l.prologue)
	}
	Comment("At least one vector: compute the last one, x[len-w:len], first",
		"(before an in-place loop overwrites it), and store it after the loop.",
		"It overlaps the loop's last vector when len is no multiple of w.")
	for k := range inputs {
		if k == 1 && p.Repeat {
			LEAQ(Mem{Base: yEnd, Disp: -vb}, lastSrcs[k]) // y's last vector
			continue
		}
		LEAQ(Mem{Base: srcPtrs[k], Index: count, Scale: 4, Disp: -vb}, lastSrcs[k])
	}
	LEAQ(Mem{Base: dstPtr, Index: count, Scale: 4, Disp: -vb}, lastDst)
	replay(last)
	unguarded := fast != nil && math.IsInf(float64(p.FastBound), 1)
	if fast != nil && !unguarded {
		replay(fast.l.prologue)
		if p.FastFinite {
			if p.Repeat {
				return fmt.Errorf("%s: FastFinite and Repeat both take R9", name)
			}
			finiteLimit(p)
		}
	}
	if unroll > 1 {
		// The loop: its body, CMPQ, JB, an ADDQ per slice, SUBQ and JMP
		// (and CMPQ, CMOVQEQ wrapping a repeated y).
		n := len(main) + 5 + inputs
		if p.Repeat {
			n += 2
		}
		loop := fmt.Sprintf("Main loop: %d vectors (%d elements) per iteration, interleaved %d at a time, %d of %d loop constants in registers, %d implicit",
			unroll, unroll*w, width, nconsts, len(order), len(l.constRegs)-nconsts)
		switch {
		case unguarded:
			Comment(loop + ".")
			allFast(s, p, fast, reload, l.prologue, unroll)
			fallthrough
		case fast == nil:
			if noFast != nil {
				Comment("The fast sequence (ir.Program.Fast) is left out: " + noFast.Error() + ".")
			}
			Comment(loop+":", fmt.Sprintf("%d instructions, %.2f per element.", n, float64(n)/float64(unroll*w)))
			Label("unrolled")
			CMPQ(count, U32(unroll*w))
			JB(LabelRef("single"))
			replay(main)
			advance(p, inputs, unroll*vb)
			SUBQ(U32(unroll*w), count)
			JMP(LabelRef("unrolled"))
		default:
			Comment(loop + ".")
			fastLoop(s, p, fast, reload, main, n, unroll)
		}
	}
	Comment("One vector per iteration.")
	Label("single")
	CMPQ(count, U32(w))
	JB(LabelRef("last"))
	replay(single)
	advance(p, inputs, vb)
	SUBQ(U32(w), count)
	JMP(LabelRef("single"))
	Label("last")
	if s.stream {
		SFENCE() // the non-temporal stores ordered before any later store
	}
	VMOVUPS(l.lastReg, Mem{Base: lastDst})

	if s.short != nil {
		VZEROUPPER()
		RET()
		Comment(fmt.Sprintf("A slice of 0..%d elements: the %s kernel takes it, and returns to the caller.", w-1, s.short.name))
		Label("short")
		tailCall(p.FuncName(s.short.name))
		return nil
	}
	JMP(LabelRef("done"))
	Comment(fmt.Sprintf("A slice of 0..%d elements, gathered into a vector and scattered back one by one.", w-1))
	Label("short")
	TESTQ(count, count)
	JZ(LabelRef("done"))
	replay(tail)

	Label("done")
	VZEROUPPER()
	RET()
	return nil
}

// advance moves the pointers of p's inputs on by n bytes, y's round to
// its start at its end if it repeats (p.Repeat), and dst's unless p
// stores nothing (a row pass that reduces only).
func advance(p *ir.Program, inputs, n int) {
	for k := range inputs {
		ADDQ(U32(n), srcPtrs[k])
	}
	if p.Repeat {
		CMPQ(srcPtrs[1], yEnd)
		CMOVQEQ(yBase, srcPtrs[1])
	}
	if p.Out != ir.NoOut {
		ADDQ(U32(n), dstPtr)
	}
}

// code is a kernel's lowering: the prologue and the other registers it
// reserves (l), and the bodies of the main loop, of the one-vector loop, of
// the last vector and of a short slice (if the ISA has no short kernel).
type code struct {
	l                        *lowering
	main, single, last, tail []func()
}

// lowerBodies lowers every body of the analysed program a on ISA s, with
// the constants consts (and, if implicit, those of implicitConsts) in
// registers, unroll vectors per main-loop iteration interleaved width at
// a time; or reports that the registers do not suffice. With base (the
// registers that the kernel's own lowering reserves) it lowers a fast
// sequence's main loop only (lowerFast).
func lowerBodies(s *isa, a *ir.Analysis, consts []ir.Value, implicit bool, unroll, width int, base []bool) (*code, error) {
	l, err := newLowering(s, a, consts, implicit, unroll, 1, false, base)
	if err != nil {
		return nil, err
	}
	c := &code{l: l}
	if base != nil {
		if c.main, err = l.body(unroll, width, modeMain); err != nil {
			return nil, fmt.Errorf("%d vectors per iteration: %v", unroll, err)
		}
		return c, nil
	}
	if err := c.bodies(s, unroll, width); err != nil {
		return nil, err
	}
	return c, nil
}

// bodies lowers, in the registers that c's lowering does not reserve, the
// body of the main loop, of the one-vector loop, of the last vector and,
// without a short kernel, of a short slice; it changes c only if all fit.
func (c *code) bodies(s *isa, unroll, width int) error {
	l := c.l
	main, err := l.body(unroll, width, modeMain)
	if err != nil {
		return fmt.Errorf("%d vectors per iteration: %v", unroll, err)
	}
	single, err := l.body(1, 1, modeMain)
	if err != nil {
		return fmt.Errorf("one vector: %v", err)
	}
	last, err := l.body(1, 1, modeLast)
	if err != nil {
		return fmt.Errorf("last vector: %v", err)
	}
	var tail []func()
	if s.short == nil {
		if tail, err = l.body(1, 1, modeShort); err != nil {
			return fmt.Errorf("short slice: %v", err)
		}
	}
	c.main, c.single, c.last, c.tail = main, single, last, tail
	return nil
}

// widest lowers the bodies with the widest interleaving of the unroll
// vectors that keeps at least minConsts of the constants of order in
// registers (or all of them, if fewer), else one vector after another,
// each with as many constants in registers as fit; it returns the
// interleaving and how many constants it holds.
func widest(s *isa, a *ir.Analysis, order []ir.Value, unroll int, base []bool) (c *code, width, nconsts int, err error) {
	for width = unroll; width >= 1; width /= 2 {
		c, nconsts, err = mostConsts(s, a, order, unroll, width, base)
		if c != nil && (width == 1 || nconsts >= min(minConsts, len(order))) {
			return c, width, nconsts, nil
		}
	}
	return nil, 0, 0, err
}

// mostConsts lowers the bodies with the most constants of order in
// registers that fit (see lowerBodies), and returns how many.
func mostConsts(s *isa, a *ir.Analysis, order []ir.Value, unroll, width int, base []bool) (c *code, n int, err error) {
	for n = len(order); n >= 0; n-- {
		if c, err = lowerBodies(s, a, order[:n], false, unroll, width, base); err == nil {
			return c, n, nil
		}
	}
	return nil, 0, err
}

// allFast emits the main loop of a FastFinite program p whose fast
// sequence takes every input (FastBound +Inf): where alpha is finite and
// nonzero, the fast sequence's loop (after its prologue, and before the
// rest, which runs the full sequence, the full one's prologue again where
// reload says the two share registers); else a jump to the full loop that
// follows.
func allFast(s *isa, p *ir.Program, fast *code, reload bool, prologue []func(), unroll int) {
	inputs, w, vb := p.Inputs(), s.lanes, s.vecBytes()
	Comment("Where alpha is finite and nonzero, the fast sequence.")
	testAlpha(p)
	JCC(LabelRef("unrolled"))
	replay(fast.l.prologue)
	n := len(fast.main) + 5 + inputs
	Comment("The fast sequence (ir.Program.Fast, FastFinite) on every input:",
		fmt.Sprintf("%d instructions, %.2f per element.", n, float64(n)/float64(unroll*w)))
	Label("allfast")
	CMPQ(count, U32(unroll*w))
	JB(LabelRef("fastdone"))
	replay(fast.main)
	advance(p, inputs, unroll*vb)
	SUBQ(U32(unroll*w), count)
	JMP(LabelRef("allfast"))
	Label("fastdone")
	if reload {
		replay(prologue)
	}
	JMP(LabelRef("single"))
}

// fastLoop emits the main loop of program p with its fast sequence
// (lowered as fast; reload: see lowerFast): each iteration tests its
// unroll vectors (guard) and runs the fast sequence's body, or jumps to
// the full one (main, whose loop takes n instructions without the test),
// which tests the next iteration itself and stays while the test fails.
func fastLoop(s *isa, p *ir.Program, fast *code, reload bool, main []func(), n, unroll int) {
	inputs, w, vb := p.Inputs(), s.lanes, s.vecBytes()
	limit := constU32(math.Float32bits(p.FastBound))
	if p.FastFinite {
		limit = Mem{Base: fastLimit}
	}
	g := guard(s, fast.l, unroll, limit, p)
	nf := len(fast.main) + len(g) + 5 + inputs
	where := fmt.Sprintf("Where every element has magnitude at most %v", p.FastBound)
	if p.FastYMax > 0 {
		where += fmt.Sprintf(" and every element of y one in [%v, %v]", p.FastYMin, p.FastYMax)
	}
	Comment(where+", the fast sequence (ir.Program.Fast):",
		fmt.Sprintf("%d instructions, %.2f per element.", nf, float64(nf)/float64(unroll*w)))
	Label("unrolled")
	CMPQ(count, U32(unroll*w))
	JB(LabelRef("single"))
	replay(g)
	Label("fast")
	replay(fast.main)
	advance(p, inputs, unroll*vb)
	SUBQ(U32(unroll*w), count)
	JMP(LabelRef("unrolled"))
	// The full iteration: its body, ADDQs, SUBQ, then the next one's
	// CMPQ, JB and test, (the fast sequence's prologue) and JMP.
	n += len(g)
	what := "Elsewhere the full sequence, then the next iteration's test:"
	if reload {
		n += len(fast.l.prologue)
		what = "Elsewhere the full sequence, then the next iteration's test and, where it passes, the fast sequence's constants loaded again:"
	}
	Comment(what, fmt.Sprintf("%d instructions, %.2f per element.", n, float64(n)/float64(unroll*w)))
	Label("full")
	replay(main)
	advance(p, inputs, unroll*vb)
	SUBQ(U32(unroll*w), count)
	CMPQ(count, U32(unroll*w))
	JB(LabelRef("single"))
	replay(g)
	if reload {
		replay(fast.l.prologue)
	}
	JMP(LabelRef("fast"))
}

// lowerFast lowers the main loop of a kernel's fast sequence f
// (ir.Program.Fast) on ISA s, unroll vectors per iteration, beside the
// kernel's code c, whose main loop interleaves width vectors: in the
// registers that c's lowering does not reserve, with the interleaving and
// the constants in registers that widest chooses. Then it lowers c's
// bodies again without the registers the fast sequence holds across
// iterations; where they no longer fit, it keeps them as they were and
// reports reload: the fast sequence's prologue must run again where it
// follows the full one.
func lowerFast(s *isa, f *ir.Program, c *code, unroll, width int) (fc *code, reload bool, err error) {
	a, err := ir.Analyze(f)
	if err != nil {
		return nil, false, err
	}
	order := constOrder(a)
	base := c.l.reserved
	fc, fw, nconsts, err := widest(s, a, order, unroll, base)
	if err != nil {
		return nil, false, fmt.Errorf("fast sequence: %v", err)
	}
	// Its implicit constants too, where registers remain for them.
	if fi, err := lowerBodies(s, a, order[:nconsts], true, unroll, fw, base); err == nil {
		fc = fi
	}
	c.l.reserved = fc.l.reserved
	if c.bodies(s, unroll, width) == nil {
		return fc, false, nil
	}
	c.l.reserved = base
	if err := c.bodies(s, unroll, width); err != nil {
		return nil, false, err
	}
	return fc, true, nil
}

// guard returns the code that jumps to label full unless every element
// of the unroll vectors of x at the input pointer has magnitude at most
// bound (a NaN has not): their bits less the sign, combined by a signed
// maximum (a NaN's bits are above every number's), compared with the
// bound's bits at limit. Where p restricts y too (ir.Program.FastYMax),
// every element of y's vectors must have magnitude in [FastYMin,
// FastYMax]: its bits less the sign, less FastYMin's, are at most the
// range's as unsigned numbers (a smaller magnitude wraps round). It uses
// registers that l, the fast sequence's lowering, leaves free.
func guard(s *isa, l *lowering, unroll int, limit Mem, p *ir.Program) []func() {
	l.start(modeMain)
	abs, acc, t := l.alloc(), l.alloc(), l.alloc()
	absMask := constU32(kernels.AbsMask)
	l.emit(func() { VMOVUPS(absMask, abs) })
	for g := range unroll {
		m := Mem{Base: srcPtrs[0], Disp: g * s.vecBytes()}
		if g == 0 {
			l.emit(func() { s.and(m, abs, acc) })
			continue
		}
		l.emit(func() { s.and(m, abs, t) })
		l.emit(func() { VPMAXSD(t, acc, acc) })
	}
	ychk := p.FastYMax > 0
	var yacc reg.VecPhysical
	var yrange Mem
	if ychk {
		lo := math.Float32bits(p.FastYMin)
		yacc, yrange = l.alloc(), constU32(math.Float32bits(p.FastYMax)-lo)
		for g := range unroll {
			m := Mem{Base: srcPtrs[1], Disp: g * s.vecBytes()}
			d := yacc
			if g > 0 {
				d = t
			}
			l.emit(func() { s.and(m, abs, d) })
			l.emit(func() { VPSUBD(constU32(lo), d, d) })
			if g > 0 {
				l.emit(func() { VPMAXUD(t, yacc, yacc) })
			}
		}
	}
	switch {
	case s.kmask && ychk:
		l.emit(func() { VPCMPGTD(limit, acc, tempKs[0]) })
		l.emit(func() { VPCMPUD(U8(6), yrange, yacc, tempKs[1]) }) // not less or equal
		l.emit(func() { KORTESTW(tempKs[0], tempKs[1]) })
	case s.kmask:
		l.emit(func() { VPCMPGTD(limit, acc, tempKs[0]) })
		l.emit(func() { KORTESTW(tempKs[0], tempKs[0]) })
	default:
		l.emit(func() { VPCMPGTD(limit, acc, acc) })
		if ychk { // unsigned as signed: both with the sign bit flipped
			l.emit(func() { VPXOR(constU32(kernels.SignBit), yacc, yacc) })
			l.emit(func() {
				VPCMPGTD(constU32((math.Float32bits(p.FastYMax)-math.Float32bits(p.FastYMin))^kernels.SignBit), yacc, yacc)
			})
			l.emit(func() { VPOR(yacc, acc, acc) })
		}
		l.emit(func() { VPTEST(acc, acc) })
	}
	l.emit(func() { JNE(LabelRef("full")) })
	return l.code
}

// testAlpha compares alpha's bits less the sign, less lo's, with hi's
// less lo's, plus 1: below (unsigned) exactly where alpha's magnitude is
// in [lo, hi], p's FastAlphaMin and FastAlphaMax, or finite and nonzero
// ([2^-149, MaxFloat32]) where it has none. It uses yEnd's register
// (FastFinite kernels do not repeat y).
func testAlpha(p *ir.Program) {
	alpha, err := Param("alpha").Resolve()
	if err != nil {
		panic(err) // FastFinite: the signature has alpha
	}
	lo, hi := uint32(1), uint32(0x7f7fffff)
	if p.FastAlphaMax > 0 {
		lo, hi = math.Float32bits(p.FastAlphaMin), math.Float32bits(p.FastAlphaMax)
	}
	bits := yEnd.As32()
	MOVL(alpha.Addr, bits)
	ANDL(U32(kernels.AbsMask), bits)
	SUBL(U32(lo), bits)
	CMPL(bits, U32(hi-lo+1))
}

// finiteLimit sets fastLimit to the address of p's bound's bits where
// alpha passes testAlpha, else to that of -1, which fails every guard.
func finiteLimit(p *ir.Program) {
	Comment("The fast sequence only where alpha is in its range (ir.Program.FastFinite).")
	testAlpha(p)
	LEAQ(constU32(math.Float32bits(p.FastBound)), fastLimit)
	LEAQ(constU32(0xffffffff), yEnd)
	CMOVQCC(yEnd, fastLimit)
}

// tailCall jumps to the assembly function fn, which returns to this
// function's caller: fn must take the same arguments, and nothing may be
// pushed. avo has no JMP to a symbol (its branches take labels of the
// function), so the instruction is built here, as one that ends the
// function's control flow like RET.
func tailCall(fn string) {
	Instruction(&avoir.Instruction{
		Opcode:     "JMP",
		Operands:   []Op{LabelRef("·" + fn + "(SB)")},
		IsTerminal: true,
	})
}

func replay(code []func()) {
	for _, f := range code {
		f()
	}
}

// key names one register-held copy of a value: float32 values have one
// per vector g, float64 values one per half h of it.
type key struct {
	v    ir.Value
	g, h int
}

// A lowering turns one program into straight-line code for a number of
// vectors, with a simple allocator over the physical registers: a value's
// register is freed after its last use, and the code never spills.
type lowering struct {
	s *isa
	a *ir.Analysis
	p *ir.Program

	// Loop invariants are computed once, by the prologue, into registers
	// that the loop bodies never touch; inv also holds the constants kept
	// in registers.
	inv      map[ir.Value]reg.VecPhysical
	prologue []func()
	// nconstLoads counts the constant loads that begin a row pass's
	// prologue (see loadConsts).
	nconstLoads int
	reserved    []bool
	lastReg     reg.VecPhysical // the last vector's result, held across the loop
	// constRegs holds the constants kept in registers, by pool offset.
	constRegs map[int]reg.VecPhysical

	// The registers holding a row pass's reductions across the loop (see
	// accIndex).
	accMax, accSum, accComp []reg.VecPhysical
	// rows is the number of rows of one group that a body holds, each
	// with its state and reductions (perRow); 1 otherwise. There rowInv
	// marks the values computed from the row's parameters and constants
	// alone: the same in every lane of a row, each computed once per row
	// (for its first vector and float64 half 0).
	rows   int
	rowInv []bool
	// partial marks the lowering of a group that a row fills in part:
	// loads and stores under the row's lane masks (partMasks; laneMask's
	// by VMASKMOVPS without opmask registers), the lanes masked off loaded
	// with the program's Fill (zeroing masks for a Fill of 0). Its registers are those of the lowering of whole
	// groups with the same arguments.
	partial bool

	// lastSelNeg is the last loop OpSelNeg reading each condition value.
	lastSelNeg []int
	// sel says how each OpSelNeg is lowered (see selects).
	sel []selLowering

	// Per-body state.
	loc   map[key]reg.VecPhysical
	free  []bool
	kfree []bool
	// negMasks holds, with opmask registers (AVX-512), the comparisons
	// cond < 0 of a condition value and vector that a later OpSelNeg
	// reads again.
	negMasks map[key]reg.OpmaskPhysical
	// halfMasks holds, with opmask registers, the sign mask of a float64
	// OpSelSign's float32 condition, taken for half 0, for half 1 to
	// shift.
	halfMasks map[key]reg.OpmaskPhysical
	mode      mode
	code      []func()
	err       error
}

// constOrder lists the constants that the loop reads, most read first.
func constOrder(a *ir.Analysis) []ir.Value {
	var vs []ir.Value
	for i, in := range a.P.Code {
		if (in.Op == ir.OpConst || in.Op == ir.OpBits32) && a.LoopReads[i] > 0 {
			vs = append(vs, ir.Value(i))
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return a.LoopReads[vs[i]] > a.LoopReads[vs[j]] })
	return vs
}

// newLowering prepares the analysed program a for ISA s, with the loop
// invariants and the constants consts (and, if implicit, those of
// implicitConsts) in registers, or reports that they do not fit. A row
// pass lowered for rows > 1 rows of one group at a time (perRow) gives
// each row its own reductions' registers.
func newLowering(s *isa, a *ir.Analysis, consts []ir.Value, implicit bool, unroll, rows int, partial bool, base []bool) (*lowering, error) {
	l := &lowering{s: s, a: a, p: a.P, inv: map[ir.Value]reg.VecPhysical{}, reserved: make([]bool, len(s.regs)),
		constRegs: map[int]reg.VecPhysical{}, rows: rows, partial: partial}
	copy(l.reserved, base)
	switch {
	case a.P.Row:
		if err := l.reserveAccs(unroll); err != nil {
			return nil, err
		}
	case base == nil:
		l.lastReg = l.reserve()
	}
	if a.P.Row {
		// The constants first, in registers that the invariants' code
		// leaves alone: a multi-row pass loads them once, before its rows.
		if err := l.loadConsts(consts, implicit); err != nil {
			return nil, err
		}
		l.nconstLoads = len(l.prologue)
	}
	l.lastSelNeg = make([]int, len(a.P.Code))
	l.sel = selects(s, a)
	for i, in := range a.P.Code {
		if in.Op == ir.OpSelNeg && !a.Invariant[i] && (l.sel[i] == selBlend || l.sel[i] == selMul) {
			l.lastSelNeg[a.Canon[in.Args[0]]] = i
		}
	}
	for i, in := range l.p.Code {
		v := ir.Value(i)
		if !a.Invariant[i] || a.Canon[i] != v || in.Op == ir.OpConst || in.Op == ir.OpBits32 || a.LastUse[i] < 0 {
			continue
		}
		if in.Op == ir.OpLess {
			return nil, fmt.Errorf("invariant OpLess %d: no register holds it", v)
		}
		// One instance, for vector 0 and (for float64 lanes) both
		// halves: every lane holds the same value.
		l.start(modePrologue)
		if in.Op == ir.OpNarrow {
			l.narrow(i, in, 0)
		} else {
			l.op(i, in, 0, 0)
		}
		k := key{v, 0, 0}
		r := l.loc[k]
		delete(l.loc, k)
		if l.err != nil {
			return nil, fmt.Errorf("loop invariant %d: %v", v, l.err)
		}
		l.reserved[l.index(r)] = true
		l.inv[v] = r
		l.prologue = append(l.prologue, l.code...)
	}
	// Invariants that only feed other invariants are dead in the loop.
	for v, r := range l.inv {
		if a.LoopReads[v] == 0 {
			l.reserved[l.index(r)] = false
		}
	}
	if !a.P.Row {
		if err := l.loadConsts(consts, implicit); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// loadConsts reserves registers for the constants consts (and, if
// implicit, those of implicitConsts) and adds their loads to the
// prologue, or reports that they do not fit.
func (l *lowering) loadConsts(consts []ir.Value, implicit bool) error {
	s, a := l.s, l.a
	for _, v := range consts {
		if l.unreserved() < 4 {
			return fmt.Errorf("%d constants leave too few registers", len(consts))
		}
		m := l.constMem(v)
		r := l.reserve()
		l.constRegs[m.Disp] = r
		l.prologue = append(l.prologue, func() { VMOVUPS(m, r) })
		l.inv[v] = r
	}
	if implicit {
		for _, m := range implicitConsts(s, a) {
			if _, ok := l.constRegs[m.Disp]; ok {
				continue
			}
			if l.unreserved() < 4 {
				return fmt.Errorf("implicit constants leave too few registers")
			}
			r := l.reserve()
			l.constRegs[m.Disp] = r
			l.prologue = append(l.prologue, func() { VMOVUPS(m, r) })
		}
	}
	return nil
}

// implicitConsts are the constants that the loop's operations read
// without an ir.Value of their own on ISA s: the canonical NaN of
// OpCanon, the quiet bit or VFIXUPIMMPS table of OpQuiet and the +0 that
// OpSelNeg compares with.
func implicitConsts(s *isa, a *ir.Analysis) []Mem {
	var ms []Mem
	seen := map[uint32]bool{}
	sel := selects(s, a)
	add := func(c uint32) {
		if !seen[c] {
			seen[c] = true
			ms = append(ms, constU32(c))
		}
	}
	for i, in := range a.P.Code {
		if a.Invariant[i] || sel[i] == selQuiet || in.Op == ir.OpQuiet && quietMasked(a, sel, i) {
			continue
		}
		switch in.Op {
		case ir.OpCanon:
			add(kernels.CanonicalNaN)
			if s.kmask && canonFixup(a, i) {
				add(fixCanon)
			}
		case ir.OpZeroOf:
			add(kernels.CanonicalNaN)
			if s.kmask {
				add(fixZero)
			} else {
				add(kernels.AbsMask)
				add(kernels.ExpBits)
				add(0)
			}
		case ir.OpQuiet, ir.OpQuietInf:
			add(quietTable(s, a, sel, i))
		case ir.OpSelNeg:
			switch {
			case sel[i] == selFixup:
				add(fixSelect)
			case sel[i] == selQuietMasked:
				add(fixQuietAll)
				if !a.LessCond(in) {
					add(0)
				}
			case !a.LessCond(in): // else no comparison with 0
				add(0)
			}
		}
	}
	return ms
}

// VFIXUPIMMPS tables (AVX-512): a 4-bit response for each class of
// the tested value, from bit 0: QNaN, SNaN, ±0, +1, -Inf, +Inf, other
// negative, other positive. Response 0 keeps the destination, 1 returns
// the tested value, 2 the tested value with its quiet bit set (with
// MXCSR.DAZ clear, as Go leaves it, subnormals count as values).
const (
	// fixQuiet is OpQuiet(x, y): x quieted where it is NaN, else y.
	fixQuiet = 0x00000022
	// fixQuietSelect is OpQuiet(x, OpSelNeg(x, y, x)): x quieted where it
	// is NaN, y where x < 0, else x.
	fixQuietSelect = 0x10101122
	// fixSelect is OpSelNeg(x, y, x): y where x < 0, else x (a NaN x
	// as it is).
	fixSelect = 0x10101111
	// fixQuietInf is OpQuietInf(x, y): x quieted where it is NaN, x
	// where it is +Inf, else y.
	fixQuietInf = 0x00100022
	// fixCanon is OpCanon(x) into a copy of the canonical NaN: x
	// where it is no NaN (see canonFixup).
	fixCanon = 0x11111100
	// fixZero is OpZeroOf(x) into a copy of the canonical NaN: x
	// quieted where it is NaN, that NaN where x is infinite, x where it
	// is ±0, else +0 (x positive) or -0 (negative).
	fixZero = 0x87008122
	// fixQuietAll is OpQuiet(x, x): x quieted where it is NaN, else x
	// (selQuietMasked).
	fixQuietAll = 0x11111122
	// one is the float32 1: without opmasks OpQuiet(x, x) is x*1.
	one = 0x3f800000
)

// canonFixup reports whether OpCanon i is lowered, with opmasks, as a
// copy of the canonical NaN and one VFIXUPIMMPS (fixCanon), not as a
// comparison into a mask and a blend: where an OpQuiet alone reads it, as
// in the gradients' NaN rule (LeakyReLUGrad 16 % faster at 4Ki on
// AVX-512), not where a select's VFIXUPIMMPS does (LeakyReLU 9 % slower).
func canonFixup(a *ir.Analysis, i int) bool {
	j := a.LastUse[i]
	return j >= 0 && a.LoopReads[i] == 1 && a.P.Code[j].Op == ir.OpQuiet
}

// selLowering is how an OpSelNeg is lowered.
type selLowering uint8

const (
	selBlend       selLowering = iota // a comparison into a mask (or a mask), then a blend
	selQuiet                          // with the OpQuiet that reads it: fixQuietSelect
	selFixup                          // x < 0 ? y : x: one VFIXUPIMMPS (fixSelect)
	selMul                            // x < 0 ? c*b : c: c multiplied by b under the mask (maskedMul)
	selQuietMasked                    // x < 0 ? OpQuiet(a, a) : c: one VFIXUPIMMPS of a into c under the mask (quietMaskedSel)
)

// selects says how each loop OpSelNeg is lowered on ISA s. With opmasks
// (AVX-512) x < 0 ? y : x is one VFIXUPIMMPS into y's register: with the
// OpQuiet of the same x that is its only reader (fixQuietSelect), or
// alone (fixSelect) where y is a loop value, whose register it takes (for
// a constant y, ReLU's 0, a register copy and VFIXUPIMMPS measured slower
// than the comparison and the blend); x < 0 ? c*b : c where the product
// has no other reader multiplies under the mask (merge masking: selMul);
// the other selects blend.
func selects(s *isa, a *ir.Analysis) []selLowering {
	sel := make([]selLowering, len(a.P.Code))
	if !s.kmask {
		return sel
	}
	xyx := func(v ir.Value) bool {
		in := a.P.Code[v]
		return in.Op == ir.OpSelNeg && !a.Invariant[v] && a.Canon[in.Args[0]] == a.Canon[in.Args[2]]
	}
	for j := range a.P.Code {
		if xyx(ir.Value(j)) && !a.Invariant[a.Canon[a.P.Code[j].Args[1]]] {
			sel[j] = selFixup
		}
	}
	for j, in := range a.P.Code {
		if in.Op != ir.OpSelNeg || a.Invariant[j] || sel[j] != selBlend {
			continue
		}
		if m := maskedProduct(a, j); m >= 0 {
			sel[j] = selMul
		}
	}
	for j, in := range a.P.Code {
		if in.Op == ir.OpSelNeg && !a.Invariant[j] && sel[j] == selBlend && quietSelf(a, j) >= 0 {
			sel[j] = selQuietMasked
		}
	}
	for j, in := range a.P.Code {
		if in.Op != ir.OpQuiet || a.Invariant[j] {
			continue
		}
		x, v := a.Canon[in.Args[0]], a.Canon[in.Args[1]]
		if xyx(v) && a.LoopReads[v] == 1 && a.LastUse[v] == j && a.Canon[a.P.Code[v].Args[0]] == x {
			sel[v] = selQuiet
		}
	}
	return sel
}

// maskedProduct returns the product c*b (or b*c) that select j, x < 0 ? c*b :
// c, alone reads, or -1.
func maskedProduct(a *ir.Analysis, j int) int {
	in := a.P.Code[j]
	m := a.Canon[in.Args[1]]
	mul := a.P.Code[m]
	if mul.Op != ir.OpMul || mul.Type != ir.F32 || a.Invariant[m] || a.LoopReads[m] != 1 || a.LastUse[m] != j {
		return -1
	}
	x, y, c := a.Canon[mul.Args[0]], a.Canon[mul.Args[1]], a.Canon[in.Args[2]]
	if (x == c) == (y == c) || a.Invariant[c] {
		return -1
	}
	return int(m)
}

// quietSelf returns the OpQuiet(a, a) that select j, x < 0 ?
// OpQuiet(a, a) : c, alone reads, or -1: one whose a stays in its
// register up to j (its last reader, or read after j).
func quietSelf(a *ir.Analysis, j int) int {
	in := a.P.Code[j]
	q := a.Canon[in.Args[1]]
	qi := a.P.Code[q]
	if qi.Op != ir.OpQuiet || a.Invariant[q] || a.LoopReads[q] != 1 || a.LastUse[q] != j || a.Invariant[a.Canon[in.Args[2]]] {
		return -1
	}
	src := a.Canon[qi.Args[0]]
	if a.Canon[qi.Args[1]] != src || a.LastUse[src] != int(q) && a.LastUse[src] <= j {
		return -1
	}
	return int(q)
}

// quietMasked reports whether OpQuiet i is lowered by the select reading
// it (selQuietMasked).
func quietMasked(a *ir.Analysis, sel []selLowering, i int) bool {
	j := a.LastUse[i]
	return j >= 0 && j < len(sel) && sel[j] == selQuietMasked && quietSelf(a, j) == i
}

// quietTable returns the constant OpQuiet or OpQuietInf i reads on ISA
// s: the quiet bit (OpQuietInf: +Inf), or with opmasks the VFIXUPIMMPS
// table (see selects).
func quietTable(s *isa, a *ir.Analysis, sel []selLowering, i int) uint32 {
	switch {
	case a.P.Code[i].Op == ir.OpQuietInf && s.kmask:
		return fixQuietInf
	case a.P.Code[i].Op == ir.OpQuietInf:
		return kernels.ExpBits // +Inf, compared with
	case !s.kmask && a.Canon[a.P.Code[i].Args[0]] == a.Canon[a.P.Code[i].Args[1]]:
		return one // x*1 is x quieted
	case !s.kmask:
		return kernels.QuietBit
	}
	if sel[a.Canon[a.P.Code[i].Args[1]]] == selQuiet {
		return fixQuietSelect
	}
	return fixQuiet
}

// unreserved counts the registers left to the loop bodies.
func (l *lowering) unreserved() int {
	n := 0
	for _, r := range l.reserved {
		if !r {
			n++
		}
	}
	return n
}

// constMem returns the memory operand of constant value v.
func (l *lowering) constMem(v ir.Value) Mem {
	def := l.p.Code[v]
	if def.Op == ir.OpConst {
		return constF64(def.Const)
	}
	return constU32(def.Imm)
}

func (l *lowering) index(r reg.VecPhysical) int {
	for i, x := range l.s.regs {
		if x.PhysicalIndex() == r.PhysicalIndex() {
			return i
		}
	}
	panic("not a register of this ISA: " + r.Asm())
}

// reserve takes the highest register not yet reserved, for the whole
// function.
func (l *lowering) reserve() reg.VecPhysical {
	for i := len(l.reserved) - 1; i >= 0; i-- {
		if !l.reserved[i] {
			l.reserved[i] = true
			return l.s.regs[i]
		}
	}
	panic("no register left to reserve") // newLowering keeps four free
}

// body lowers the program for groups vectors at consecutive offsets, in
// place m of the kernel, width vectors at a time instruction by
// instruction (width = groups: all interleaved; 1: one vector after
// another). It returns the code to emit, or an error if the registers do
// not suffice.
func (l *lowering) body(groups, width int, m mode) ([]func(), error) {
	l.start(m)
	n := len(l.p.Code)
	for g0 := 0; g0 < groups; g0 += width {
		for i := 0; i <= n; i++ {
			for g := g0; g < min(g0+width, groups); g++ {
				l.instr(i, g)
			}
		}
	}
	if l.err == nil && len(l.loc) != 0 {
		l.err = fmt.Errorf("%d values left in registers: %v", len(l.loc), l.loc)
	}
	return l.code, l.err
}

// start begins lowering code for place m, with every register that is not
// reserved free.
func (l *lowering) start(m mode) {
	l.loc = map[key]reg.VecPhysical{}
	l.free = make([]bool, len(l.s.regs))
	for i := range l.free {
		l.free[i] = !l.reserved[i]
	}
	l.kfree = make([]bool, len(tempKs))
	for i, k := range tempKs {
		l.kfree[i] = !l.partial || !slices.Contains(partMasks[:], k)
	}
	l.negMasks = map[key]reg.OpmaskPhysical{}
	l.halfMasks = map[key]reg.OpmaskPhysical{}
	l.mode, l.code, l.err = m, nil, nil
}

// emit appends f, which emits one instruction (the gather and scatter
// loops of a short slice excepted), to the body.
func (l *lowering) emit(f func()) { l.code = append(l.code, f) }

// alloc takes the lowest free register; the highest in the prologue, whose
// results are reserved for the whole function.
func (l *lowering) alloc() reg.VecPhysical {
	for k := range l.free {
		i := k
		if l.mode == modePrologue {
			i = len(l.free) - 1 - k
		}
		if l.free[i] {
			l.free[i] = false
			return l.s.regs[i]
		}
	}
	if l.err == nil {
		l.err = fmt.Errorf("out of vector registers")
	}
	return l.s.regs[0]
}

func (l *lowering) release(r reg.VecPhysical) { l.free[l.index(r)] = true }

func (l *lowering) allocK() reg.OpmaskPhysical {
	for i, f := range l.kfree {
		if f {
			l.kfree[i] = false
			return tempKs[i]
		}
	}
	if l.err == nil {
		l.err = fmt.Errorf("out of opmask registers")
	}
	return tempKs[0]
}

func (l *lowering) releaseK(k reg.OpmaskPhysical) {
	for i, x := range tempKs {
		if x == k {
			l.kfree[i] = true
		}
	}
}

// lowHalf names the float32 lanes of vector register r that widen into
// the low float64 half: the register of half a vector's size.
func (l *lowering) lowHalf(r reg.VecPhysical) reg.Register {
	if l.s.kmask {
		return r.AsY()
	}
	return r.AsX()
}

// operandRef is one argument of an instruction instance.
type operandRef struct {
	op    Op              // register or memory
	r     reg.VecPhysical // nil for memory
	k     *key            // the loop value in r (v -1: a temporary); nil for one kept in r
	dying bool            // this instance reads the value last
}

// arg returns argument j of instruction in for vector g, half h.
func (l *lowering) arg(i int, in ir.Instr, j, g, h int) operandRef {
	v := l.a.Canon[in.Args[j]]
	def := l.p.Code[v]
	if r, ok := l.inv[v]; ok {
		return operandRef{op: r, r: r}
	}
	if l.rowInv != nil && l.rowInv[v] {
		// The row's instance dies with the read of its last vector (and
		// float64 half) by a loop instruction, or with its one read by
		// another of the row's values.
		group := kernels.RowLanes / l.s.lanes
		dying := l.a.LastUse[v] == i && (l.rowInv[i] || g%group == group-1 && (in.Type != ir.F64 || h == 1))
		k := key{v, g - g%group, 0}
		r, ok := l.loc[k]
		if !ok {
			panic(fmt.Sprintf("%s: row value %d not in a register", l.p.Name, v))
		}
		return operandRef{op: r, r: r, k: &k, dying: dying}
	}
	switch {
	case def.Op == ir.OpConst || def.Op == ir.OpBits32:
		return operandRef{op: l.constMem(v)}
	case def.Op == ir.OpLess && l.s.kmask:
		return operandRef{} // an opmask in negMasks
	}
	// A float32 value read by both halves of a float64 instruction dies
	// with the second.
	dying := l.a.LastUse[v] == i && !(def.Type == ir.F32 && in.Type == ir.F64 && h == 0)
	if def.Type == ir.F32 {
		h = 0
	}
	k := key{v, g, h}
	r, ok := l.loc[k]
	if !ok {
		panic(fmt.Sprintf("%s: value %d not in a register", l.p.Name, v))
	}
	return operandRef{op: r, r: r, k: &k, dying: dying}
}

// consume frees the registers of dying arguments, except keep.
func (l *lowering) consume(keep reg.VecPhysical, args ...operandRef) {
	for _, a := range args {
		if !a.dying {
			continue
		}
		if _, ok := l.loc[*a.k]; !ok {
			continue // the same value twice
		}
		delete(l.loc, *a.k)
		if keep == nil || a.r.PhysicalIndex() != keep.PhysicalIndex() {
			l.release(a.r)
		}
	}
}

// inReg returns a with its value in a register, loading a constant into a
// fresh register that counts as dying.
func (l *lowering) inReg(a operandRef) operandRef {
	if a.r != nil {
		return a
	}
	t := l.alloc()
	m := a.op
	l.emit(func() { VMOVUPS(m, t) })
	return operandRef{op: t, r: t, k: &key{v: -1}, dying: true}
}

// consumeTemps frees registers made by inReg.
func (l *lowering) consumeTemps(keep reg.VecPhysical, args ...operandRef) {
	for _, a := range args {
		if a.k != nil && a.k.v == -1 && (keep == nil || a.r.PhysicalIndex() != keep.PhysicalIndex()) {
			l.release(a.r)
		}
	}
}

func (l *lowering) free2(keep reg.VecPhysical, args ...operandRef) {
	l.consume(keep, args...)
	l.consumeTemps(keep, args...)
}

func (l *lowering) define(v ir.Value, g, h int, r reg.VecPhysical) {
	if l.a.LastUse[v] < 0 { // never used
		l.release(r)
		return
	}
	l.loc[key{v, g, h}] = r
}

// widenedOnly reports whether v is an input that only OpWiden reads,
// outside a short slice's code (which gathers its inputs into registers):
// each widening converts from memory, and no register loads v.
func (l *lowering) widenedOnly(v ir.Value) bool {
	if l.mode == modeShort || l.p.Code[v].Op != ir.OpInput || l.p.Out != ir.NoOut && l.a.Canon[l.p.Out] == v {
		return false
	}
	for _, in := range l.p.Code {
		for _, x := range in.Args[:in.Op.NArgs()] {
			if l.a.Canon[x] == v && in.Op != ir.OpWiden {
				return false
			}
		}
	}
	return true
}

// widenHalf emits float64 half h of vector g of the float32 value x into
// d: straight from memory where x is an input (outside a short slice's
// code), else from src, x's register.
func (l *lowering) widenHalf(x ir.Value, src, d reg.VecPhysical, g, h int) {
	if in := l.p.Code[x]; l.mode != modeShort && in.Op == ir.OpInput {
		m := l.input(int(in.Imm), g, h*l.s.vecBytes()/2)
		if !l.partial {
			l.emit(func() { VCVTPS2PD(m, d) })
			return
		}
		if !l.s.kmask {
			t := l.maskedLoad(m, g, h*l.s.vecBytes()/2, d.AsX())
			l.emit(func() { VCVTPS2PD(d.AsX(), d) })
			l.release(t)
			return
		}
		k := partMasks[h]
		if l.p.Fill == 0 {
			l.emit(func() { VCVTPS2PD_Z(m, k, d) })
			return
		}
		f := constF64(float64(l.p.Fill))
		l.emit(func() { VMOVUPD(f, d); VCVTPS2PD(m, k, d) })
		return
	}
	half := l.lowHalf(d)
	switch {
	case h == 0:
		l.emit(func() { VCVTPS2PD(l.lowHalf(src), d) })
	case l.s.kmask:
		l.emit(func() { VEXTRACTF64X4(U8(1), src, half) })
		l.emit(func() { VCVTPS2PD(half, d) })
	default:
		l.emit(func() { VEXTRACTF128(U8(1), src, half) })
		l.emit(func() { VCVTPS2PD(half, d) })
	}
}

// maskedLoad emits, without opmask registers, the load of the float32
// lanes of vector g at m (d's width) under laneMask's lanes from off bytes
// into vector g's, the lanes masked off the program's Fill. It returns the
// register of the mask, still allocated, for the caller to release.
func (l *lowering) maskedLoad(m Mem, g, off int, d reg.Register) reg.VecPhysical {
	t := l.alloc()
	var tm reg.Register = t
	if d.Size() == 16 {
		tm = t.AsX()
	}
	mask := Mem{Base: laneMask, Disp: g%(kernels.RowLanes/l.s.lanes)*l.s.vecBytes() + off}
	l.emit(func() { VMOVDQU(mask, tm); VMASKMOVPS(m, tm, d) })
	if f := l.p.Fill; f != 0 {
		fill := constU32(math.Float32bits(f))
		l.emit(func() { VANDNPS(fill, tm, tm); VORPS(tm, d, d) })
	}
	return t
}

// input addresses vector g of input k, plus off bytes.
func (l *lowering) input(k, g, off int) Mem {
	if l.mode == modeLast {
		return Mem{Base: lastSrcs[k], Disp: off}
	}
	return l.rowMem(srcPtrs[k], g, off)
}

// rowMem addresses vector g at base, plus off bytes: g vectors on, but in
// a body of several rows shorter than a group (partial, rows > 1) row g's
// group, g*cols elements on (partIdx).
func (l *lowering) rowMem(base reg.GPPhysical, g, off int) Mem {
	if !l.partial || l.rows == 1 || g == 0 {
		return Mem{Base: base, Disp: g*l.s.vecBytes() + off}
	}
	return Mem{Base: base, Index: partIdx[g], Scale: 4, Disp: off}
}

// tailLoad are the labels of the loops gathering each input of a short
// slice.
var tailLoad = [ir.MaxInputs]string{"tailload", "tailloady"}

// instr lowers instruction i (len(Code): the store of Out) for vector g.
func (l *lowering) instr(i, g int) {
	if l.err != nil {
		return
	}
	vb := l.s.vecBytes()
	if i == len(l.p.Code) {
		if l.p.Out == ir.NoOut {
			return
		}
		k := key{l.p.Out, g, 0}
		r := l.loc[k]
		delete(l.loc, k)
		switch l.mode {
		case modeMain:
			if l.s.stream {
				l.emit(func() { VMOVNTPS(r, Mem{Base: dstPtr, Disp: g * vb}) })
				break
			}
			if l.partial && !l.s.kmask {
				t := l.alloc()
				m := l.rowMem(dstPtr, g, 0)
				mask := Mem{Base: laneMask, Disp: g % (kernels.RowLanes / l.s.lanes) * vb}
				l.emit(func() { VMOVDQU(mask, t); VMASKMOVPS(r, t, m) })
				l.release(t)
				break
			}
			if l.partial {
				m := l.rowMem(dstPtr, g, 0)
				l.emit(func() { VMOVUPS(r, partMasks[0], m) })
				break
			}
			l.emit(func() { VMOVUPS(r, Mem{Base: dstPtr, Disp: g * vb}) })
		case modeLast:
			lr := l.lastReg
			l.emit(func() { VMOVUPS(r, lr) })
		case modeShort:
			// Store lane 0, rotate the lanes down by one, count times.
			idx := l.alloc()
			l.emit(func() {
				VMOVDQU(constLanes([8]uint32{1, 2, 3, 4, 5, 6, 7, 0}), idx)
				XORQ(reg.RAX, reg.RAX)
				Label("tailstore")
				VMOVSS(r.AsX(), Mem{Base: dstPtr, Index: reg.RAX, Scale: 4})
				VPERMPS(r, idx, r)
				INCQ(reg.RAX)
				CMPQ(reg.RAX, count)
				JB(LabelRef("tailstore"))
			})
			l.release(idx)
		}
		l.release(r)
		return
	}
	in := l.p.Code[i]
	v := ir.Value(i)
	if l.a.Invariant[i] {
		return // in the prologue, or a constant
	}
	if l.rowInv != nil && l.rowInv[i] {
		switch {
		case l.a.LastUse[i] < 0: // read by nothing
		case in.Op == ir.OpNarrow:
			l.err = fmt.Errorf("a row's parameter narrowed")
		case g%(kernels.RowLanes/l.s.lanes) == 0: // once per row
			l.op(i, in, g, 0)
		}
		return
	}
	switch in.Op {
	case ir.OpInput:
		if l.widenedOnly(v) {
			return // each OpWiden converts straight from memory
		}
		d := l.alloc()
		k := int(in.Imm)
		if l.mode != modeShort {
			m := l.input(k, g, 0)
			switch {
			case !l.partial:
				l.emit(func() { VMOVUPS(m, d) })
			case !l.s.kmask:
				l.release(l.maskedLoad(m, g, 0, d))
			case l.p.Fill == 0:
				l.emit(func() { VMOVUPS_Z(m, partMasks[0], d) })
			default:
				f := constU32(math.Float32bits(l.p.Fill))
				l.emit(func() { VMOVUPS(f, d); VMOVUPS(m, partMasks[0], d) })
			}
		} else {
			// From the last element down: rotate the lanes up by one and
			// put the element in lane 0, count times. Lanes count.. stay 0.
			idx, t := l.alloc(), l.alloc()
			l.emit(func() {
				VMOVDQU(constLanes([8]uint32{7, 0, 1, 2, 3, 4, 5, 6}), idx)
				VXORPS(d, d, d)
				MOVQ(count, reg.RAX)
				Label(tailLoad[k])
				DECQ(reg.RAX)
				VPERMPS(d, idx, d)
				VMOVSS(Mem{Base: srcPtrs[k], Index: reg.RAX, Scale: 4}, t.AsX())
				VBLENDPS(U8(1), t, d, d)
				JNZ(LabelRef(tailLoad[k]))
			})
			l.release(idx)
			l.release(t)
		}
		l.define(v, g, 0, d)
		return
	case ir.OpNarrow:
		l.narrow(i, in, g)
		return
	}
	if in.Type == ir.F64 {
		for h := range 2 {
			l.op(i, in, g, h)
		}
	} else {
		l.op(i, in, g, 0)
	}
}

// narrow rounds the two float64 halves of a value into one float32 vector.
func (l *lowering) narrow(i int, in ir.Instr, g int) {
	lo := l.arg(i, in, 0, g, 0)
	hi := l.arg(i, in, 0, g, 1)
	l.consume(nil, lo)
	d := l.alloc()
	l.consume(nil, hi)
	t := l.alloc()
	l.release(t)
	if l.s.kmask {
		l.emit(func() { VCVTPD2PS(lo.r, d.AsY()) })
		l.emit(func() { VCVTPD2PS(hi.r, t.AsY()) })
		l.emit(func() { VINSERTF64X4(U8(1), t.AsY(), d, d) })
	} else {
		l.emit(func() { VCVTPD2PSY(lo.r, d.AsX()) })
		l.emit(func() { VCVTPD2PSY(hi.r, t.AsX()) })
		l.emit(func() { VINSERTF128(U8(1), t.AsX(), d, d) })
	}
	l.define(ir.Value(i), g, 0, d)
}

// op lowers one instance (vector g, half h) of instruction i.
func (l *lowering) op(i int, in ir.Instr, g, h int) {
	v := ir.Value(i)
	switch {
	case in.Op == ir.OpMul && l.mulMasked(i):
		return // lowered by the select reading it
	case in.Op == ir.OpSelNeg && l.sel[i] == selMul:
		l.maskedMul(i, in, g, h)
		return
	case in.Op == ir.OpQuiet && quietMasked(l.a, l.sel, i):
		return // lowered by the select reading it
	case in.Op == ir.OpSelNeg && l.sel[i] == selQuietMasked:
		l.quietMaskedSel(i, in, g, h)
		return
	}
	n := in.Op.NArgs()
	var a [3]operandRef
	for j := range n {
		if in.Op == ir.OpWiden && l.widenedOnly(l.a.Canon[in.Args[0]]) {
			break // no register holds the input
		}
		a[j] = l.arg(i, in, j, g, h)
	}
	f64 := in.Type == ir.F64
	vb := l.s.vecBytes()

	// simple emits a three-operand instruction d = x op y, with y allowed
	// in memory.
	simple := func(commutative bool, ins func(y, x, d Op)) {
		x, y := a[0], a[1]
		if commutative && x.r == nil && y.r != nil {
			x, y = y, x
		}
		x = l.inReg(x)
		l.free2(nil, x, y)
		d := l.alloc()
		l.emit(func() { ins(y.op, x.op, d) })
		l.define(v, g, h, d)
	}

	switch in.Op {
	case ir.OpParam:
		if l.p.Row {
			d := l.alloc()
			if f64 {
				off := l.rowOff(g) + kernels.RowCOff + 8*int(in.Imm) // C, or D (Imm 1)
				l.emit(func() { VBROADCASTSD(Mem{Base: statePtr, Disp: off}, d) })
			} else {
				off := l.rowOff(g) + kernels.RowMOff
				l.emit(func() { VBROADCASTSS(Mem{Base: statePtr, Disp: off}, d) })
			}
			l.define(v, g, h, d)
			return
		}
		alpha, err := Param("alpha").Resolve() // ir.Signature's, after the inputs
		if err != nil {
			l.err = err
			return
		}
		d := l.alloc()
		l.emit(func() { VBROADCASTSS(alpha.Addr, d) })
		l.define(v, g, h, d)

	case ir.OpLane: // the state's lanes of vector g of a group
		d := l.alloc()
		m := Mem{Base: statePtr, Disp: l.rowOff(g) + kernels.RowPOff + g%(kernels.RowLanes/l.s.lanes)*vb}
		l.emit(func() { VMOVUPS(m, d) })
		l.define(v, g, h, d)

	case ir.OpWiden:
		src := a[0]
		fromMem := l.mode != modeShort && l.p.Code[in.Args[0]].Op == ir.OpInput
		if !fromMem {
			src = l.inReg(src)
		}
		l.free2(nil, src)
		d := l.alloc()
		l.widenHalf(in.Args[0], src.r, d, g, h)
		l.define(v, g, h, d)

	case ir.OpAdd:
		simple(true, pick(f64, VADDPD, VADDPS))
	case ir.OpSub:
		simple(false, pick(f64, VSUBPD, VSUBPS))
	case ir.OpMul:
		simple(true, pick(f64, VMULPD, VMULPS))
	case ir.OpDiv:
		simple(false, pick(f64, VDIVPD, VDIVPS))
	case ir.OpOr:
		if l.s.kmask {
			simple(true, func(y, x, d Op) { VPORD(y, x, d) })
		} else {
			simple(true, func(y, x, d Op) { VORPS(y, x, d) })
		}
	case ir.OpShl:
		imm := U8(in.Imm)
		x := l.inReg(a[0])
		l.free2(nil, x)
		d := l.alloc()
		shift := pick(f64, VPSLLQ, VPSLLD)
		l.emit(func() { shift(imm, x.r, d) })
		l.define(v, g, h, d)

	case ir.OpMax:
		// MAXPS(src1, src2) = src1 > src2 ? src1 : src2.
		l.minMax(i, v, g, h, a[0], a[1], pick(f64, VMAXPD, VMAXPS))
	case ir.OpMin:
		// MINPS(src1, src2) = src1 < src2 ? src1 : src2.
		l.minMax(i, v, g, h, a[0], a[1], pick(f64, VMINPD, VMINPS))

	case ir.OpRedMax:
		l.redMax(g, a[0])
	case ir.OpRedFMA:
		l.redFMA(g, h, a[0], a[1])
	case ir.OpRedSum:
		l.redSum(g, h, a[0], in.Imm == 1)

	case ir.OpFMA:
		l.fma(v, g, h, a[0], a[1], a[2], fmaForms[fmaKey{f64, false}])
	case ir.OpFNMA:
		l.fma(v, g, h, a[0], a[1], a[2], fmaForms[fmaKey{f64, true}])

	case ir.OpSelNeg:
		if l.sel[i] == selQuiet || l.sel[i] == selFixup {
			// y, in a register of its own for VFIXUPIMMPS to overwrite:
			// here (selFixup), or by the OpQuiet reading it (selQuiet).
			y := l.inReg(a[1])
			d := y.r
			if !y.dying {
				d = l.alloc()
				l.emit(func() { VMOVAPS(y.r, d) })
			}
			if l.sel[i] == selFixup {
				x := l.inReg(a[0])
				q := l.constOp(constU32(fixSelect))
				l.emit(func() { VFIXUPIMMPS(U8(0), q, x.r, d) })
				l.free2(d, x, y, a[2])
			} else {
				l.free2(d, a[0], y, a[2])
			}
			l.define(v, g, h, d)
			return
		}
		b, c := a[1], l.inReg(a[2])
		if l.s.kmask {
			cv := key{l.a.Canon[in.Args[0]], g, 0}
			k := l.negMask(cv, a[0])
			l.free2(nil, b, c)
			d := l.alloc()
			l.emit(func() { VBLENDMPS(b.op, c.r, k, d) })
			if l.mode == modePrologue || l.lastSelNeg[cv.v] <= i {
				delete(l.negMasks, cv)
				l.releaseK(k)
			}
			l.define(v, g, h, d)
			return
		}
		cond := l.inReg(a[0])
		if l.a.LessCond(in) { // a mask already
			l.free2(nil, cond, b, c)
			d := l.alloc()
			l.emit(func() { VBLENDVPS(cond.r, b.op, c.r, d) })
			l.define(v, g, h, d)
			return
		}
		m := l.alloc()
		zero := l.zero()
		l.emit(func() { VCMPPS(U8(cmpLtOQ), zero, cond.r, m) })
		l.free2(nil, cond, b, c)
		d := l.alloc()
		l.emit(func() { VBLENDVPS(m, b.op, c.r, d) })
		l.release(m)
		l.define(v, g, h, d)

	case ir.OpLess:
		// a < b, ordered: an opmask for the OpSelNegs that read it
		// (negMask), or without opmasks a vector of all-ones lanes, whose
		// sign bits VBLENDVPS reads.
		pred, x, y := U8(cmpLtOQ), a[0], a[1]
		if x.r == nil && y.r != nil { // y > x, the constant in memory
			pred, x, y = U8(cmpGtOQ), y, x
		}
		x = l.inReg(x)
		l.free2(nil, x, y)
		if l.s.kmask {
			k := l.allocK()
			l.emit(func() { VCMPPS(pred, y.op, x.r, k) })
			if l.a.LastUse[v] < 0 {
				l.releaseK(k)
				return
			}
			l.negMasks[key{v, g, 0}] = k
			return
		}
		d := l.alloc()
		l.emit(func() { VCMPPS(pred, y.op, x.r, d) })
		l.define(v, g, h, d)

	case ir.OpSelSign:
		cond := l.inReg(a[0])
		b, c := a[1], l.inReg(a[2])
		// A float32 condition of a float64 select: its sign bits as they
		// are (half h's lanes), no widening.
		narrow := f64 && l.p.Code[in.Args[0]].Type == ir.F32
		if l.s.kmask {
			hk := key{v, g, 0}
			k, kept := l.halfMasks[hk]
			if !kept {
				k = l.allocK()
				l.emit(func() {
					if f64 && !narrow {
						VPMOVQ2M(cond.r, k)
					} else {
						VPMOVD2M(cond.r, k)
					}
				})
			}
			if narrow && h == 1 {
				delete(l.halfMasks, hk)
				l.emit(func() { KSHIFTRW(U8(8), k, k) })
			}
			l.free2(nil, cond, b, c)
			d := l.alloc()
			l.emit(func() {
				if f64 {
					VBLENDMPD(b.op, c.r, k, d)
				} else {
					VBLENDMPS(b.op, c.r, k, d)
				}
			})
			if narrow && h == 0 {
				l.halfMasks[hk] = k
			} else {
				l.releaseK(k)
			}
			l.define(v, g, h, d)
			return
		}
		m := cond.r
		if narrow { // VBLENDVPD reads the sign of each 64-bit lane: half h widened
			m = l.alloc()
			l.widenHalf(in.Args[0], cond.r, m, g, h)
		}
		l.free2(nil, cond, b, c)
		d := l.alloc()
		l.emit(func() {
			if f64 {
				VBLENDVPD(m, b.op, c.r, d)
			} else {
				VBLENDVPS(m, b.op, c.r, d)
			}
		})
		if narrow {
			l.release(m)
		}
		l.define(v, g, h, d)

	case ir.OpQuiet, ir.OpQuietInf:
		x, y := l.inReg(a[0]), l.inReg(a[1])
		tab := quietTable(l.s, l.a, l.sel, i)
		q := l.constOp(constU32(tab))
		if l.s.kmask {
			// One VFIXUPIMMPS into y's register (or a copy of it).
			d := y.r
			if !y.dying {
				d = l.alloc()
				l.emit(func() { VMOVAPS(y.r, d) })
			}
			l.emit(func() { VFIXUPIMMPS(U8(0), q, x.r, d) })
			l.free2(d, x, y)
			l.define(v, g, h, d)
			return
		}
		if tab == one {
			l.free2(nil, x, y)
			d := l.alloc()
			l.emit(func() { VMULPS(q, x.r, d) })
			l.define(v, g, h, d)
			return
		}
		m, t := l.alloc(), l.alloc()
		if in.Op == ir.OpQuiet {
			l.emit(func() { VCMPPS(U8(cmpUnordQ), x.r, x.r, m) })
			l.emit(func() { VORPS(q, x.r, t) })
		} else {
			// x >= +Inf or NaN; x + x is x quieted where x is NaN.
			l.emit(func() { VCMPPS(U8(cmpNltUQ), q, x.r, m) })
			l.emit(func() { VADDPS(x.r, x.r, t) })
		}
		l.free2(nil, x, y)
		d := l.alloc()
		l.emit(func() { VBLENDVPS(m, t, y.r, d) })
		l.release(m)
		l.release(t)
		l.define(v, g, h, d)

	case ir.OpZeroOf:
		x := l.inReg(a[0])
		nan := l.constOp(constU32(kernels.CanonicalNaN))
		if l.s.kmask {
			l.fixupNaN(fixZero, x, v, g, h)
			return
		}
		// x*0, but the canonical NaN where |x| is +Inf (x86's default
		// NaN, 0xffc00000, there).
		abs, inf, zero := l.constOp(constU32(kernels.AbsMask)), l.constOp(constU32(kernels.ExpBits)), l.zero()
		m := l.alloc()
		l.emit(func() { VANDPS(abs, x.r, m) })
		l.emit(func() { VCMPPS(U8(cmpEqOQ), inf, m, m) })
		l.free2(nil, x)
		d := l.alloc()
		l.emit(func() { VMULPS(zero, x.r, d) })
		l.emit(func() { VBLENDVPS(m, nan, d, d) })
		l.release(m)
		l.define(v, g, h, d)

	case ir.OpCanon:
		x := l.inReg(a[0])
		nan := l.constOp(constU32(kernels.CanonicalNaN))
		if l.s.kmask && canonFixup(l.a, i) {
			l.fixupNaN(fixCanon, x, v, g, h)
			return
		}
		if l.s.kmask {
			k := l.allocK()
			l.emit(func() { VCMPPS(U8(cmpUnordQ), x.r, x.r, k) })
			l.free2(nil, x)
			d := l.alloc()
			l.emit(func() { VBLENDMPS(nan, x.r, k, d) })
			l.releaseK(k)
			l.define(v, g, h, d)
			return
		}
		m := l.alloc()
		l.emit(func() { VCMPPS(U8(cmpUnordQ), x.r, x.r, m) })
		l.free2(nil, x)
		d := l.alloc()
		l.emit(func() { VBLENDVPS(m, nan, x.r, d) })
		l.release(m)
		l.define(v, g, h, d)

	default:
		if l.err == nil {
			l.err = fmt.Errorf("no x86 lowering of %v", in.Op)
		}
	}
}

// zero returns the float32 constant +0, from a register if one holds it.
func (l *lowering) zero() Op { return l.constOp(constU32(0)) }

// constOp returns the register holding constant m, else m.
func (l *lowering) constOp(m Mem) Op {
	if r, ok := l.constRegs[m.Disp]; ok {
		return r
	}
	return m
}

// mulMasked reports whether product i is lowered by the select reading
// it (selMul).
func (l *lowering) mulMasked(i int) bool {
	j := l.a.LastUse[i]
	return j >= 0 && j < len(l.sel) && l.sel[j] == selMul && maskedProduct(l.a, j) == i // the output's past the code
}

// maskedMul lowers select i (vector g, half h), x < 0 ? c*b : c (selMul):
// c copied, or in place where it dies here, then multiplied by b in the
// lanes where x < 0.
func (l *lowering) maskedMul(i int, in ir.Instr, g, h int) {
	m := maskedProduct(l.a, i)
	mul := l.p.Code[m]
	j := 1 // the multiplier's operand: b
	if l.a.Canon[mul.Args[0]] != l.a.Canon[in.Args[2]] {
		j = 0
	}
	b := l.arg(m, mul, j, g, h)
	l.underMask(i, in, g, h, b, func(k reg.OpmaskPhysical, d reg.VecPhysical) { VMULPS(b.op, d, k, d) })
}

// underMask lowers select i (vector g, half h), x < 0 ? y : c, where y is
// one instruction on c's value and the operand b: c copied, or in place
// where it dies here, then op(k, d) on that register d under the mask k
// of x < 0 (merge masking).
func (l *lowering) underMask(i int, in ir.Instr, g, h int, b operandRef, op func(k reg.OpmaskPhysical, d reg.VecPhysical)) {
	c := l.inReg(l.arg(i, in, 2, g, h))
	cv := key{l.a.Canon[in.Args[0]], g, 0}
	k := l.negMask(cv, l.arg(i, in, 0, g, h))
	d := c.r
	if !c.dying {
		d = l.alloc()
		l.emit(func() { VMOVAPS(c.r, d) })
	}
	l.emit(func() { op(k, d) })
	l.free2(d, b, c)
	if l.lastSelNeg[cv.v] <= i {
		delete(l.negMasks, cv)
		l.releaseK(k)
	}
	l.define(ir.Value(i), g, h, d)
}

// fixupNaN defines v (vector g, half h) as a copy of the canonical NaN
// into which one VFIXUPIMMPS with table writes by x's class.
func (l *lowering) fixupNaN(table uint32, x operandRef, v ir.Value, g, h int) {
	nan, t := l.constOp(constU32(kernels.CanonicalNaN)), l.constOp(constU32(table))
	d := l.alloc()
	l.emit(func() { VMOVAPS(nan, d) })
	l.emit(func() { VFIXUPIMMPS(U8(0), t, x.r, d) })
	l.free2(nil, x)
	l.define(v, g, h, d)
}

// quietMaskedSel lowers select i (vector g, half h), x < 0 ?
// OpQuiet(a, a) : c (selQuietMasked): c copied, or in place where it dies
// here, then a's VFIXUPIMMPS (fixQuietAll) in the lanes where x < 0.
func (l *lowering) quietMaskedSel(i int, in ir.Instr, g, h int) {
	q := l.a.Canon[in.Args[1]]
	src := l.inReg(l.arg(int(q), l.p.Code[q], 0, g, h))
	t := l.constOp(constU32(fixQuietAll))
	l.underMask(i, in, g, h, src, func(k reg.OpmaskPhysical, d reg.VecPhysical) { VFIXUPIMMPS(U8(0), t, src.r, k, d) })
}

// negMask returns the opmask register of cond < 0 (ordered) for the
// condition value and vector cv, comparing unless an earlier OpSelNeg of
// the same body left the mask for this one; it frees cond if it dies.
func (l *lowering) negMask(cv key, cond operandRef) reg.OpmaskPhysical {
	k, ok := l.negMasks[cv]
	if !ok {
		k = l.allocK()
		cond = l.inReg(cond)
		zero := l.zero()
		r := cond.r
		l.emit(func() { VCMPPS(U8(cmpLtOQ), zero, r, k) })
		l.negMasks[cv] = k
	}
	l.free2(nil, cond)
	return k
}

func pick(f64 bool, pd, ps func(...Op)) func(y, x, d Op) {
	if f64 {
		return func(y, x, d Op) { pd(y, x, d) }
	}
	return func(y, x, d Op) { ps(y, x, d) }
}

// minMax lowers the program's Max (a < b ? b : a) or Min (b < a ? b : a)
// with ins, x86's MAXPS or MINPS (or PD): ins(src2, src1, d) is
// d = src1 op src2 ? src1 : src2, which returns src2 when either is NaN or
// both are zeros. With src1 = b and src2 = a it is the program's definition
// exactly. A bound b that is a constant in memory, neither zero nor NaN,
// is taken as src2 instead (src1 must be a register): then the result
// differs only for a NaN a (the program leaves the result unspecified).
func (l *lowering) minMax(i int, v ir.Value, g, h int, a, b operandRef, ins func(y, x, d Op)) {
	// MAXPS and MINPS return src2 where an operand is NaN: a, as OpMax
	// promises for F64 (b, its bound, is never NaN).
	if b.r == nil && l.p.Code[i].Type == ir.F32 && !zeroOrNaN(l.p.Code[l.a.Canon[l.p.Code[i].Args[1]]]) {
		a, b = b, l.inReg(a)
	} else {
		b = l.inReg(b)
	}
	l.free2(nil, a, b)
	d := l.alloc()
	l.emit(func() { ins(a.op, b.r, d) })
	l.define(v, g, h, d)
}

// zeroOrNaN reports whether the constant in is ±0 or NaN.
func zeroOrNaN(in ir.Instr) bool {
	if in.Op == ir.OpConst {
		return in.Const == 0 || math.IsNaN(in.Const)
	}
	f := math.Float32frombits(in.Imm)
	return f == 0 || f != f
}

// fmaKey selects the instruction forms of an FMA: float64 lanes or float32,
// negated product (c - a*b) or not (a*b + c).
type fmaKey struct{ f64, neg bool }

// fmaSet is the three destructive forms of one FMA, avo's operand order
// (src3, src2, dst): 213 is dst = src2*dst + src3, 231 dst = src2*src3 +
// dst, 132 dst = dst*src3 + src2 (the product negated in VFNMADD).
type fmaSet struct{ f213, f231, f132 func(...Op) }

var fmaForms = map[fmaKey]fmaSet{
	{false, false}: {VFMADD213PS, VFMADD231PS, VFMADD132PS},
	{true, false}:  {VFMADD213PD, VFMADD231PD, VFMADD132PD},
	{false, true}:  {VFNMADD213PS, VFNMADD231PS, VFNMADD132PS},
	{true, true}:   {VFNMADD213PD, VFNMADD231PD, VFNMADD132PD},
}

// fma lowers x*y + z (or z - x*y) with one of the destructive forms fs,
// overwriting a dying operand's register where there is one.
func (l *lowering) fma(v ir.Value, g, h int, x, y, z operandRef, fs fmaSet) {
	if x.r == nil && y.r == nil {
		x = l.inReg(x)
	}
	if x.r == nil {
		x, y = y, x
	}
	emit := func(form func(...Op), src3, src2 Op, d reg.VecPhysical, args ...operandRef) {
		l.free2(d, args...)
		l.emit(func() { form(src3, src2, d) })
		l.define(v, g, h, d)
	}
	if z.r == nil {
		// 213: d = src2*d + src3, d one of the factors: a dying one, else
		// a factor loaded from memory, else a copy.
		if !x.dying && y.r != nil && y.dying {
			x, y = y, x
		}
		if !x.dying && y.r == nil {
			x, y = l.inReg(y), x
		}
		if !x.dying {
			x = l.copyReg(x.r)
		}
		y = l.inReg(y)
		emit(fs.f213, z.op, y.r, x.r, x, y, z)
		return
	}
	switch {
	case z.dying: // 231: d = src2*src3 + d
		emit(fs.f231, y.op, x.r, z.r, x, y, z)
	case x.dying: // 132: d = d*src3 + src2
		emit(fs.f132, y.op, z.r, x.r, x, y, z)
	case y.r != nil && y.dying:
		emit(fs.f132, x.op, z.r, y.r, x, y, z)
	default:
		d := l.copyReg(z.r)
		emit(fs.f231, y.op, x.r, d.r, x, y, z, d)
	}
}

// copyReg copies r into a fresh register, a temporary that counts as dying.
func (l *lowering) copyReg(r reg.VecPhysical) operandRef {
	d := l.alloc()
	l.emit(func() { VMOVAPS(r, d) })
	return operandRef{op: d, r: d, k: &key{v: -1}, dying: true}
}

// Constants live in read-only memory, in one pool, consts<>, which every
// function addresses from constBase: the pool's address rounded up to 64
// bytes at run time (loadConstBase). Go aligns a data symbol to 32 bytes
// at most, and a 64-byte vector at an address 32 mod 64 straddles two
// cache lines, a split load on every use: in builds where the linker
// placed the constants so, Exp took 0.28 ns per element instead of 0.15.
// Each constant has a slot of 128 bytes holding its 32-byte pattern four
// times, so that the 64 (AVX-512) or 32 (AVX2) bytes read at the slot are
// the constant whether the pool starts on a 64-byte boundary or 32 bytes
// past one. The pool is emitted after the code.
var (
	pool      []string                 // constant names, by slot
	slots     = map[string]int{}       // slot of each name
	constants = map[string][4]uint64{} // 32-byte pattern of each name
)

// constSlot is the bytes a constant takes in the pool.
const constSlot = 128

func poolMem(name string, pattern [4]uint64) Mem {
	i, ok := slots[name]
	if !ok {
		i = len(pool)
		pool = append(pool, name)
		slots[name] = i
		constants[name] = pattern
	}
	return Mem{Base: constBase, Disp: constSlot * i}
}

// loadConstBase sets constBase to the pool's address rounded up to 64
// bytes (the pool, longer than 32 bytes, is 32-byte aligned).
func loadConstBase() {
	LEAQ(NewDataAddr(NewStaticSymbol("consts"), 0), constBase)
	ADDQ(U8(63), constBase)
	ANDQ(I32(-64), constBase)
}

func constF64(c float64) Mem {
	b := math.Float64bits(c)
	return poolMem(fmt.Sprintf("f64_%016x", b), [4]uint64{b, b, b, b})
}

func constU32(c uint32) Mem {
	b := uint64(c)<<32 | uint64(c)
	return poolMem(fmt.Sprintf("u32_%08x", c), [4]uint64{b, b, b, b})
}

// constLanes returns eight 32-bit lanes (a VPERMPS index vector).
func constLanes(v [8]uint32) Mem {
	name := "lanes"
	var c [4]uint64
	for i, x := range v {
		name += fmt.Sprintf("_%d", x)
		c[i/2] |= uint64(x) << (32 * (i % 2))
	}
	return poolMem(name, c)
}

func emitConstants() {
	GLOBL("consts", RODATA|NOPTR)
	for i, n := range pool {
		for j := range constSlot / 8 {
			DATA(constSlot*i+8*j, U64(constants[n][j%4]))
		}
	}
	GLOBL(laneMasks, RODATA|NOPTR)
	for j := range kernels.RowLanes {
		DATA(8*j, U64(uint64(math.MaxUint64)*uint64(1-j/(kernels.RowLanes/2))))
	}
}
