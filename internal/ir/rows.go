package ir

import (
	"math"

	"github.com/rectify-go/rectify/kernels"
)

// RowSignature is the Go signature of the row passes' assembly kernels:
// x is a whole number of groups of kernels.RowLanes elements, and st the
// row's state, which the reductions update and OpParam reads (M, C).
const RowSignature = "func(dst, x []float32, st *kernels.Row)"

// A RowKernel is one row kernel of the public API (Softmax, LogSoftmax,
// LogSumExp): the passes its public function runs over each row, in
// order: RowMax, a sum (RowSum, or Softmax's SoftmaxSum) and an output
// pass; package fallback combines the lanes and computes M and C between
// passes.
type RowKernel struct {
	Name   string
	Passes []*Program
	// Naive is the loop a user writes today with package math (three
	// passes in float32, math.Exp per element), the benchmarks' baseline;
	// dst has one element per row for LogSumExp.
	Naive func(dst, x []float32, cols int)
}

// The row passes, each one Program.
var (
	RowMax        = rowMaxProgram()
	RowSum        = rowSumProgram()
	SoftmaxSum    = softmaxSumProgram()
	SoftmaxOut    = softmaxOutProgram()
	LogSoftmaxOut = logSoftmaxOutProgram()
)

// RowPasses lists every row pass once, in the order the generators emit
// them.
var RowPasses = []*Program{RowMax, RowSum, SoftmaxSum, SoftmaxOut, LogSoftmaxOut}

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
	}},
	{"LogSoftmax", []*Program{RowMax, RowSum, LogSoftmaxOut}, func(dst, x []float32, cols int) {
		for r := 0; r < len(x); r += cols {
			row, out := x[r:r+cols], dst[r:r+cols]
			m := naiveMax(row)
			l := m + float32(math.Log(float64(naiveSum(row, m))))
			for i, v := range row {
				out[i] = v - l
			}
		}
	}},
	{"LogSumExp", []*Program{RowMax, RowSum}, func(dst, x []float32, cols int) {
		for r := range dst {
			row := x[r*cols : (r+1)*cols]
			m := naiveMax(row)
			dst[r] = m + float32(math.Log(float64(naiveSum(row, m))))
		}
	}},
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
	p := &Program{Name: name, Row: true, Out: NoOut}
	return p, builder{p}
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
// the exponential's polynomial of degree 11 (kernels.RowExpT3..11).
func rowSumProgram() *Program {
	p, b := newRowPass("RowSum")
	z := b.d(OpMax, b.rowDiff(), b.c(kernels.RowExpClamp))
	magic := b.c(kernels.ExpMagicD)
	nn := b.d(OpFMA, z, b.c(kernels.Log2eD), magic)
	r := b.d(OpFMA, b.d(OpSub, nn, magic), b.c(-kernels.Ln2D), z)
	e := b.hornerD(r, kernels.RowExpT11, kernels.RowExpT10, kernels.RowExpT9, kernels.RowExpT8, kernels.RowExpT7,
		kernels.RowExpT6, kernels.RowExpT5, kernels.RowExpT4, kernels.RowExpT3, 0.5, 1, 1)
	s := b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{nn}, Imm: kernels.ExpShiftD})
	b.d(OpRedSum, b.d(OpMul, s, e))
	return p
}

// softmaxSumProgram: RowSum with expD (relative error 2^-28.3): Softmax
// divides by the sum, which needs its relative precision only, not
// RowSum's where a log of it cancels.
func softmaxSumProgram() *Program {
	p, b := newRowPass("SoftmaxSum")
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
