package kernels

// A Program is one kernel's per-lane operation sequence, the single
// description from which every SIMD back end emits code and against which
// the pure-Go kernel in package fallback is tested bit for bit (EvalLane).
//
// Values are numbered in order of definition; each Instr defines the next
// one. A value is either a float32 lane (F32) or a float64 lane (F64); back
// ends that widen one float32 vector into two float64 vectors run each F64
// instruction once per half.
type Program struct {
	Name   string
	Params []string // scalar float32 arguments after dst and x, e.g. alpha
	Code   []Instr
	Out    Value
}

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
	OpInput   Op = iota // F32: the input lane x[i]
	OpParam             // F32: scalar parameter Imm broadcast to every lane
	OpConst             // F64: the constant Const
	OpBits32            // F32: the constant with bit pattern Imm
	OpWiden             // F64 <- F32: exact conversion
	OpNarrow            // F32 <- F64: conversion rounding to nearest even
	OpAdd               // a + b
	OpSub               // a - b
	OpMul               // a * b (F32 or F64, one rounding)
	OpDiv               // a / b, F64, IEEE division
	OpFMA               // a*b + c, F64, one rounding
	OpMax               // a < b ? b : a, F64; b is a constant, a NaN lane's result is unspecified
	OpShl               // F64: the bits of a shifted left by Imm
	OpOr                // F32: bitwise a | b
	OpSelNeg            // a < 0 ? b : c: a is F32 (ordered: false for -0 and NaN); b, c are F32
	OpSelSign           // sign bit of a set ? b : c: a, b, c are F64, or all F32
	OpQuiet             // F32: a is NaN ? a | QuietBit : b
	OpCanon             // F32: a is NaN ? the quiet NaN 0x7fc00000 : a
)

// Instr is one instruction of a Program.
type Instr struct {
	Op    Op
	Type  Type
	Args  [3]Value
	Const float64 // OpConst
	Imm   uint32  // OpParam index, OpBits32 pattern, OpShl count
}

// builder appends instructions to a Program.
type builder struct{ p *Program }

func (b builder) emit(in Instr) Value {
	b.p.Code = append(b.p.Code, in)
	return Value(len(b.p.Code) - 1)
}

func (b builder) op(op Op, t Type, args ...Value) Value {
	in := Instr{Op: op, Type: t}
	copy(in.Args[:], args)
	return b.emit(in)
}

func (b builder) c(v float64) Value   { return b.emit(Instr{Op: OpConst, Type: F64, Const: v}) }
func (b builder) bits(v uint32) Value { return b.emit(Instr{Op: OpBits32, Type: F32, Imm: v}) }
func (b builder) fma(x, y, z Value) Value {
	return b.op(OpFMA, F64, x, y, z)
}

// expCore emits the shared exponential core for z <= 0 (see the package
// documentation) and returns s = 2^n and q = expm1(t).
func (b builder) expCore(z Value) (s, q Value) {
	shift := b.c(ExpShift)
	kd := b.fma(z, b.c(Log2e), shift)
	n := b.op(OpSub, F64, kd, shift)
	t := b.fma(n, b.c(-Ln2), z)
	p := b.c(Expm1C7)
	for _, c := range []float64{Expm1C6, Expm1C5, Expm1C4, Expm1C3, Expm1C2} {
		p = b.fma(p, t, b.c(c))
	}
	q = b.fma(b.op(OpMul, F64, t, t), p, t)
	s = b.emit(Instr{Op: OpShl, Type: F64, Args: [3]Value{kd}, Imm: ExpShiftBits})
	return s, q
}

func newProgram(name string, params ...string) (*Program, builder) {
	p := &Program{Name: name, Params: params}
	return p, builder{p}
}

// ReLUProgram: x < 0 ? +0 : x.
func ReLUProgram() *Program {
	p, b := newProgram("ReLU")
	x := b.op(OpInput, F32)
	p.Out = b.op(OpSelNeg, F32, x, b.bits(0), x)
	return p
}

// LeakyReLUProgram: x < 0 ? alpha*x : x, a NaN product (alpha NaN, or
// 0 * -Inf) made the canonical quiet NaN.
func LeakyReLUProgram() *Program {
	p, b := newProgram("LeakyReLU", "alpha")
	x := b.op(OpInput, F32)
	a := b.emit(Instr{Op: OpParam, Type: F32, Imm: 0})
	y := b.op(OpCanon, F32, b.op(OpMul, F32, a, x))
	p.Out = b.op(OpSelNeg, F32, x, y, x)
	return p
}

// ELUProgram: x < 0 ? alpha*expm1(max(x, ELUClamp)) : x, NaN quieted.
func ELUProgram() *Program {
	p, b := newProgram("ELU", "alpha")
	x := b.op(OpInput, F32)
	a := b.op(OpWiden, F64, b.emit(Instr{Op: OpParam, Type: F32, Imm: 0}))
	z := b.op(OpMax, F64, b.op(OpWiden, F64, x), b.c(ELUClamp))
	s, q := b.expCore(z)
	em1 := b.fma(s, q, b.op(OpSub, F64, s, b.c(1)))
	y := b.op(OpNarrow, F32, b.op(OpMul, F64, a, em1))
	p.Out = b.op(OpQuiet, F32, x, b.op(OpSelNeg, F32, x, y, x))
	return p
}

// negAbs emits -|x| widened to float64, clamped below at ExpClamp.
func (b builder) negAbs(x Value) Value {
	nx := b.op(OpOr, F32, x, b.bits(SignBit))
	return b.op(OpMax, F64, b.op(OpWiden, F64, nx), b.c(ExpClamp))
}

// SoftplusProgram: max(x, 0) + log1p(e) with e = exp(-|x|), NaN quieted.
func SoftplusProgram() *Program {
	p, b := newProgram("Softplus")
	x := b.op(OpInput, F32)
	s, q := b.expCore(b.negAbs(x))
	e := b.fma(s, q, s)
	w := b.op(OpDiv, F64, e, b.op(OpAdd, F64, b.c(2), e))
	u := b.op(OpMul, F64, w, w)
	r := b.c(Atanh11)
	for _, c := range []float64{Atanh9, Atanh7, Atanh5, Atanh3} {
		r = b.fma(r, u, b.c(c))
	}
	l := b.fma(b.op(OpMul, F64, w, u), r, b.op(OpAdd, F64, w, w))
	x64 := b.op(OpWiden, F64, x)
	m := b.op(OpSelSign, F64, x64, b.c(0), x64)
	y := b.op(OpNarrow, F32, b.op(OpAdd, F64, m, l))
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}

// SigmoidProgram: (x < 0 ? e : 1) / (1 + e) with e = exp(-|x|), NaN quieted.
func SigmoidProgram() *Program {
	p, b := newProgram("Sigmoid")
	x := b.op(OpInput, F32)
	s, q := b.expCore(b.negAbs(x))
	e := b.fma(s, q, s)
	one := b.c(1)
	num := b.op(OpSelSign, F64, b.op(OpWiden, F64, x), e, one)
	y := b.op(OpNarrow, F32, b.op(OpDiv, F64, num, b.op(OpAdd, F64, one, e)))
	p.Out = b.op(OpQuiet, F32, x, y)
	return p
}

// Programs returns every kernel's Program, in API order.
func Programs() []*Program {
	return []*Program{ReLUProgram(), LeakyReLUProgram(), ELUProgram(), SoftplusProgram(), SigmoidProgram()}
}
