package ir

import (
	"math"

	"github.com/rectify-go/rectify/kernels"
)

// EvalLane runs p on one input lane with the given parameters, one
// instruction at a time with Go's IEEE float32 and float64 arithmetic. It is
// slow and exists to check the fast kernels against their Program.
func EvalLane(p *Program, x float32, params ...float32) float32 {
	f64 := make([]float64, len(p.Code))
	f32 := make([]uint32, len(p.Code))
	a32 := func(in Instr, i int) uint32 { return f32[in.Args[i]] }
	fl := func(in Instr, i int) float32 { return math.Float32frombits(f32[in.Args[i]]) }
	a64 := func(in Instr, i int) float64 { return f64[in.Args[i]] }
	for v, in := range p.Code {
		switch in.Op {
		case OpInput:
			f32[v] = math.Float32bits(x)
		case OpParam:
			f32[v] = math.Float32bits(params[in.Imm])
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
			if in.Type == F32 {
				f32[v] = math.Float32bits(float32(fl(in, 0) * fl(in, 1)))
			} else {
				f64[v] = float64(a64(in, 0) * a64(in, 1))
			}
		case OpDiv:
			f64[v] = a64(in, 0) / a64(in, 1)
		case OpFMA:
			f64[v] = math.FMA(a64(in, 0), a64(in, 1), a64(in, 2))
		case OpMax:
			f64[v] = a64(in, 0)
			if a64(in, 0) < a64(in, 1) {
				f64[v] = a64(in, 1)
			}
		case OpShl:
			f64[v] = math.Float64frombits(math.Float64bits(a64(in, 0)) << in.Imm)
		case OpOr:
			f32[v] = a32(in, 0) | a32(in, 1)
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
				if math.Signbit(a64(in, 0)) {
					f64[v] = a64(in, 1)
				}
			}
		case OpQuiet:
			f32[v] = a32(in, 1)
			if a32(in, 0)&kernels.AbsMask > kernels.ExpBits {
				f32[v] = a32(in, 0) | kernels.QuietBit
			}
		case OpCanon:
			f32[v] = a32(in, 0)
			if a32(in, 0)&kernels.AbsMask > kernels.ExpBits {
				f32[v] = kernels.CanonicalNaN
			}
		default:
			panic("kernels: unknown op")
		}
	}
	return math.Float32frombits(f32[p.Out])
}
