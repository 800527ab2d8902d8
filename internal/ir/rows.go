package ir

import (
	"math"

	"github.com/rectify-go/rectify/kernels"
)

// RowSignature is the Go signature of the row passes' assembly kernels:
// x is a whole number of groups of kernels.RowLanes elements, and st the
// row's state, which the reductions update and OpParam reads (M, C, D).
const RowSignature = "func(dst, x []float32, st *kernels.Row)"

// RowSignature2 is RowSignature for a pass with two inputs (the
// gradients' y and dy): y has len(x) elements.
const RowSignature2 = "func(dst, x, y []float32, st *kernels.Row)"

// RowSignatures are the row passes' signatures by number of inputs less
// one.
var RowSignatures = [...]string{RowSignature, RowSignature2}

// RowBlockSignatures are the Go signatures of a multi-row pass
// (RowBlock) of one input and of two: x (and y) hold len(x)/cols whole
// rows of cols elements (the x86 back end's take any cols: a row's last
// group is masked off past its end, read as the program's Fill and not
// stored, as if the row were padded to whole groups), and st points to
// the first of as many states, one per row, kernels.RowSize bytes apart.
// Each row runs as the one-row pass's single call on it with Fold set,
// but its lanes start at -Inf and 0
// whatever the state holds: RowMax and SoftmaxSum fold them into the
// row's M or S and leave the state's lanes and Fold alone.
var RowBlockSignatures = [...]string{
	"func(dst, x []float32, st *kernels.Row, cols int)",
	"func(dst, x, y []float32, st *kernels.Row, cols int)",
}

// RowBlock lists the passes that also have a multi-row form, which
// Softmax, LogSoftmax, LogSumExp and the row gradients run on blocks of
// short rows (package fallback's blockRows, blockGradRows): one call per
// pass and block instead of one per pass and row.
var RowBlock = []*Program{RowMax, SoftmaxSum, RowSum, SoftmaxOut, LogSoftmaxOut, GradDot, GradSum, SoftmaxGradOut, LogSoftmaxGradOut,
	LogSoftmaxGradFast}

// ColSignature is the Go signature of a column pass (ColPasses): a
// two-input row pass over one group of kernels.RowLanes channels in each
// of several rows, stride elements apart. dst, x and y start at the
// group's first element in the first row and hold the group of the last
// row at their end: len(x) = (rows-1)*stride + RowLanes. Element j of
// each group is lane j: the lanes reduce each channel over the rows, in
// row order.
const ColSignature = "func(dst, x, y []float32, st *kernels.Row, stride int)"

// ColPasses lists the column passes (ColSignature).
var ColPasses = []*Program{PReLUGradCol}

// PReLUGradCol is PReLUGrad's column pass (package fallback's
// PReLUGrad): dx = dy * (x > 0 ? 1 : P) in float32 with the gradients'
// NaN rule, and the compensated sum of the exact products x*dy where x is
// not > 0 (+0 terms elsewhere), P the channel's slope (OpLane).
var PReLUGradCol = preluGradColProgram()

// A RowKernel is one row kernel of the public API (Softmax, LogSoftmax,
// LogSumExp): the passes its public function runs over each row, in
// order: RowMax, a sum (SoftmaxSum for Softmax, ExpSum for the others,
// RowSum for LogSumExp's rows where max + log(sum) may cancel) and an
// output pass; package fallback combines the lanes and computes M and C
// between passes.
type RowKernel struct {
	Name   string
	Passes []*Program
	// Naive is the loop a user writes today with package math (three
	// passes in float32, math.Exp per element), the benchmarks' baseline;
	// dst has one element per row for LogSumExp.
	Naive func(dst, x []float32, cols int)
	// NaiveGrad is Naive for a row gradient: dx from the forward output y
	// and the incoming gradient dy, each of one length.
	NaiveGrad func(dx, y, dy []float32, cols int)
}

// The row passes, each one Program.
var (
	RowMax            = rowMaxProgram()
	RowSum            = rowSumProgram()
	SoftmaxSum        = softmaxSumProgram()
	ExpSum            = expSumProgram()
	SoftmaxOut        = softmaxOutProgram()
	LogSoftmaxOut     = logSoftmaxOutProgram()
	GradDot           = gradDotProgram()
	GradSum           = gradSumProgram()
	SoftmaxGradOut    = softmaxGradOutProgram()
	LogSoftmaxGradOut = logSoftmaxGradOutProgram()
	// LogSoftmaxGradFast is LogSoftmaxGradOut's fast form, which also
	// tells where it is not exact enough (logSoftmaxGradFastProgram).
	LogSoftmaxGradFast = logSoftmaxGradFastProgram()
)

// RowPasses lists every row pass once, in the order the generators emit
// them.
var RowPasses = []*Program{RowMax, RowSum, SoftmaxSum, ExpSum, SoftmaxOut, LogSoftmaxOut,
	GradDot, GradSum, SoftmaxGradOut, LogSoftmaxGradOut, LogSoftmaxGradFast}

// RowGradKernels lists the row gradients (SoftmaxGrad, LogSoftmaxGrad) in
// API order: a sum pass, then the output pass, which reads the forward
// output y (input 0) and the incoming gradient dy (input 1). Their Naive
// is nil and NaiveGrad the two-pass float32 loop.
var RowGradKernels = []*RowKernel{
	{Name: "SoftmaxGrad", Passes: []*Program{GradDot, SoftmaxGradOut}, NaiveGrad: func(dx, y, dy []float32, cols int) {
		for r := 0; r < len(y); r += cols {
			var s float32
			for i, v := range y[r : r+cols] {
				s += dy[r+i] * v
			}
			for i, v := range y[r : r+cols] {
				dx[r+i] = v * (dy[r+i] - s)
			}
		}
	}},
	{Name: "LogSoftmaxGrad", Passes: []*Program{GradSum, LogSoftmaxGradOut}, NaiveGrad: func(dx, y, dy []float32, cols int) {
		for r := 0; r < len(y); r += cols {
			var s float32
			for _, v := range dy[r : r+cols] {
				s += v
			}
			for i, v := range y[r : r+cols] {
				dx[r+i] = dy[r+i] - float32(math.Exp(float64(v)))*s
			}
		}
	}},
}

// RowKernels lists the row kernels in API order.
var RowKernels = []*RowKernel{
	{"Softmax", []*Program{RowMax, SoftmaxSum, SoftmaxOut}, func(dst, x []float32, cols int) {
		for r := 0; r < len(x); r += cols {
			row, out := x[r:r+cols], dst[r:r+cols]
			m, s := naiveMax(row), float32(0)
			for i, v := range row {
				out[i] = float32(math.Exp(float64(v - m)))
				s += out[i]
			}
			for i := range out {
				out[i] /= s
			}
		}
	}, nil},
	{"LogSoftmax", []*Program{RowMax, ExpSum, LogSoftmaxOut}, func(dst, x []float32, cols int) {
		for r := 0; r < len(x); r += cols {
			row, out := x[r:r+cols], dst[r:r+cols]
			m := naiveMax(row)
			l := m + float32(math.Log(float64(naiveSum(row, m))))
			for i, v := range row {
				out[i] = v - l
			}
		}
	}, nil},
	{"LogSumExp", []*Program{RowMax, ExpSum, RowSum}, func(dst, x []float32, cols int) {
		for r := range dst {
			row := x[r*cols : (r+1)*cols]
			m := naiveMax(row)
			dst[r] = m + float32(math.Log(float64(naiveSum(row, m))))
		}
	}, nil},
}

func naiveMax(row []float32) float32 {
	m := row[0]
	for _, v := range row {
		if v > m {
			m = v
		}
	}
	return m
}

func naiveSum(row []float32, m float32) float32 {
	var s float32
	for _, v := range row {
		s += float32(math.Exp(float64(v - m)))
	}
	return s
}

func newRowPass(name string) (*Program, builder) {
	p := &Program{Name: name, Row: true, Out: NoOut, Fill: float32(math.Inf(-1))}
	return p, builder{p: p}
}

// newGradRowPass is newRowPass for a pass of a row gradient, whose
// inputs are y and dy (Fill 0).
func newGradRowPass(name string) (*Program, builder) {
	p, b := newRowPass(name)
	p.Fill = 0
	return p, b
}

// rowMaxProgram: the row's maximum, lane by lane (NaN entries ignored).
func rowMaxProgram() *Program {
	p, b := newRowPass("RowMax")
	b.f(OpRedMax, b.input(0))
	return p
}

// rowDiff emits x - M in float64 (exact unless M is far larger, where
// e^(x-M) vanishes).
func (b builder) rowDiff() Value {
	x := b.op(OpWiden, F64, b.input(0))
	m := b.op(OpWiden, F64, b.emit(Instr{Op: OpParam, Type: F32}))
	return b.d(OpSub, x, m)
}

// rowSumProgram: the compensated sum of e^(x-M) with RowExpClamp applied,
// r = z - n*ln2 with ln2 as Ln2D + Ln2LoD, the exponential's Taylor
// polynomial of degree 13 (kernels.RowExpT3..11, RowGradT12..13).
func rowSumProgram() *Program {
	p, b := newRowPass("RowSum")
	z := b.d(OpMax, b.rowDiff(), b.c(kernels.RowExpClamp))
	magic := b.c(kernels.ExpMagicD)
	nn := b.d(OpFMA, z, b.c(kernels.Log2eD), magic)
	n := b.d(OpSub, nn, magic)
	r := b.d(OpFMA, n, b.c(-kernels.Ln2LoD), b.d(OpFMA, n, b.c(-kernels.Ln2D), z))
	e := b.hornerD(r, kernels.RowGradT13, kernels.RowGradT12, kernels.RowExpT11, kernels.RowExpT10, kernels.RowExpT9,
		kernels.RowExpT8, kernels.RowExpT7, kernels.RowExpT6, kernels.RowExpT5, kernels.RowExpT4, kernels.RowExpT3, 0.5, 1, 1)
	s := b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{nn}, Imm: kernels.ExpShiftD})
	b.d(OpRedSum, b.d(OpMul, s, e))
	return p
}

// softmaxSumProgram: the sum of e^(x-M) = 2^n*E by expDParts (relative
// error 2^-28.3), each term added by one FMA (OpRedFMA; 2^n*E is exact),
// uncompensated (terms in [0, 1]: relative error below (len/16)*2^-53):
// Softmax divides by the sum, which needs its relative precision only.
func softmaxSumProgram() *Program {
	p, b := newRowPass("SoftmaxSum")
	s, e := b.expDParts(b.d(OpMax, b.rowDiff(), b.c(kernels.RowExpClamp)))
	b.emit(Instr{Op: OpRedFMA, Type: F64, Args: [3]Value{s, e}})
	return p
}

// expSumProgram: SoftmaxSum compensated, so that the sum less 1 keeps its
// relative precision (the exponential's, 2^-28.3): LogSoftmax subtracts
// the log of the sum from x - M <= 0, and LogSumExp adds it to M where
// the two cannot cancel (RowSum where they may), which a log near 0 needs.
func expSumProgram() *Program {
	p, b := newRowPass("ExpSum")
	b.d(OpRedSum, b.expD(b.d(OpMax, b.rowDiff(), b.c(kernels.RowExpClamp))))
	return p
}

// softmaxOutProgram: e^(x-M) (expD, RowExpClamp applied) times C = 1/sum,
// rounded once.
func softmaxOutProgram() *Program {
	p, b := newRowPass("SoftmaxOut")
	e := b.expD(b.d(OpMax, b.rowDiff(), b.c(kernels.RowExpClamp)))
	p.Out = b.op(OpNarrow, F32, b.d(OpMul, e, b.emit(Instr{Op: OpParam, Type: F64})))
	return p
}

// logSoftmaxOutProgram: (x - M) - C, C = log(sum), rounded once.
func logSoftmaxOutProgram() *Program {
	p, b := newRowPass("LogSoftmaxOut")
	p.Out = b.op(OpNarrow, F32, b.d(OpSub, b.rowDiff(), b.emit(Instr{Op: OpParam, Type: F64})))
	return p
}

// gradDotProgram: SoftmaxGrad's sum, the compensated sum of y*dy; the
// product of two float32 is exact in float64.
func gradDotProgram() *Program {
	p, b := newGradRowPass("GradDot")
	b.d(OpRedSum, b.d(OpMul, b.op(OpWiden, F64, b.input(0)), b.op(OpWiden, F64, b.input(1))))
	p.GradScalars = true
	return p
}

// gradSumProgram: LogSoftmaxGrad's sum, the compensated sum of dy (its
// only input).
func gradSumProgram() *Program {
	p, b := newGradRowPass("GradSum")
	b.d(OpRedSum, b.op(OpWiden, F64, b.input(0)))
	p.GradScalars = true
	return p
}

// rowScalars emits the row's float-float sum C + D (OpParam F64 Imm 0, 1).
func (b builder) rowScalars() (c, d Value) {
	return b.emit(Instr{Op: OpParam, Type: F64}), b.emit(Instr{Op: OpParam, Type: F64, Imm: 1})
}

// softmaxGradOutProgram: y * ((dy - C) - D) rounded once to float32,
// y input 0, dy input 1. Where dy is close to the sum, dy - C is exact
// and the float-float sum keeps the difference's precision.
func softmaxGradOutProgram() *Program {
	p, b := newGradRowPass("SoftmaxGradOut")
	y := b.op(OpWiden, F64, b.input(0))
	dy := b.op(OpWiden, F64, b.input(1))
	c, d := b.rowScalars()
	p.Out = b.op(OpNarrow, F32, b.d(OpMul, b.d(OpSub, b.d(OpSub, dy, c), d), y))
	return p
}

// logSoftmaxGradOutProgram: dy - e^y * (C + D) rounded once to float32
// (y input 0, dy input 1), a NaN y quieted. e^y = 2^n * (b + low), b =
// 1 + rh + rh^2/2 in float-float (kernels.Ln2LoD's comment); the product
// with the sum as b*C exactly (hi, lo), plus b*D + low*C. The order keeps
// few values live (AVX2 has 16 registers): n stands for nn, sc and rl
// until they are needed, dy is read last.
func logSoftmaxGradOutProgram() *Program {
	p, b := newGradRowPass("LogSoftmaxGradOut")
	y := b.input(0)
	z := b.op(OpWiden, F64, b.f(OpMax, b.f(OpMin, y, b.k(kernels.RowGradYMax)), b.k(kernels.RowExpClamp)))
	magic := b.c(kernels.ExpMagicD)
	n := b.d(OpSub, b.d(OpFMA, z, b.c(kernels.Log2eD), magic), magic)
	rh := b.d(OpFMA, n, b.c(-kernels.Ln2D), z) // exact
	zero, one, half := b.c(0), b.c(1), b.c(0.5)
	hn := b.d(OpFNMA, rh, rh, zero) // -rh^2 rounded
	a := b.d(OpAdd, one, rh)
	e1 := b.d(OpSub, rh, b.d(OpSub, a, one))
	bb := b.d(OpFNMA, half, hn, a) // a + rh^2/2
	e2 := b.d(OpFNMA, half, hn, b.d(OpSub, a, bb))
	e12 := b.d(OpAdd, e1, e2)
	l := b.d(OpFMA, rh, rh, hn) // rh^2 = -hn + l exactly
	m := b.d(OpAdd, e12, b.d(OpMul, half, l))
	hnrh := b.d(OpMul, hn, rh)
	p3 := b.hornerD(rh, kernels.RowGradT14, kernels.RowGradT13, kernels.RowGradT12, kernels.RowExpT11, kernels.RowExpT10,
		kernels.RowExpT9, kernels.RowExpT8, kernels.RowExpT7, kernels.RowExpT6, kernels.RowExpT5, kernels.RowExpT4, kernels.RowExpT3)
	tail := b.d(OpMul, hnrh, p3) // -rh^3 * p3
	m2 := b.d(OpSub, m, tail)
	t1 := b.d(OpMul, b.d(OpMul, n, b.c(-kernels.Ln2LoD)), b.d(OpSub, bb, tail))
	low := b.d(OpAdd, m2, t1)
	c, d := b.rowScalars()
	nph := b.d(OpFNMA, bb, c, zero) // -b*C rounded
	plo := b.d(OpFMA, bb, c, nph)   // b*C = -nph + plo exactly
	rest := b.d(OpAdd, plo, b.d(OpFMA, bb, d, b.d(OpMul, low, c)))
	sc := b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{b.d(OpAdd, n, magic)}, Imm: kernels.ExpShiftD})
	dy := b.op(OpWiden, F64, b.input(1))
	w := b.d(OpFNMA, sc, rest, b.d(OpFMA, sc, nph, dy))
	p.Out = b.f(OpQuiet, y, b.op(OpNarrow, F32, w))
	return p
}

// logSoftmaxGradFastProgram: dy - e^y*C (y input 0, dy input 1) in
// plain float64, rounded once to float32, a NaN y quieted, as
// LogSoftmaxGradOut's steps less its float-float ones: e^y = 2^n *
// E(rh), E a polynomial of degree 9, and D left out (kernels.RowGradE2's
// comment). Its lanes' maxima (OpRedMax) take
// kernels.RowGradCancel*|float32(dy - dx)| - |dx| (dy - dx within 2^-23
// of e^y*C), positive where dx is not exact enough: package fallback then
// runs LogSoftmaxGradOut on that part of the row instead. A NaN y gives a
// NaN there, which no maximum takes (y's clamp is unspecified for a NaN,
// and so is e^y).
func logSoftmaxGradFastProgram() *Program {
	p, b := newGradRowPass("LogSoftmaxGradFast")
	y := b.input(0)
	z := b.op(OpWiden, F64, b.f(OpMax, b.f(OpMin, y, b.k(kernels.RowGradYMax)), b.k(kernels.RowExpClamp)))
	magic := b.c(kernels.ExpMagicD)
	nn := b.d(OpFMA, z, b.c(kernels.Log2eD), magic)
	rh := b.d(OpFMA, b.d(OpSub, nn, magic), b.c(-kernels.Ln2D), z) // exact
	e := b.hornerD(rh, kernels.RowGradE9, kernels.RowGradE8, kernels.RowGradE7, kernels.RowGradE6, kernels.RowGradE5,
		kernels.RowGradE4, kernels.RowGradE3, kernels.RowGradE2, 1, 1)
	c := b.emit(Instr{Op: OpParam, Type: F64}) // C alone
	sc := b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{nn}, Imm: kernels.ExpShiftD})
	dy := b.input(1)
	dx := b.f(OpQuiet, y, b.op(OpNarrow, F32, b.d(OpFNMA, sc, b.d(OpMul, e, c), b.op(OpWiden, F64, dy))))
	sign := b.bits(kernels.SignBit)
	lim := b.f(OpMul, b.f(OpOr, b.f(OpSub, dy, dx), sign), b.k(kernels.RowGradCancel)) // -|e^y*C|*RowGradCancel, about
	b.f(OpRedMax, b.f(OpSub, b.f(OpOr, dx, sign), lim))
	p.Out = dx
	return p
}

// preluGradColProgram: x input 0, dy input 1. x > 0 is 0 - x < 0 (false
// for a NaN x, whose term makes the sum a NaN); the term's operands are
// selected, not its product, so that an infinite or NaN dy where x > 0
// adds +0.
func preluGradColProgram() *Program {
	p, b := newRowPass("PReLUGradCol")
	x, dy := b.input(0), b.input(1)
	zero := b.bits(0)
	nx := b.f(OpSub, zero, x)
	p.Out = b.pieceGrad(x, dy, b.emit(Instr{Op: OpLane, Type: F32}))
	xt := b.op(OpWiden, F64, b.op(OpSelNeg, F32, nx, zero, x))
	dyt := b.op(OpWiden, F64, b.op(OpSelNeg, F32, nx, zero, dy))
	b.d(OpRedSum, b.d(OpMul, xt, dyt))
	return p
}
