package ir

import (
	"math"

	"github.com/rectify-go/rectify/internal/fma32"
	"github.com/rectify-go/rectify/kernels"
)

// EvalLane runs p on one lane of its inputs (inputs[0] = x[i], inputs[1] = y[i])
// with the given parameters, one instruction at a time with Go's IEEE
// float32 and float64 arithmetic (and an exact float32 FMA). It is slow and
// exists to check the fast kernels against their Program.
func EvalLane(p *Program, inputs []float32, params ...float32) float32 {
	return evalLane(p, inputs, params, nil, 0)
}

// EvalRow runs row pass p on x (dst: its outputs, if it has any) with the
// row state st, lane i%kernels.RowLanes for element i, one element and one
// instruction at a time, as EvalLane.
func EvalRow(p *Program, st *kernels.Row, dst, x []float32) {
	for i, v := range x {
		y := evalLane(p, []float32{v}, nil, st, i%kernels.RowLanes)
		if p.Out != NoOut {
			dst[i] = y
		}
	}
}

// EvalRow2 is EvalRow for a row pass with two inputs: x[i] is input 0,
// y[i] input 1.
func EvalRow2(p *Program, st *kernels.Row, dst, x, y []float32) {
	for i, v := range x {
		o := evalLane(p, []float32{v, y[i]}, nil, st, i%kernels.RowLanes)
		if p.Out != NoOut {
			dst[i] = o
		}
	}
}

// evalLane runs p on one lane; a row pass with state st and lane lane.
func evalLane(p *Program, inputs, params []float32, st *kernels.Row, lane int) float32 {
	f64 := make([]float64, len(p.Code))
	f32 := make([]uint32, len(p.Code))
	a32 := func(in Instr, i int) uint32 { return f32[in.Args[i]] }
	fl := func(in Instr, i int) float32 { return math.Float32frombits(f32[in.Args[i]]) }
	a64 := func(in Instr, i int) float64 { return f64[in.Args[i]] }
	for v, in := range p.Code {
		if in.Type == F32 {
			if r, ok := evalF32(in, fl); ok {
				f32[v] = math.Float32bits(r)
				continue
			}
		}
		switch in.Op {
		case OpInput:
			f32[v] = math.Float32bits(inputs[in.Imm])
		case OpParam:
			switch {
			case in.Type == F64 && in.Imm == 1:
				f64[v] = st.D
			case in.Type == F64:
				f64[v] = st.C
			case p.Row:
				f32[v] = math.Float32bits(st.M)
			default:
				f32[v] = math.Float32bits(params[in.Imm])
			}
		case OpRedMax:
			if a := fl(in, 0); a > st.Max[lane] {
				st.Max[lane] = a
			}
		case OpRedSum:
			if in.Imm == 1 {
				st.Sum[lane] += a64(in, 0)
			} else {
				st.Sum[lane], st.Comp[lane] = kernels.AddComp(st.Sum[lane], st.Comp[lane], a64(in, 0))
			}
		case OpRedFMA:
			st.Sum[lane] = math.FMA(a64(in, 0), a64(in, 1), st.Sum[lane])
		case OpLane:
			f32[v] = math.Float32bits(st.P[lane])
		case OpConst:
			f64[v] = in.Const
		case OpBits32:
			f32[v] = in.Imm
		case OpWiden:
			f64[v] = float64(fl(in, 0))
		case OpNarrow:
			f32[v] = math.Float32bits(float32(a64(in, 0)))
		case OpAdd:
			f64[v] = a64(in, 0) + a64(in, 1)
		case OpSub:
			f64[v] = a64(in, 0) - a64(in, 1)
		case OpMul:
			f64[v] = float64(a64(in, 0) * a64(in, 1))
		case OpDiv:
			f64[v] = a64(in, 0) / a64(in, 1)
		case OpFMA:
			f64[v] = math.FMA(a64(in, 0), a64(in, 1), a64(in, 2))
		case OpFNMA:
			f64[v] = math.FMA(-a64(in, 0), a64(in, 1), a64(in, 2))
		case OpMax:
			f64[v] = a64(in, 0)
			if a64(in, 0) < a64(in, 1) {
				f64[v] = a64(in, 1)
			}
		case OpMin:
			f64[v] = a64(in, 0)
			if a64(in, 1) < a64(in, 0) {
				f64[v] = a64(in, 1)
			}
		case OpShl:
			if in.Type == F32 {
				f32[v] = a32(in, 0) << in.Imm
			} else {
				f64[v] = math.Float64frombits(math.Float64bits(a64(in, 0)) << in.Imm)
			}
		case OpOr:
			f32[v] = a32(in, 0) | a32(in, 1)
		case OpLess:
			f32[v] = 0
			if fl(in, 0) < fl(in, 1) {
				f32[v] = math.Float32bits(-1)
			}
		case OpSelNeg:
			f32[v] = a32(in, 2)
			if fl(in, 0) < 0 {
				f32[v] = a32(in, 1)
			}
		case OpSelSign:
			if in.Type == F32 {
				f32[v] = a32(in, 2)
				if a32(in, 0)&kernels.SignBit != 0 {
					f32[v] = a32(in, 1)
				}
			} else {
				f64[v] = a64(in, 2)
				if c := in.Args[0]; p.Code[c].Type == F32 && f32[c]&kernels.SignBit != 0 || p.Code[c].Type == F64 && math.Signbit(f64[c]) {
					f64[v] = a64(in, 1)
				}
			}
		case OpQuiet:
			f32[v] = a32(in, 1)
			if a32(in, 0)&kernels.AbsMask > kernels.ExpBits {
				f32[v] = a32(in, 0) | kernels.QuietBit
			}
		case OpZeroOf:
			switch a := a32(in, 0); {
			case a&kernels.AbsMask > kernels.ExpBits:
				f32[v] = a | kernels.QuietBit
			case a&kernels.AbsMask == kernels.ExpBits:
				f32[v] = kernels.CanonicalNaN
			default:
				f32[v] = a & kernels.SignBit
			}
		case OpQuietInf:
			f32[v] = a32(in, 1)
			if a32(in, 0) == kernels.ExpBits {
				f32[v] = a32(in, 0)
			}
			if a32(in, 0)&kernels.AbsMask > kernels.ExpBits {
				f32[v] = a32(in, 0) | kernels.QuietBit
			}
		case OpCanon:
			f32[v] = a32(in, 0)
			if a32(in, 0)&kernels.AbsMask > kernels.ExpBits {
				f32[v] = kernels.CanonicalNaN
			}
		default:
			panic("ir: no evaluation of " + in.Op.String())
		}
	}
	if p.Out == NoOut {
		return 0
	}
	return math.Float32frombits(f32[p.Out])
}

// evalF32 computes in if it is float32 arithmetic, from its operands'
// values a(in, k).
func evalF32(in Instr, a func(Instr, int) float32) (float32, bool) {
	switch in.Op {
	case OpAdd:
		return a(in, 0) + a(in, 1), true
	case OpSub:
		return a(in, 0) - a(in, 1), true
	case OpMul:
		return float32(a(in, 0) * a(in, 1)), true
	case OpDiv:
		return a(in, 0) / a(in, 1), true
	case OpFMA:
		return fma32.FMA(a(in, 0), a(in, 1), a(in, 2)), true
	case OpFNMA:
		return fma32.FMA(-a(in, 0), a(in, 1), a(in, 2)), true
	case OpMax:
		if a(in, 0) < a(in, 1) {
			return a(in, 1), true
		}
		return a(in, 0), true
	case OpMin:
		if a(in, 1) < a(in, 0) {
			return a(in, 1), true
		}
		return a(in, 0), true
	}
	return 0, false
}
