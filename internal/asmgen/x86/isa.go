package main

import "github.com/mmcloughlin/avo/reg"

// isa describes one x86 vector instruction set to the lowering: the vector
// width, the register file, and how compares, selects and tails are done.
type isa struct {
	name  string // function name suffix
	lanes int    // float32 lanes per vector; a float64 half holds lanes/2
	regs  []reg.VecPhysical
	// kmask: compares write opmask registers, selects are VBLENDMPS/PD,
	// tails use masked loads and stores (AVX-512). Otherwise compares write
	// vector masks, selects are VBLENDVPS/PD and tails use VMASKMOVPS (AVX2).
	kmask bool
	// unroll is the number of vectors per main-loop iteration, for
	// programs without (simple) and with (exp) float64 arithmetic.
	unrollSimple, unrollExp int
}

// vecBytes is the size of one float32 vector in bytes.
func (s *isa) vecBytes() int { return s.lanes * 4 }

func vecRegs(n int, spec reg.Spec) []reg.VecPhysical {
	r := make([]reg.VecPhysical, n)
	for i := range r {
		r[i] = reg.Vector.Lookup(reg.Index(i), spec).(reg.VecPhysical)
	}
	return r
}

var (
	avx2 = &isa{
		name:         "AVX2",
		lanes:        8,
		regs:         vecRegs(16, reg.S256),
		unrollSimple: 4,
		unrollExp:    2,
	}
	avx512 = &isa{
		name:         "AVX512",
		lanes:        16,
		regs:         vecRegs(32, reg.S512),
		kmask:        true,
		unrollSimple: 4,
		unrollExp:    4,
	}
	// isas lists the ISAs in the order their functions are emitted.
	isas = []*isa{avx2, avx512}
)
