// Package ir is the generators' intermediate representation of rectify's
// kernels: each kernel's per-lane operation sequence (a Program), the table
// of kernels (Kernels), a reference interpreter (EvalLane) and the analysis
// that both assembly back ends lower from (Analyze). It is internal: the
// public API is package rectify, the constants are in package kernels.
package ir

import (
	"fmt"
	"strings"
	"unicode"
)

// A Program is one kernel's per-lane operation sequence, the single
// description from which every SIMD back end emits code and against which
// the pure-Go kernel in package fallback is tested bit for bit (EvalLane).
//
// Values are numbered in order of definition; each Instr defines the next
// one. A value is either a float32 lane (F32) or a float64 lane (F64); back
// ends that widen one float32 vector into two float64 vectors run each F64
// instruction once per half. Arithmetic is IEEE, round to nearest even, in
// the lane's type.
//
// A Program reads one input slice, x, or two, x and y (Inputs): OpInput
// with Imm 0 reads x[i], with Imm 1 y[i], the element of the same index.
//
// A row pass (Row) is one pass of a row kernel over the elements of a
// row: it may fold lane values into the row's reductions (OpRedMax,
// OpRedSum, OpRedFMA), read the row's scalars (OpParam), and store no output (Out is
// NoOut). See RowState for its signature and the lanes of its reductions.
type Program struct {
	Name   string
	Params []string // scalar float32 arguments after the inputs, e.g. alpha
	Code   []Instr
	Out    Value
	Row    bool
	// Repeat marks a two-input kernel whose y repeats along x (PReLU's
	// slope): its kernels read y[i % len(y)] where len(y) divides len(x)
	// and is len(x) or a multiple of kernels.RepeatQuantum (which the
	// elements of a main-loop iteration divide on every ISA, so that no
	// vector straddles the wrap).
	Repeat bool
	// Fast, if set, is a shorter sequence for the inputs of magnitude at
	// most FastBound (not NaN), where the clamps, scalings and NaN rules
	// of Code change nothing: Fast's result has the same bits as Code's
	// there (TestFast). The back ends run it on the main loop's groups of
	// vectors whose every element is in that range, Code on the rest.
	Fast      *Program
	FastBound float32
	// FastFinite restricts Fast further to calls whose parameter (alpha)
	// is finite and nonzero: the back ends test it once per call and run
	// Code throughout for any other (LeakyReLUGrad, where such an alpha can
	// make a product NaN that only Code's NaN rule settles). With FastFinite,
	// FastBound may be +Inf: Fast then takes every input, NaNs and
	// infinities too (it keeps every NaN rule that such an alpha leaves),
	// and the back ends run it on the whole main loop without a test.
	FastFinite bool
	// FastAlphaMin and FastAlphaMax, where FastAlphaMax is nonzero,
	// narrow FastFinite's range of alpha's magnitude to [FastAlphaMin,
	// FastAlphaMax] (ELUGrad's float32 sequence).
	FastAlphaMin, FastAlphaMax float32
	// FastYMin and FastYMax, where FastYMax is nonzero, restrict Fast
	// further to the groups of vectors whose second input's elements all
	// have magnitude in [FastYMin, FastYMax] (the float32 sequences of
	// SELUGrad, ELUGrad and ExpGrad).
	FastYMin, FastYMax float32
	// GradScalars marks a row gradient's sum pass: where it folds its
	// compensated lanes (kernels.Row.Fold) it also sets the row's C and D
	// from them, as package fallback's GradRows does.
	GradScalars bool
	// Fill is a row pass's value of the lanes past the end of a row that
	// is no whole number of groups: -Inf for x (it changes no maximum and
	// adds e^-Inf = +0 to a sum), 0 for the gradients' y and dy (y*dy and
	// dy add +0). Fallback's drivers pad such rows with it; the back ends
	// that mask the lanes off load it there.
	Fill float32
}

// NoOut is the Out of a row pass that stores nothing.
const NoOut Value = -1

// Value names the result of an instruction in a Program.
type Value int

// Type is the lane type of a value.
type Type uint8

const (
	F32 Type = iota // float32 lane
	F64             // float64 lane
)

// Op is an operation on lanes. Unless noted, operands have the same type
// as the result.
type Op uint8

const (
	OpInput    Op = iota // F32: the lane of input Imm: x[i] (0) or y[i] (1)
	OpParam              // scalar parameter Imm broadcast to every lane: F32; in a row pass, F32 the row's M, F64 its C (Imm 0) or D (Imm 1)
	OpConst              // F64: the constant Const
	OpBits32             // F32: the constant with bit pattern Imm
	OpWiden              // F64 <- F32: exact conversion
	OpNarrow             // F32 <- F64: conversion rounding to nearest even
	OpAdd                // a + b, one rounding
	OpSub                // a - b, one rounding
	OpMul                // a * b, one rounding
	OpDiv                // a / b, IEEE division
	OpFMA                // a*b + c, one rounding
	OpFNMA               // c - a*b, one rounding
	OpMax                // a < b ? b : a; unspecified if a or b is NaN (F64: a NaN gives a), or both are zeros; an F64 b is an OpConst
	OpMin                // b < a ? b : a; unspecified as OpMax
	OpShl                // the bits of a shifted left by Imm (less than the lane's width)
	OpOr                 // F32: bitwise a | b
	OpSelNeg             // a < 0 ? b : c: a is F32 (ordered: false for -0 and NaN); b, c are F32
	OpSelSign            // sign bit of a set ? b : c: b, c of the result's type; a of it too, or F32 for an F64 result (no widening for the condition)
	OpQuiet              // F32: a is NaN ? a | QuietBit : b
	OpCanon              // F32: a is NaN ? the quiet NaN 0x7fc00000 : a
	OpRedMax             // F32, row passes: max[i%RowLanes] = a > max ? a : max (a NaN: unchanged); the value is a
	OpRedSum             // F64, row passes: (sum, comp)[i%RowLanes] += a, compensated (TwoSum); with Imm 1 sum[i%RowLanes] += a alone; the value is a
	OpLane               // F32, row passes: the state's per-lane parameter P[i%RowLanes]
	OpRedFMA             // F64, row passes: sum[i%RowLanes] = fma(a, b, sum), one rounding (a plain OpRedSum of a*b fused); the value is a
	OpLess               // F32: a < b (ordered: false if either is NaN) as -1, else +0; read only as an OpSelNeg's condition, which a back end lowers as one comparison
	OpQuietInf           // F32: a is NaN ? a | QuietBit : a is +Inf ? a : b
	OpZeroOf             // F32: a * +0 under the gradients' NaN rule: a is NaN ? a | QuietBit : a is infinite ? the quiet NaN 0x7fc00000 : ±0 of a's sign
)

// opSpecs gives each Op its name, its operand count and the lane types it
// is defined for (as the comments above say), which Analyze checks.
var opSpecs = [...]struct {
	name  string
	nargs int
	types []Type // the types the result may have
	arg   Type   // the operands' type; asResult: the result's
}{
	OpInput:    {"OpInput", 0, onlyF32, asResult},
	OpParam:    {"OpParam", 0, eitherType, asResult},
	OpConst:    {"OpConst", 0, onlyF64, asResult},
	OpBits32:   {"OpBits32", 0, onlyF32, asResult},
	OpWiden:    {"OpWiden", 1, onlyF64, F32},
	OpNarrow:   {"OpNarrow", 1, onlyF32, F64},
	OpAdd:      {"OpAdd", 2, eitherType, asResult},
	OpSub:      {"OpSub", 2, eitherType, asResult},
	OpMul:      {"OpMul", 2, eitherType, asResult},
	OpDiv:      {"OpDiv", 2, eitherType, asResult},
	OpFMA:      {"OpFMA", 3, eitherType, asResult},
	OpFNMA:     {"OpFNMA", 3, eitherType, asResult},
	OpMax:      {"OpMax", 2, eitherType, asResult},
	OpMin:      {"OpMin", 2, eitherType, asResult},
	OpShl:      {"OpShl", 1, eitherType, asResult},
	OpOr:       {"OpOr", 2, onlyF32, asResult},
	OpSelNeg:   {"OpSelNeg", 3, onlyF32, asResult},
	OpSelSign:  {"OpSelSign", 3, eitherType, asResult},
	OpQuiet:    {"OpQuiet", 2, onlyF32, asResult},
	OpCanon:    {"OpCanon", 1, onlyF32, asResult},
	OpRedMax:   {"OpRedMax", 1, onlyF32, asResult},
	OpRedSum:   {"OpRedSum", 1, onlyF64, asResult},
	OpLane:     {"OpLane", 0, onlyF32, asResult},
	OpRedFMA:   {"OpRedFMA", 2, onlyF64, asResult},
	OpLess:     {"OpLess", 2, onlyF32, asResult},
	OpQuietInf: {"OpQuietInf", 2, onlyF32, asResult},
	OpZeroOf:   {"OpZeroOf", 1, onlyF32, asResult},
}

// asResult in opSpecs: the operands have the result's type.
const asResult Type = 0xff

var (
	onlyF32    = []Type{F32}
	onlyF64    = []Type{F64}
	eitherType = []Type{F32, F64}
)

// valid reports whether op is one of the Ops above.
func (op Op) valid() bool { return int(op) < len(opSpecs) }

// NArgs returns the number of operands of op: how many of Instr.Args it
// reads.
func (op Op) NArgs() int { return opSpecs[op].nargs }

func (op Op) String() string {
	if !op.valid() {
		return fmt.Sprintf("Op(%d)", uint8(op))
	}
	return opSpecs[op].name
}

func (t Type) String() string {
	switch t {
	case F32:
		return "F32"
	case F64:
		return "F64"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Instr is one instruction of a Program.
type Instr struct {
	Op    Op
	Type  Type
	Args  [3]Value
	Const float64 // OpConst
	Imm   uint32  // OpInput and OpParam index, OpBits32 pattern, OpShl count
}

// builder appends instructions to a Program. With fast set it builds a
// gradient's fast sequence (gradFast): its clamps, infinite-x limits and
// x's NaN rule are left out.
type builder struct {
	p    *Program
	fast bool
}

func (b builder) emit(in Instr) Value {
	b.p.Code = append(b.p.Code, in)
	return Value(len(b.p.Code) - 1)
}

func (b builder) op(op Op, t Type, args ...Value) Value {
	in := Instr{Op: op, Type: t}
	copy(in.Args[:], args)
	return b.emit(in)
}

// input emits the lane of input k (0: x, 1: y).
func (b builder) input(k uint32) Value { return b.emit(Instr{Op: OpInput, Type: F32, Imm: k}) }

// bits emits the float32 constant with bit pattern v.
func (b builder) bits(v uint32) Value { return b.emit(Instr{Op: OpBits32, Type: F32, Imm: v}) }

// FuncName returns the name of p's assembly function for the kernel set
// with the given suffix, in Go's style for unexported names: the first word
// of the name is lowered, where a word starts at a capital followed by a
// lower-case letter ("AbcDef" -> "abcDef", "ABCDef" -> "abcDef", "AbCD" ->
// "abcd", each with the suffix appended).
func (p *Program) FuncName(suffix string) string {
	r := []rune(p.Name)
	i := 1
	for i < len(r) && !(unicode.IsUpper(r[i]) && i+1 < len(r) && unicode.IsLower(r[i+1])) {
		i++
	}
	return strings.ToLower(string(r[:i])) + string(r[i:]) + suffix
}

// MaxInputs is the most input slices a Program reads.
const MaxInputs = 2

// inputNames are the names of the input slices in the kernels' signatures.
var inputNames = [MaxInputs]string{"x", "y"}

// InputName returns the name of input k (OpInput's Imm) in Signature.
func InputName(k int) string { return inputNames[k] }

// Inputs returns the number of input slices p reads: one more than the
// highest OpInput index (Analyze checks that p reads every one below it).
func (p *Program) Inputs() int {
	n := 0
	for _, in := range p.Code {
		if in.Op == OpInput {
			n = max(n, int(in.Imm)+1)
		}
	}
	return n
}

// Signature returns the Go signature of the assembly kernels of programs
// with the given number of inputs: one signature per arity, so that
// dispatch, chunking and the tests have one code path for each.
//
//	func(dst, x []float32, alpha float32)     // one input
//	func(dst, x, y []float32, alpha float32)  // two: y has len(x) elements
//
// Kernels without a parameter ignore alpha; OpParam 0 reads it.
func Signature(inputs int) string {
	return "func(dst, " + strings.Join(inputNames[:inputs], ", ") + " []float32, alpha float32)"
}

// Signature returns the Go signature of p's assembly kernels.
func (p *Program) Signature() string {
	if p.Row {
		return RowSignatures[p.Inputs()-1]
	}
	return Signature(p.Inputs())
}
