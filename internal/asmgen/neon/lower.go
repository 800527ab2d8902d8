package main

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/rectify-go/rectify/internal/asmgen/neon/a64"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/kernels"
)

// Register conventions of every kernel (ABI0 leaf, no frame): R0 = dst,
// R1 = x, R2 = elements left, R3 = scratch for building constants, R4 = the
// kernel's table of constants that FMAs load as their addends, R5 = y (two
// inputs), R6 = a row pass's state, R7 and R8 = a repeated y's end and
// start (ir.Program.Repeat), or a column pass's stride and its step from
// a group's end to the next row's. R18 and R26–R30 are never touched (R27
// is the assembler's literal-pool temporary).
// V0–V31 are all scratch; loop-invariant values (constants, parameters and
// anything computed from them alone) are built once before the loop in the
// highest registers, but for constants read only as an FMA's addend, and
// the loop body's values are allocated from the lowest.

// unrolls lists the numbers of four-lane vectors a main-loop iteration may
// process, most first; each kernel gets the largest whose body fits in the
// registers (a multi-register LD1/ST1 takes at most four).
var unrolls = []int{4, 3, 2, 1}

// implicitConst is the float32 constant that an Op's lowering needs beyond
// its operands.
var implicitConst = map[ir.Op]uint32{
	ir.OpQuiet:    kernels.QuietBit,
	ir.OpQuietInf: kernels.ExpBits, // +Inf, compared with
	ir.OpCanon:    kernels.CanonicalNaN,
	ir.OpZeroOf:   0, // +0, multiplied by
}

// analysis is the Program's ir.Analysis and where the lowering keeps its
// constants.
type analysis struct {
	*ir.Analysis
	inMem   []bool // a constant that is some loop FMA's addend
	memOnly []bool // a constant read only as a loop FMA's addend
}

func analyse(p *ir.Program) (*analysis, error) {
	ia, err := ir.Analyze(p)
	if err != nil {
		return nil, err
	}
	n := len(p.Code)
	a := &analysis{Analysis: ia, inMem: make([]bool, n), memOnly: make([]bool, n)}
	// A constant that is the addend of a loop FMA or FNMA is loaded from
	// memory straight into the destination, which a register copy would
	// have to write anyway: a load instead of a vector-pipe move. One that
	// is read nowhere else costs no register either.
	for i := range p.Code {
		if isConst(p.Code[i].Op) && a.Canon[i] == ir.Value(i) {
			a.memOnly[i] = true
		}
	}
	for i, in := range p.Code {
		args := a.Args(i)
		for k, x := range args {
			addend := !a.Invariant[i] && isFMA(in.Op) && k == 2 && args[0] != x && args[1] != x
			if isConst(p.Code[x].Op) && addend {
				a.inMem[x] = true
			}
			if !addend {
				a.memOnly[x] = false
			}
		}
	}
	for i := range p.Code {
		a.memOnly[i] = a.memOnly[i] && a.inMem[i]
	}
	return a, nil
}

// regs is a register file's free set.
type regs [32]bool

// alloc takes the lowest free register (the highest with top).
func (r *regs) alloc(top bool) int {
	for k := range 32 {
		i := k
		if top {
			i = 31 - k
		}
		if r[i] {
			r[i] = false
			return i
		}
	}
	panic(errNoRegs)
}

// allocBlock takes n consecutive free registers, lowest first, or returns
// -1 when there are none.
func (r *regs) allocBlock(n int) int {
	for s := 0; s+n <= 32; s++ {
		ok := true
		for i := s; i < s+n; i++ {
			ok = ok && r[i]
		}
		if ok {
			for i := s; i < s+n; i++ {
				r[i] = false
			}
			return s
		}
	}
	return -1
}

type allocError struct{}

func (allocError) Error() string { return "out of vector registers" }

var errNoRegs = allocError{}

// catchLowering, deferred, turns the panic of an allocation that found no
// register, or of lowerOp for an instruction it cannot lower, into the
// error *err; other panics go on.
func catchLowering(err *error) {
	switch r := recover().(type) {
	case nil:
	case allocError:
		*err = r
	case noLowering:
		*err = r
	default:
		panic(r)
	}
}

// narrowSel reports whether in is a float64 OpSelSign with a float32
// condition.
func narrowSel(a *ir.Analysis, in ir.Instr) bool {
	return in.Op == ir.OpSelSign && in.Type == ir.F64 && a.P.Code[in.Args[0]].Type == ir.F32
}

func arr(t ir.Type) (a64.Arrangement, string) {
	if t == ir.F64 {
		return a64.D2, "D2"
	}
	return a64.S4, "S4"
}

// lowerOp returns the instructions computing instruction in into register d;
// mask: in is an OpSelNeg whose condition is an OpLess's mask
// (ir.Analysis.LessCond); narrowCond: in is a float64 OpSelSign whose
// condition is float32. arg(k, half) is the register of operand k (half picks the float64 half of
// a float32 vector for OpNarrow; -1-offset for an FMA or FNMA addend in the
// memory table at R4), h the float64 half of an OpWiden, konst(bits) the
// register of an implicit float32 constant and temp a scratch register. It
// is the only place that turns IR into instructions but for the reductions
// (see reduce).
func lowerOp(in ir.Instr, mask, narrowCond bool, d int, arg func(k, half int) int, h int, konst func(uint32) int, temp func() int) []string {
	ar, gs := arr(in.Type)
	v := func(r int, s string) string { return fmt.Sprintf("V%d.%s", r, s) }
	b16 := func(r int) string { return v(r, "B16") }
	a := func(k int) int { return arg(k, 0) }
	switch in.Op {
	case ir.OpAdd:
		return []string{a64.FADD(ar, d, a(0), a(1)).Asm()}
	case ir.OpSub:
		return []string{a64.FSUB(ar, d, a(0), a(1)).Asm()}
	case ir.OpMul:
		return []string{a64.FMUL(ar, d, a(0), a(1)).Asm()}
	case ir.OpDiv:
		return []string{a64.FDIV(ar, d, a(0), a(1)).Asm()}
	case ir.OpMax:
		// fmax and fmin equal the program's a < b ? b : a and b < a ? b : a
		// except where it leaves the result unspecified: a NaN operand
		// (fmax returns a NaN) and two zeros (fmax orders -0 < +0).
		return []string{a64.FMAX(ar, d, a(0), a(1)).Asm()}
	case ir.OpMin:
		return []string{a64.FMIN(ar, d, a(0), a(1)).Asm()}
	case ir.OpFMA, ir.OpFNMA:
		var out []string
		if c := a(2); c < 0 {
			out = append(out, fmt.Sprintf("FMOVQ %d(R4), F%d", -1-c, d))
		} else if d != c {
			out = append(out, fmt.Sprintf("VMOV %s, %s", b16(a(2)), b16(d)))
		}
		// fmla d, n, m: d += n*m; fmls d, n, m: d -= n*m; one rounding.
		ins := "VFMLA"
		if in.Op == ir.OpFNMA {
			ins = "VFMLS"
		}
		return append(out, fmt.Sprintf("%s %s, %s, %s", ins, v(a(1), gs), v(a(0), gs), v(d, gs)))
	case ir.OpShl:
		return []string{fmt.Sprintf("VSHL $%d, %s, %s", in.Imm, v(a(0), gs), v(d, gs))}
	case ir.OpOr:
		return []string{fmt.Sprintf("VORR %s, %s, %s", b16(a(1)), b16(a(0)), b16(d))}
	case ir.OpWiden:
		return []string{a64.FCVTL(h == 1, d, a(0)).Asm()}
	case ir.OpNarrow:
		// d must not be the high half's register: fcvtn writes all of d.
		return []string{a64.FCVTN(false, d, arg(0, 0)).Asm(), a64.FCVTN(true, d, arg(0, 1)).Asm()}
	case ir.OpSelNeg:
		// bsl d, n, m: d = d ? n : m, bitwise.
		bsl := fmt.Sprintf("VBSL %s, %s, %s", b16(a(2)), b16(a(1)), b16(d))
		switch {
		case !mask:
			return []string{a64.FCMLTZ(a64.S4, d, a(0)).Asm(), bsl}
		case d != a(0):
			return []string{fmt.Sprintf("VMOV %s, %s", b16(a(0)), b16(d)), bsl}
		}
		return []string{bsl}
	case ir.OpLess:
		return []string{a64.FCMGT(a64.S4, d, a(1), a(0)).Asm()}
	case ir.OpSelSign:
		bsl := fmt.Sprintf("VBSL %s, %s, %s", b16(a(2)), b16(a(1)), b16(d))
		if narrowCond { // a float32 condition: half h widened, its sign kept
			return []string{a64.FCVTL(h == 1, d, a(0)).Asm(), a64.CMLTZ(ar, d, d).Asm(), bsl}
		}
		return []string{a64.CMLTZ(ar, d, a(0)).Asm(), bsl}
	case ir.OpQuiet:
		t := temp()
		return []string{
			a64.FCMEQ(a64.S4, d, a(0), a(0)).Asm(), // not NaN
			fmt.Sprintf("VORR %s, %s, %s", b16(konst(kernels.QuietBit)), b16(a(0)), b16(t)),
			fmt.Sprintf("VBSL %s, %s, %s", b16(t), b16(a(1)), b16(d)),
		}
	case ir.OpQuietInf:
		// x + x is x quieted where x is NaN, and +Inf for +Inf.
		t := temp()
		return []string{
			a64.FCMGT(a64.S4, d, konst(kernels.ExpBits), a(0)).Asm(), // x < +Inf
			a64.FADD(a64.S4, t, a(0), a(0)).Asm(),
			fmt.Sprintf("VBSL %s, %s, %s", b16(t), b16(a(1)), b16(d)),
		}
	case ir.OpZeroOf:
		// With FPCR.DN clear, as Go leaves it, fmul quiets a NaN operand
		// and makes ±Inf * 0 the default NaN 0x7fc00000.
		return []string{a64.FMUL(ar, d, a(0), konst(0)).Asm()}
	case ir.OpCanon:
		return []string{
			a64.FCMEQ(a64.S4, d, a(0), a(0)).Asm(),
			fmt.Sprintf("VBSL %s, %s, %s", b16(konst(kernels.CanonicalNaN)), b16(a(0)), b16(d)),
		}
	}
	panic(noLowering{in.Op, in.Type})
}

// noLowering is lowerOp's panic for an instruction it has no lowering of;
// catchLowering makes it an error.
type noLowering struct {
	op ir.Op
	t  ir.Type
}

func (e noLowering) Error() string { return fmt.Sprintf("no NEON lowering of %v %v", e.op, e.t) }

// aliasable reports whether an Op's lowering may write its destination over
// an operand's register: it is one instruction reading every operand before
// writing (OpFMA: the addend, which the FMLA accumulates into).
func aliasable(op ir.Op, k int) bool {
	switch op {
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpMax, ir.OpMin, ir.OpShl, ir.OpOr, ir.OpZeroOf:
		return true
	case ir.OpFMA, ir.OpFNMA:
		return k == 2
	}
	return false
}

// isConst reports whether op defines a constant.
func isConst(op ir.Op) bool { return op == ir.OpConst || op == ir.OpBits32 }

// isFMA reports whether op is lowered to FMLA or FMLS, which accumulate
// into the addend's register.
func isFMA(op ir.Op) bool { return op == ir.OpFMA || op == ir.OpFNMA }

// kernel is one Program's lowering state.
type kernel struct {
	a      *analysis
	free   regs // after the prologue
	invReg map[ir.Value]int
	konst  map[uint32]int    // implicit constants
	mem    map[ir.Value]int  // memory constants' offsets from R4
	spill  map[ir.Value]bool // constants kept in memory, loaded where read

	// A row pass's reduction registers (see reserveAccs).
	accMax, accSum, accComp []int
}

// prologue builds every loop-invariant value, highest registers first, and
// the kernel's table of memory constants (in R4), whose data (without its
// GLOBL) it returns. With base, it prepares a fast sequence
// (ir.Program.Fast) beside its kernel: a constant that base holds in a
// register is read from there, the others go to registers base leaves
// free (after its own prologue) and after base's in the one table.
func (g *kernel) prologue(table string, base *kernel) (out, data []string, err error) {
	defer catchLowering(&err)
	a := g.a
	for i := range g.free {
		g.free[i] = true
	}
	memBase := 0
	if base != nil {
		g.free, memBase = base.free, 16*len(base.mem)
	}
	g.invReg = map[ir.Value]int{}
	g.konst = map[uint32]int{}
	g.mem = map[ir.Value]int{}
	if a.P.Row {
		g.reserveAccs()
	}
	for i, in := range a.P.Code {
		if a.inMem[i] || g.spill[ir.Value(i)] {
			off := memBase + 16*len(g.mem)
			g.mem[ir.Value(i)] = off
			// Two 64-bit words of one float64, or of two float32 lanes.
			b, c := math.Float64bits(in.Const), any(in.Const)
			if in.Op == ir.OpBits32 {
				b, c = uint64(in.Imm)<<32|uint64(in.Imm), math.Float32frombits(in.Imm)
			}
			data = append(data, fmt.Sprintf("DATA %s+%d(SB)/8, $0x%016x // %v", table, off, b, c),
				fmt.Sprintf("DATA %s+%d(SB)/8, $0x%016x", table, off+8, b))
		}
	}
	if len(data) > 0 && (base == nil || len(base.mem) == 0) {
		out = append(out, fmt.Sprintf("MOVD $%s(SB), R4", table))
	}
	bits32 := func(d int, b uint32) {
		if b == 0 {
			out = append(out, fmt.Sprintf("VEOR V%d.B16, V%d.B16, V%d.B16", d, d, d))
		} else {
			out = append(out, fmt.Sprintf("MOVW $0x%08x, R3", b), fmt.Sprintf("VDUP R3, V%d.S4", d))
		}
	}
	for _, in := range a.P.Code {
		if k, ok := implicitConst[in.Op]; ok && g.konst[k] == 0 {
			// Shared with an equal OpBits32 value where there is one.
			for j, c := range a.P.Code {
				if c.Op == ir.OpBits32 && c.Imm == k && a.Canon[j] == ir.Value(j) && !a.memOnly[j] && !g.spill[ir.Value(j)] {
					g.konst[k] = -1 - j
				}
			}
			if g.konst[k] == 0 {
				g.konst[k] = g.free.alloc(true)
				bits32(g.konst[k], k)
			}
		}
	}
	var temps []int
	for i, in := range a.P.Code {
		v := ir.Value(i)
		if !a.Invariant[i] || a.Canon[i] != v || a.memOnly[i] || g.spill[v] {
			continue
		}
		if r, ok := base.constReg(in); ok {
			g.invReg[v] = r
			continue
		}
		d := g.free.alloc(true)
		g.invReg[v] = d
		switch in.Op {
		case ir.OpConst:
			if b := math.Float64bits(in.Const); b == 0 {
				out = append(out, fmt.Sprintf("VEOR V%d.B16, V%d.B16, V%d.B16", d, d, d))
			} else {
				out = append(out, fmt.Sprintf("MOVD $0x%016x, R3 // %v", b, in.Const), fmt.Sprintf("VDUP R3, V%d.D2", d))
			}
		case ir.OpBits32:
			bits32(d, in.Imm)
		case ir.OpParam:
			if a.P.Row {
				out = append(out, rowParam(in.Type, in.Imm, d)...)
				break
			}
			out = append(out, fmt.Sprintf("FMOVS alpha+%d(FP), F%d", argBytes(len(a.Inputs)), d),
				fmt.Sprintf("VDUP V%d.S[0], V%d.S4", d, d))
		default:
			out = append(out, lowerOp(in, a.LessCond(in), narrowSel(a.Analysis, in), d, func(k, _ int) int { return g.invReg[a.Canon[in.Args[k]]] }, 0, g.konstReg,
				func() int { t := g.free.alloc(true); temps = append(temps, t); return t })...)
		}
	}
	for _, t := range temps {
		g.free[t] = true
	}
	for v, r := range g.invReg {
		if a.LoopReads[v] == 0 {
			g.free[r] = true
		}
	}
	for k, r := range g.konst {
		if r < 0 {
			g.konst[k] = g.invReg[ir.Value(-1-r)]
		}
	}
	return out, data, nil
}

func (g *kernel) konstReg(b uint32) int { return g.konst[b] }

// constReg returns the register in which kernel g (if not nil) holds the
// constant that in defines.
func (g *kernel) constReg(in ir.Instr) (int, bool) {
	if g == nil || !isConst(in.Op) {
		return 0, false
	}
	for v, r := range g.invReg {
		c := g.a.P.Code[v]
		if c.Op == in.Op && c.Imm == in.Imm && math.Float64bits(c.Const) == math.Float64bits(in.Const) {
			return r, true
		}
	}
	return 0, false
}

// globl ends the data of a table of n memory constants with its GLOBL,
// if it has any.
func globl(data []string, table string, n int) []string {
	if n == 0 {
		return data
	}
	return append(data, fmt.Sprintf("GLOBL %s(SB), RODATA|NOPTR, $%d", table, 16*n))
}

// argBytes is the size of a kernel's slice arguments, dst and the inputs:
// the offset of alpha.
func argBytes(inputs int) int { return 24 * (1 + inputs) }

// inputRegs are the pointer registers of x and y.
var inputRegs = [ir.MaxInputs]string{"R1", "R5"}

// body is one lowering of the loop body for u vectors of four lanes.
type body struct {
	lines  []string
	in     [][]int // registers of each input's vectors, consecutive
	out    []int   // registers of the output vectors
	outBlk bool    // out is consecutive
	used   int     // registers the body needed at most, invariants included
}

// lowerBody lowers every loop instruction for u vectors, interleaving the
// vectors (and float64 halves) instruction by instruction; in a row pass,
// the first of them is vector first of its group of lanes.
func (g *kernel) lowerBody(u, first int) (b body, err error) {
	defer catchLowering(&err)
	a := g.a
	free := g.free
	peak := 0
	track := func() {
		n := 0
		for _, f := range free {
			if !f {
				n++
			}
		}
		peak = max(peak, n)
	}
	val := map[ir.Value][]int{}
	groups := func(t ir.Type) int {
		if t == ir.F64 {
			return 2 * u
		}
		return u
	}
	// Every input is loaded at the top of the body: its registers are
	// taken before any other value's, so that nothing computed before its
	// OpInput (a second input read late) reuses them.
	for _, v := range a.Inputs {
		s := free.allocBlock(u)
		if s < 0 {
			return b, errNoRegs
		}
		for j := range u {
			val[v] = append(val[v], s+j)
		}
		b.in = append(b.in, val[v])
		track()
	}
	for i, in := range a.P.Code {
		v := ir.Value(i)
		if a.Invariant[i] || in.Op == ir.OpInput {
			continue
		}
		n := groups(in.Type)
		args := a.Args(i)
		var temps []int
		pre := make([][]string, groups(in.Type)) // the spilled constants' loads
		loaded := map[ir.Value]int{}
		reg := func(x ir.Value, gi int) int {
			if a.memOnly[x] {
				return -1 - g.mem[x]
			}
			if g.spill[x] { // loaded once for every group, by the first
				t, ok := loaded[x]
				if !ok {
					t = free.alloc(false)
					temps = append(temps, t)
					pre[gi] = append(pre[gi], fmt.Sprintf("FMOVQ %d(R4), F%d", g.mem[x], t))
					loaded[x] = t
				}
				return t
			}
			if a.Invariant[x] {
				return g.invReg[x]
			}
			if a.P.Code[x].Type == in.Type {
				return val[x][gi]
			}
			return val[x][gi/2] // a float32 operand of a float64 op: its vector
		}
		taken := map[ir.Value]bool{}
		temp := func() int { t := free.alloc(false); temps = append(temps, t); return t }
		steps := make([][]string, n)
		dests := make([]int, n)
		if v == a.P.Out {
			if s := free.allocBlock(n); s >= 0 {
				for k := range n {
					dests[k] = s + k
				}
				b.outBlk = true
			} else {
				for k := range n {
					dests[k] = free.alloc(false)
				}
			}
		}
		for gi := range n {
			if isReduction(in.Op) {
				y := -1
				if in.Op == ir.OpRedFMA {
					y = reg(args[1], gi)
				}
				steps[gi] = g.reduce(in, first*n/u+gi, reg(args[0], gi), y, temp)
				continue
			}
			if in.Op == ir.OpLane { // the state's lanes of vector first+gi of the group
				dests[gi] = free.alloc(false)
				steps[gi] = []string{fmt.Sprintf("FMOVQ %d(R6), F%d", kernels.RowPOff+16*(first+gi), dests[gi])}
				continue
			}
			d := -1
			if v == a.P.Out {
				d = dests[gi]
			}
			for k, x := range args {
				mask := k == 0 && a.LessCond(in) // FCMGT's mask, read by VBSL first
				if d >= 0 || a.Invariant[x] || a.LastUse[x] != i || a.P.Code[x].Type != in.Type || !aliasable(in.Op, k) && !mask {
					continue
				}
				d = val[x][gi]
				taken[x] = true
			}
			if d < 0 {
				d = free.alloc(false)
			}
			dests[gi] = d
			steps[gi] = lowerOp(in, a.LessCond(in), narrowSel(a.Analysis, in), d, func(k, half int) int {
				x := args[k]
				if isFMA(in.Op) && k == 2 && a.inMem[x] {
					return -1 - g.mem[x]
				}
				if in.Op == ir.OpNarrow && !a.Invariant[x] {
					return val[x][2*gi+half]
				}
				return reg(x, gi)
			}, gi%2, g.konstReg, temp)
		}
		for gi := range n {
			steps[gi] = append(pre[gi], steps[gi]...)
		}
		val[v] = dests
		track()
		for k := 0; ; k++ {
			any := false
			for gi := range n {
				if k < len(steps[gi]) {
					b.lines = append(b.lines, steps[gi][k])
					any = true
				}
			}
			if !any {
				break
			}
		}
		for _, t := range temps {
			free[t] = true
		}
		done := map[ir.Value]bool{}
		for _, x := range args {
			if a.Invariant[x] || a.LastUse[x] != i || taken[x] || done[x] {
				continue
			}
			done[x] = true
			for _, r := range val[x] {
				free[r] = true
			}
		}
	}
	b.out = val[a.P.Out]
	b.used = peak
	return b, nil
}

func regList(rs []int) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("V%d.S4", r))
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// store returns the instructions storing the body's n output vectors at
// R0, advancing it.
func (b body) store(n int) []string {
	if b.outBlk {
		return []string{fmt.Sprintf("VST1.P %s, %d(R0)", regList(b.out), 16*n)}
	}
	var out []string
	for _, r := range b.out {
		out = append(out, fmt.Sprintf("VST1.P [V%d.S4], 16(R0)", r))
	}
	return out
}

// layout runs kernel g's prologue and its fast sequence's (where p has
// one the NEON kernels run) and lowers its main loop for the widest unroll
// in unrolls that fits; reload: the fast sequence's prologue must run
// again after each iteration of the full one.
func (g *kernel) layout(p *ir.Program, table string) (pro, data []string, fast *fastLoop, main body, u int, reload, swap bool, err error) {
	pro, data, err = g.prologue(table, nil)
	if err != nil {
		return nil, nil, nil, body{}, 0, false, false, fmt.Errorf("loop invariants: %w", err)
	}
	// A fast sequence's registers are taken before the kernel's bodies
	// are lowered, which leave them alone. One for every input
	// (LeakyReLUGrad's, FastBound +Inf) is left out: its guard would cost
	// more than it saves.
	free := g.free // the registers the kernel's bodies may take without the fast sequence's
	if p.Fast != nil && !math.IsInf(float64(p.FastBound), 1) {
		if fast, err = g.prepareFast(p, table, false); err != nil {
			return nil, nil, nil, body{}, 0, false, false, err
		}
	}
	lower := func() {
		for _, try := range unrolls {
			if main, err = g.lowerBody(try, 0); err == nil {
				u = try
				return
			}
		}
	}
	lower()
	// Where the fast sequence's constants leave the main loop too few
	// registers, the main loop takes them and the fast one's prologue
	// runs again after each full iteration.
	if u <= 1 && fast != nil {
		g.free, reload, u = free, true, 0
		lower()
	}
	if u == 0 {
		return nil, nil, nil, body{}, 0, false, false, fmt.Errorf("main loop: %w", err)
	}
	if fast != nil && u == 1 {
		return nil, nil, nil, body{}, 0, false, false, fmt.Errorf("main loop beside the fast sequence's: %w", errNoRegs)
	}
	if fast != nil && fast.lower(u) != nil {
		// Nor room for the fast sequence's body beside the kernel's
		// invariants: the fast sequence takes every register, and each
		// loop's prologue runs again where the other hands over (swap).
		if fast, err = g.prepareFast(p, table, true); err == nil {
			err = fast.lower(u)
		}
		if err != nil {
			return nil, nil, nil, body{}, 0, false, false, err
		}
		swap = true
	}
	return pro, data, fast, main, u, reload, swap, nil
}

// testAlpha returns the instructions that compare alpha's bits less the
// sign, less those of p.FastAlphaMin (2^-149 without one), with those of
// p.FastAlphaMax (MaxFloat32) less FastAlphaMin's, plus 1: lower
// (unsigned, BLO) exactly where alpha's magnitude is in the range.
func testAlpha(p *ir.Program) []string {
	lo, hi := uint32(1), uint32(0x7f7fffff)
	if p.FastAlphaMax > 0 {
		lo, hi = math.Float32bits(p.FastAlphaMin), math.Float32bits(p.FastAlphaMax)
	}
	return []string{
		fmt.Sprintf("MOVWU alpha+%d(FP), R3", argBytes(p.Inputs())),
		"ANDW $0x7fffffff, R3, R3",
		fmt.Sprintf("SUBW $0x%08x, R3, R3", lo),
		fmt.Sprintf("CMPW $0x%08x, R3", hi-lo+1),
	}
}

// spillOrder returns the constants of a's loop that may stay in memory,
// the least read first (the later of equals first).
func spillOrder(a *analysis) []ir.Value {
	var vs []ir.Value
	for i, in := range a.P.Code {
		if isConst(in.Op) && a.Invariant[i] && a.Canon[i] == ir.Value(i) && !a.memOnly[i] && a.LoopReads[i] > 0 {
			vs = append(vs, ir.Value(i))
		}
	}
	slices.SortStableFunc(vs, func(x, y ir.Value) int {
		if c := cmp.Compare(a.LoopReads[x], a.LoopReads[y]); c != 0 {
			return c
		}
		return cmp.Compare(y, x)
	})
	return vs
}

// lowerKernel returns the assembly function for p.
func lowerKernel(p *ir.Program, name string) (string, error) {
	a, err := analyse(p)
	if err != nil {
		return "", err
	}
	table := name + "k<>"
	// Where the loop invariants leave a loop too few registers, the
	// constants read least often stay in memory, each loaded where it is
	// read (spillOrder), as few of them as let the kernel lower.
	cands := spillOrder(a)
	var (
		g      *kernel
		pro    []string
		data   []string
		fast   *fastLoop
		main   body
		u      int
		reload bool
		swap   bool
	)
	for ns := 0; ; ns++ {
		g = &kernel{a: a, spill: map[ir.Value]bool{}}
		for _, v := range cands[:ns] {
			g.spill[v] = true
		}
		if pro, data, fast, main, u, reload, swap, err = g.layout(p, table); err == nil || !errors.Is(err, errNoRegs) || ns == len(cands) {
			break
		}
	}
	if err != nil && p.Fast != nil {
		// No room for the fast sequence's loop: the kernel without it.
		q := *p
		q.Fast = nil
		return lowerKernel(&q, name)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	one, err := g.lowerBody(1, 0)
	if err != nil {
		return "", fmt.Errorf("%s: one vector: %w", name, err)
	}
	nmem := len(g.mem)
	if fast != nil {
		data = append(data, fast.data...)
		nmem += len(fast.g.mem)
	}
	data = globl(data, table, nmem)
	var w strings.Builder
	ins := func(format string, args ...any) { fmt.Fprintf(&w, "\t"+format+"\n", args...) }
	label := func(l string) { fmt.Fprintf(&w, "%s:\n", l) }
	block := func(lines []string) {
		for _, l := range lines {
			ins("%s", l)
		}
	}
	if p.Repeat && kernels.RepeatQuantum%(4*u) != 0 {
		return "", fmt.Errorf("%s: %d elements per iteration do not divide kernels.RepeatQuantum", name, 4*u)
	}
	inputs := len(a.Inputs)
	loopInsts := len(main.lines) + 3 + inputs // loads, store, SUBS, BGE
	if p.Repeat {
		loopInsts += 2 // CMP, CSEL wrapping y
	}
	if !main.outBlk {
		loopInsts += u - 1
	}
	for _, l := range data {
		fmt.Fprintf(&w, "%s\n", l)
	}
	if len(data) > 0 {
		w.WriteString("\n")
	}
	fmt.Fprintf(&w, "// %s\n", strings.Replace(p.Signature(), "func", "func "+name, 1))
	fmt.Fprintf(&w, "// Main loop: %d vectors (%d elements) per iteration, %d instructions, %.2f per element; %d vector registers.\n",
		u, 4*u, loopInsts, float64(loopInsts)/float64(4*u), main.used)
	fmt.Fprintf(&w, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, argBytes(inputs)+4)
	ins("MOVD dst_base+0(FP), R0")
	for k := range inputs {
		ins("MOVD %s_base+%d(FP), %s", ir.InputName(k), 24*(1+k), inputRegs[k])
	}
	ins("MOVD x_len+32(FP), R2")
	if p.Repeat {
		// A repeated y: R8 its start, R7 its end, where R5 wraps round.
		ins("MOVD R5, R8")
		ins("MOVD y_len+56(FP), R7")
		ins("ADD R7<<2, R5, R7")
	}
	load := func(bd body, n int) {
		for k, r := range inputRegs[:inputs] {
			ins("VLD1.P %d(%s), %s", 16*n, r, regList(bd.in[k]))
		}
		if p.Repeat {
			ins("CMP R7, R5")
			ins("CSEL EQ, R8, R5, R5")
		}
	}
	block(pro)
	if fast != nil {
		block(fast.pro)
	}
	store := func(bd body, n int) { block(bd.store(n)) }
	mainLoop := func(l string) {
		label(l)
		load(main, u)
		block(main.lines)
		store(main, u)
		ins("SUBS $%d, R2, R2", 4*u)
		ins("BGE %s", l)
	}
	if u > 1 {
		if fast != nil && p.FastFinite {
			w.WriteString("// The fast sequence only where alpha is in its range (ir.Program.FastFinite).\n")
			block(testAlpha(p))
			ins("BHS full1")
		}
		ins("SUBS $%d, R2, R2", 4*u)
		vector := "vector"
		if swap {
			vector = "vectorp"
		}
		ins("BLT %s", vector)
		if fast != nil {
			where := fmt.Sprintf("Where every element has magnitude at most %v", p.FastBound)
			if p.FastYMax > 0 {
				where += fmt.Sprintf(" and every element of y one in [%v, %v]", p.FastYMin, p.FastYMax)
			}
			fmt.Fprintf(&w, "// %s, the fast sequence (ir.Program.Fast): %d instructions, %.2f per element.\n",
				where, fast.insts, float64(fast.insts)/float64(4*u))
			label("loop")
			block(fast.lines)
			store(fast.body, u)
			ins("SUBS $%d, R2, R2", 4*u)
			ins("BGE loop")
			ins("B %s", vector)
			label("full")
			ins("SUB $%d, R1, R1", 16*u) // the test's loads advanced it
			if fast.ylo >= 0 {
				ins("SUB $%d, %s, %s", 16*u, inputRegs[1], inputRegs[1])
			}
			if swap {
				w.WriteString("// The full sequence's loop invariants again.\n")
				block(pro)
			}
			load(main, u)
			block(main.lines)
			store(main, u)
			ins("SUBS $%d, R2, R2", 4*u)
			if reload || swap {
				ins("BLT vector")
				w.WriteString("// The fast sequence's loop invariants again.\n")
				block(fast.pro)
				ins("B loop")
			} else {
				ins("BGE loop")
			}
			if p.FastFinite {
				w.WriteString("// Alpha out of the fast sequence's range: the full sequence throughout.\n")
				label("full1")
				if swap {
					block(pro)
				}
				ins("SUBS $%d, R2, R2", 4*u)
				ins("BLT vector")
				mainLoop("loopfull")
				ins("B vector")
			}
			if swap {
				label("vectorp")
				block(pro)
			}
		} else {
			mainLoop("loop")
		}
		label("vector")
		ins("ADD $%d, R2, R2", 4*u)
	}
	ins("SUBS $4, R2, R2")
	ins("BLT lanes")
	label("loop1")
	load(one, 1)
	block(one.lines)
	store(one, 1)
	ins("SUBS $4, R2, R2")
	ins("BGE loop1")
	label("lanes")
	// 0–3 elements left: load them one lane at a time, run the same code on
	// the vector, store the same lanes back.
	ins("ADDS $4, R2, R2")
	ins("BEQ done")
	for k, r := range inputRegs[:inputs] {
		v, l := one.in[k][0], "lanes1"+strings.Repeat("y", k)
		ins("VLD1.P 4(%s), V%d.S[0]", r, v)
		ins("CMP $2, R2")
		ins("BLT %s", l)
		ins("VLD1.P 4(%s), V%d.S[1]", r, v)
		ins("BEQ %s", l)
		ins("VLD1.P 4(%s), V%d.S[2]", r, v)
		label(l)
	}
	block(one.lines)
	ins("VST1.P V%d.S[0], 4(R0)", one.out[0])
	ins("CMP $2, R2")
	ins("BLT done")
	ins("VST1.P V%d.S[1], 4(R0)", one.out[0])
	ins("BEQ done")
	ins("VST1.P V%d.S[2], 4(R0)", one.out[0])
	label("done")
	ins("RET")
	return w.String(), nil
}

// fastLoop is the main loop of a kernel's fast sequence (ir.Program.Fast):
// its prologue, run after the kernel's, its memory constants' data, and
// its iteration up to the stores: the loads, the test that branches to
// the full sequence (label full) unless every element has magnitude at
// most the bound, the body.
type fastLoop struct {
	g         *kernel
	bound     int // the register holding the bound in every lane
	ylo, yhi  int // y's bounds (ir.Program.FastYMin, FastYMax) where y has them, else -1
	body      body
	pro, data []string
	lines     []string
	insts     int // instructions per iteration
}

// prepareFast runs the prologue of p's fast sequence, valid for
// magnitudes up to p.FastBound (and y's in [p.FastYMin, p.FastYMax] where
// FastYMax is nonzero), beside kernel g (see prologue) and takes its
// registers from g's free ones, or with swap from all of them.
func (g *kernel) prepareFast(p *ir.Program, table string, swap bool) (*fastLoop, error) {
	f := p.Fast
	a, err := analyse(f)
	if err != nil {
		return nil, err
	}
	if len(a.Inputs) > 2 {
		return nil, fmt.Errorf("fast sequence %s: %d inputs", f.Name, len(a.Inputs))
	}
	fg := &kernel{a: a}
	base := g
	if swap { // every register, none shared; the memory table after g's
		base = &kernel{a: g.a, mem: g.mem}
		for i := range base.free {
			base.free[i] = true
		}
	}
	pro, data, err := fg.prologue(table, base)
	if err != nil {
		return nil, fmt.Errorf("fast sequence: loop invariants: %w", err)
	}
	fl := &fastLoop{g: fg, pro: pro, data: data, ylo: -1, yhi: -1}
	dup := func(v float32) int {
		r := fg.free.alloc(true)
		fl.pro = append(fl.pro, fmt.Sprintf("MOVW $0x%08x, R3", math.Float32bits(v)), fmt.Sprintf("VDUP R3, V%d.S4", r))
		return r
	}
	fl.bound = dup(p.FastBound)
	if p.FastYMax > 0 {
		fl.ylo, fl.yhi = dup(p.FastYMin), dup(p.FastYMax)
	}
	if !swap {
		for i, f := range fg.free {
			g.free[i] = g.free[i] && f
		}
	}
	return fl, nil
}

// lower lowers the fast sequence's iteration for u vectors, the
// kernel's: the test loads them (advancing R1; the full sequence steps
// back), compares each element's magnitude with the bound's (FACGE: false
// for NaN), combines the comparisons (VAND) and branches to full unless
// their smallest lane (UMINV) is all ones; a second input (y) is loaded
// after the test, or before it where the test bounds y's magnitudes too
// (from below and above, two FACGEs per vector; the full sequence then
// steps y's pointer back too).
func (fl *fastLoop) lower(u int) error {
	b, err := fl.g.lowerBody(u, 0)
	if err != nil {
		return fmt.Errorf("fast sequence: %d vectors: %w", u, err)
	}
	free := fl.g.free
	for _, in := range b.in {
		for _, r := range in {
			free[r] = false
		}
	}
	acc, t := free.alloc(false), free.alloc(false)
	lines := []string{fmt.Sprintf("VLD1.P %d(R1), %s", 16*u, regList(b.in[0]))}
	for k, r := range b.in[0] {
		if k == 0 {
			lines = append(lines, a64.FACGE(a64.S4, acc, fl.bound, r).Asm())
			continue
		}
		lines = append(lines, a64.FACGE(a64.S4, t, fl.bound, r).Asm(), fmt.Sprintf("VAND V%d.B16, V%d.B16, V%d.B16", t, acc, acc))
	}
	yload := func() string { return fmt.Sprintf("VLD1.P %d(%s), %s", 16*u, inputRegs[1], regList(b.in[1])) }
	if fl.ylo >= 0 {
		lines = append(lines, yload())
		for _, r := range b.in[1] {
			lines = append(lines, a64.FACGE(a64.S4, t, r, fl.ylo).Asm(), fmt.Sprintf("VAND V%d.B16, V%d.B16, V%d.B16", t, acc, acc),
				a64.FACGE(a64.S4, t, fl.yhi, r).Asm(), fmt.Sprintf("VAND V%d.B16, V%d.B16, V%d.B16", t, acc, acc))
		}
	}
	lines = append(lines, a64.UMINV(t, acc).Asm(), fmt.Sprintf("FMOVS F%d, R3", t), "CBZW R3, full")
	if len(b.in) > 1 && fl.ylo < 0 {
		lines = append(lines, yload())
	}
	fl.body, fl.lines = b, append(lines, b.lines...)
	fl.insts = len(fl.lines) + len(b.store(u)) + 2 // SUBS, BGE
	return nil
}
