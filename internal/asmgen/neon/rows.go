package main

import (
	"fmt"
	"strings"

	"github.com/rectify-go/rectify/internal/asmgen/neon/a64"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/rectify-go/rectify/kernels"
)

// group is the number of vectors in a group of kernels.RowLanes elements.
const group = kernels.RowLanes / 4

// isReduction reports whether op folds lanes into a row's state.
func isReduction(op ir.Op) bool { return op == ir.OpRedMax || op == ir.OpRedSum || op == ir.OpRedFMA }

// reserveAccs reserves, highest first, the registers that hold a row
// pass's reductions across the loop: for OpRedMax, register j the lanes
// 4j..4j+3 of kernels.Row's Max; for OpRedSum, register k of accSum and
// accComp the lanes 2k, 2k+1 of its Sum and Comp (none for a plain sum,
// Imm 1, which leaves Comp alone).
func (g *kernel) reserveAccs() {
	for _, in := range g.a.P.Code {
		switch {
		case in.Op == ir.OpRedMax && g.accMax == nil:
			for range group {
				g.accMax = append(g.accMax, g.free.alloc(true))
			}
		case (in.Op == ir.OpRedSum || in.Op == ir.OpRedFMA) && g.accSum == nil:
			for range 2 * group {
				g.accSum = append(g.accSum, g.free.alloc(true))
				if in.Op == ir.OpRedSum && in.Imm != 1 {
					g.accComp = append(g.accComp, g.free.alloc(true))
				}
			}
		}
	}
}

// accMem pairs each reduction register with the offset of its lanes in
// the state.
func (g *kernel) accMem() (rs, offs []int) {
	for j, r := range g.accMax {
		rs, offs = append(rs, r), append(offs, kernels.RowMaxOff+16*j)
	}
	for k, r := range g.accSum {
		rs, offs = append(rs, r), append(offs, kernels.RowSumOff+16*k)
	}
	for k, r := range g.accComp {
		rs, offs = append(rs, r), append(offs, kernels.RowCompOff+16*k)
	}
	return rs, offs
}

// foldable returns, for a pass whose only reduction is OpRedMax or a
// plain OpRedSum, the instructions that fold its lanes into the state's M
// (maximum) or S (sum; kernels.Row.Fold) and store the lanes' initial
// values, -Inf or 0, in their place; nil for other passes. The maximum is
// fmax's, which makes it NaN where a lane is (a signalling NaN entry can
// leave one), as fallback.FoldMax does (only whether M is NaN
// matters); the sum takes the fixed tree of fallback.FoldSum:
// lanes j and j+8, then j+4, j+2, j+1.
func (g *kernel) foldable() []string {
	switch {
	case g.accMax != nil && g.accSum == nil:
	case g.accSum != nil && g.accMax == nil && g.accComp == nil:
	default:
		return nil
	}
	free := g.free
	t, u := free.alloc(false), free.alloc(false)
	var out []string
	if a := g.accMax; a != nil { // lanes 4j..4j+3 in a[j]
		out = append(out, a64.FMAX(a64.S4, t, a[0], a[1]).Asm(), a64.FMAX(a64.S4, u, a[2], a[3]).Asm(),
			a64.FMAX(a64.S4, t, t, u).Asm(),
			fmt.Sprintf("VEXT $8, V%d.B16, V%d.B16, V%d.B16", t, t, u), a64.FMAX(a64.S4, t, t, u).Asm(),
			fmt.Sprintf("VDUP V%d.S[1], V%d.S4", t, u), a64.FMAX(a64.S4, t, t, u).Asm(),
			fmt.Sprintf("FMOVS F%d, %d(R6)", t, kernels.RowMOff),
			fmt.Sprintf("MOVW $0x%08x, R3", 0xff800000), fmt.Sprintf("VDUP R3, V%d.S4", t))
	} else { // lanes 2k, 2k+1 in a[k]
		a := g.accSum
		for k := range 4 {
			out = append(out, a64.FADD(a64.D2, a[k], a[k], a[k+4]).Asm())
		}
		out = append(out, a64.FADD(a64.D2, a[0], a[0], a[2]).Asm(), a64.FADD(a64.D2, a[1], a[1], a[3]).Asm(),
			a64.FADD(a64.D2, a[0], a[0], a[1]).Asm(),
			fmt.Sprintf("VDUP V%d.D[1], V%d.D2", a[0], u), a64.FADD(a64.D2, t, a[0], u).Asm(),
			fmt.Sprintf("FMOVD F%d, %d(R6)", t, kernels.RowSOff),
			fmt.Sprintf("VEOR V%d.B16, V%d.B16, V%d.B16", t, t, t))
	}
	_, offs := g.accMem()
	for _, off := range offs {
		out = append(out, fmt.Sprintf("FMOVQ F%d, %d(R6)", t, off))
	}
	return out
}

// rowParam returns the instructions broadcasting a row pass's parameter
// of type t and index imm into register d: the row's M (F32), C or D
// (F64).
func rowParam(t ir.Type, imm uint32, d int) []string {
	if t == ir.F64 { // C, or D (Imm 1)
		return []string{fmt.Sprintf("FMOVD %d(R6), F%d", kernels.RowCOff+8*int(imm), d), fmt.Sprintf("VDUP V%d.D[0], V%d.D2", d, d)}
	}
	return []string{fmt.Sprintf("FMOVS %d(R6), F%d", kernels.RowMOff, d), fmt.Sprintf("VDUP V%d.S[0], V%d.S4", d, d)}
}

// reduce returns the instructions folding register x, vector k of its
// group (OpRedMax) or float64 half k (OpRedSum), into its lanes'
// reductions. OpRedMax is fmaxnm, which ignores a quiet NaN x as the
// program does (a signalling one makes the lane NaN until a later number:
// a row with a NaN is NaN whatever its maximum). OpRedSum is
// kernels.AddComp: n = s + x, b = n - s, s's error (s - (n - b)) + (x - b)
// added to the compensation, s = n; with Imm 1, s += x alone. OpRedFMA is
// fmla s, x, y: s += x*y with one rounding.
func (g *kernel) reduce(in ir.Instr, k, x, y int, temp func() int) []string {
	if in.Op == ir.OpRedMax {
		acc := g.accMax[k]
		return []string{a64.FMAXNM(a64.S4, acc, acc, x).Asm()}
	}
	s := g.accSum[k]
	if in.Op == ir.OpRedFMA {
		return []string{fmt.Sprintf("VFMLA V%d.D2, V%d.D2, V%d.D2", y, x, s)}
	}
	if in.Imm == 1 {
		return []string{a64.FADD(a64.D2, s, s, x).Asm()}
	}
	c := g.accComp[k]
	n, b, e := temp(), temp(), temp()
	return []string{
		a64.FADD(a64.D2, n, s, x).Asm(),
		a64.FSUB(a64.D2, b, n, s).Asm(),
		a64.FSUB(a64.D2, e, n, b).Asm(),
		a64.FSUB(a64.D2, e, s, e).Asm(),
		a64.FSUB(a64.D2, b, x, b).Asm(),
		a64.FADD(a64.D2, e, e, b).Asm(),
		a64.FADD(a64.D2, c, c, e).Asm(),
		fmt.Sprintf("VMOV V%d.B16, V%d.B16", n, s),
	}
}

// lowerRow returns the assembly function for row pass p: x is a whole
// number of groups of kernels.RowLanes elements, one group per main-loop
// iteration, lowered as the bodies of its vectors u at a time; the
// reductions live in registers between loading them from the state and
// storing them back. With col it is p's column form (ir.ColSignature):
// one group per row, the rows stride elements apart.
func lowerRow(p *ir.Program, name string, col bool) (string, error) {
	a, err := analyse(p)
	if err != nil {
		return "", err
	}
	g := &kernel{a: a}
	pro, data, err := g.prologue(name+"k<>", nil)
	data = globl(data, name+"k<>", len(g.mem))
	if err != nil {
		return "", fmt.Errorf("%s: loop invariants: %w", name, err)
	}
	var bodies []body
	u := 0
	for _, try := range unrolls {
		if group%try != 0 {
			continue
		}
		bodies, err = nil, nil
		for first := 0; first < group && err == nil; first += try {
			var b body
			b, err = g.lowerBody(try, first)
			bodies = append(bodies, b)
		}
		if err == nil {
			u = try
			break
		}
	}
	if u == 0 {
		return "", fmt.Errorf("%s: main loop: %w", name, err)
	}
	var loop []string
	used := 0
	inputs := len(a.Inputs)
	for _, b := range bodies {
		for k, r := range inputRegs[:inputs] {
			loop = append(loop, fmt.Sprintf("VLD1.P %d(%s), %s", 16*u, r, regList(b.in[k])))
		}
		loop = append(loop, b.lines...)
		if p.Out != ir.NoOut {
			loop = append(loop, b.store(u)...)
		}
		used = max(used, b.used)
	}
	if col { // R2 = rows*stride elements left, R7 = stride, R8 = the bytes from a group's end to the next row's
		loop = append(loop, "SUBS R7, R2, R2", "BEQ done", "ADD R8, R1, R1", "ADD R8, R5, R5")
		if p.Out != ir.NoOut {
			loop = append(loop, "ADD R8, R0, R0")
		}
		loop = append(loop, "B loop")
	} else {
		loop = append(loop, fmt.Sprintf("SUBS $%d, R2, R2", kernels.RowLanes), "BNE loop")
	}

	var w strings.Builder
	ins := func(format string, args ...any) { fmt.Fprintf(&w, "\t"+format+"\n", args...) }
	block := func(lines []string) {
		for _, l := range lines {
			ins("%s", l)
		}
	}
	for _, l := range data {
		fmt.Fprintf(&w, "%s\n", l)
	}
	if len(data) > 0 {
		w.WriteString("\n")
	}
	sig, args := p.Signature(), argBytes(inputs)+8
	if col {
		sig, args = ir.ColSignature, args+8
	}
	fmt.Fprintf(&w, "// %s\n", strings.Replace(sig, "func", "func "+name, 1))
	fmt.Fprintf(&w, "// Main loop: %d elements (%d vectors) per iteration, lowered %d at a time, %d instructions, %.2f per element; %d vector registers.\n",
		kernels.RowLanes, group, u, len(loop), float64(len(loop))/kernels.RowLanes, used)
	fmt.Fprintf(&w, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, args)
	if p.Out != ir.NoOut {
		ins("MOVD dst_base+0(FP), R0")
	}
	for k := range inputs {
		ins("MOVD %s_base+%d(FP), %s", ir.InputName(k), 24*(1+k), inputRegs[k])
	}
	ins("MOVD x_len+32(FP), R2")
	ins("MOVD st+%d(FP), R6", argBytes(inputs))
	block(pro)
	accs, offs := g.accMem()
	for i, r := range accs {
		ins("FMOVQ %d(R6), F%d", offs[i], r)
	}
	ins("CBZ R2, done")
	if col {
		if inputs != 2 {
			return "", fmt.Errorf("%s: a column pass reads two inputs, not %d", name, inputs)
		}
		ins("MOVD stride+%d(FP), R7", argBytes(inputs)+8)
		ins("ADD R7, R2, R2")
		ins("SUB $%d, R2, R2", kernels.RowLanes)
		ins("SUB $%d, R7, R8", kernels.RowLanes)
		ins("LSL $2, R8, R8")
	}
	w.WriteString("loop:\n")
	block(loop)
	w.WriteString("done:\n")
	fold := g.foldable()
	if fold != nil {
		ins("MOVWU %d(R6), R3", kernels.RowFoldOff)
		ins("CBNZW R3, fold")
	}
	for i, r := range accs {
		ins("FMOVQ F%d, %d(R6)", r, offs[i])
	}
	ins("RET")
	if fold != nil {
		w.WriteString("// The row's last call (kernels.Row.Fold): fold the lanes, reset them for the next row.\nfold:\n")
		block(fold)
		ins("MOVW $%d, R3", kernels.RowFolded)
		ins("MOVW R3, %d(R6)", kernels.RowFoldOff)
		ins("RET")
	}
	return w.String(), nil
}
