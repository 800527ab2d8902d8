package main

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa describes one x86 vector instruction set to the lowering: the vector
// width, the register file, how compares and selects are done, and what
// becomes of slices shorter than one vector.
type isa struct {
	name  string // function name suffix
	lanes int    // float32 lanes per vector; a float64 half holds lanes/2
	regs  []reg.VecPhysical
	// kmask: compares write opmask registers and selects are VBLENDMPS/PD
	// (AVX-512). Otherwise compares write vector masks and selects are
	// VBLENDVPS/PD (AVX2).
	kmask bool
	// short is the instruction set whose kernel of the same program takes
	// a slice shorter than one vector, by a tail call (the argument frames
	// are the same). Without one, the kernel gathers such a slice into a
	// vector one element at a time and scatters the result back the same
	// way: it reads and writes no byte outside the slices, and needs no
	// masked load or store (VMASKMOVPS, whose masked-off lanes fault at a
	// page boundary under emulators such as qemu 7.2).
	short *isa
	// unrollF32 and unrollF64 are the numbers of vectors per main-loop
	// iteration, for programs without and with float64 arithmetic.
	unrollF32, unrollF64 int
	// stream marks the streaming variant of an instruction set
	// (ir.Kernel.Stream): its loops store whole vectors with non-temporal
	// stores (VMOVNTPS), which need dst aligned to a vector, and it ends
	// them with SFENCE.
	stream bool
}

// minConsts is how many of the loop's constants a main loop keeps in
// registers before it interleaves its vectors more widely (generate).
// Interleaving hides the latency of the exp-based kernels' long dependency
// chains and beats holding constants in registers, down to a few: with
// none held, every use loads its constant, and the next narrower
// interleaving is faster (the exp kernel with the fewest loop constants,
// five, on AVX-512 at 4Ki elements: 4 vectors interleaved with no constant
// in a register 855 ns, 2 vectors with all five 770 ns; measured on Zen 5,
// 2026).
const minConsts = 3

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
		name:      "AVX2",
		lanes:     8,
		regs:      vecRegs(16, reg.S256),
		unrollF32: 4,
		unrollF64: 2,
	}
	avx512 = &isa{
		name:  "AVX512",
		lanes: 16,
		regs:  vecRegs(32, reg.S512),
		kmask: true,
		// Masked loads and stores of a short slice were measured to stall
		// 20-50 ns on store forwarding; the AVX2 tail takes a few ns.
		short:     avx2,
		unrollF32: 4,
		unrollF64: 4,
	}
	// isas lists the ISAs in the order their functions are emitted.
	isas = []*isa{avx2, avx512}
	// streams are their streaming variants, emitted after them for the
	// kernels with ir.Kernel.Stream.
	streams = []*isa{streaming(avx2), streaming(avx512)}
)

// streaming returns the streaming variant of s, its functions named
// Stream<name>; a short slice goes to s.short's streaming kernel.
func streaming(s *isa) *isa {
	t := *s
	t.name, t.stream = "Stream"+s.name, true
	if s.short != nil {
		t.short = streaming(s.short)
	}
	return &t
}

// and emits the bitwise AND of m and r into d: VPANDD with opmasks
// (EVEX, every register), else VPAND.
func (s *isa) and(m, r, d operand.Op) {
	if s.kmask {
		VPANDD(m, r, d)
		return
	}
	VPAND(m, r, d)
}
