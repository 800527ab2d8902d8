// Package a64 encodes the AArch64 Advanced SIMD instructions that Go's arm64
// assembler has no mnemonic for. Each constructor returns the 32-bit word and
// its GNU spelling; the generator writes them as `WORD $0x........ // gnu`.
//
// Only what the NEON back end uses is here. Register numbers are 0–31; the
// arrangement is S4 (four float32 or int32 lanes) or D2 (two float64 or
// int64 lanes). The bases were checked against aarch64-linux-gnu-as, and the
// generator's tests (../encoding_test.go) check every form, and every word
// the generator wrote, against a decoder and the assembler again.
package a64

import "fmt"

// Arrangement is a vector register's lane layout.
type Arrangement uint8

const (
	S4 Arrangement = iota // 4 × 32-bit lanes (.4s)
	D2                    // 2 × 64-bit lanes (.2d)
)

func (a Arrangement) String() string {
	if a == D2 {
		return "2d"
	}
	return "4s"
}

// size is the bit that selects 64-bit lanes (sz, or the low bit of size) in
// every encoding below.
func (a Arrangement) size() uint32 {
	if a == D2 {
		return 1 << 22
	}
	return 0
}

// Inst is one encoded instruction.
type Inst struct {
	Word uint32
	GNU  string // GNU assembler spelling
}

// Asm returns the Go assembler line for the instruction.
func (i Inst) Asm() string { return fmt.Sprintf("WORD $0x%08x // %s", i.Word, i.GNU) }

func check(regs ...int) {
	for _, r := range regs {
		if r < 0 || r > 31 {
			panic(fmt.Sprintf("a64: register V%d out of range", r))
		}
	}
}

func vreg(r int, arr string) string { return fmt.Sprintf("v%d.%s", r, arr) }

// Three-same encodings (Q=1, 32-bit lanes): base | m<<16 | n<<5 | d.
const (
	baseFADD   = 0x4e20d400
	baseFSUB   = 0x4ea0d400
	baseFMUL   = 0x6e20dc00
	baseFDIV   = 0x6e20fc00
	baseFMAX   = 0x4e20f400
	baseFMIN   = 0x4ea0f400
	baseFMAXNM = 0x4e20c400
	baseFCMEQ  = 0x4e20e400
	baseFACGE  = 0x6e20ec00
	baseFCMGT  = 0x6ea0e400
)

// Two-register encodings: base | n<<5 | d.
const (
	baseFCMLTZ = 0x4ea0e800 // fcmlt #0.0, Q=1, 32-bit lanes
	baseCMLTZ  = 0x4ea0a800 // cmlt #0, Q=1, 32-bit lanes
	baseFCVTL  = 0x0e617800 // fcvtl .2d, .2s (fcvtl2: | 1<<30)
	baseFCVTN  = 0x0e616800 // fcvtn .2s, .2d (fcvtn2: | 1<<30)
	baseUMINV  = 0x6eb1a800 // uminv s, .4s
)

const q = 1 << 30

func three(name string, base uint32, a Arrangement, d, n, m int) Inst {
	check(d, n, m)
	s := a.String()
	return Inst{
		Word: base | a.size() | uint32(m)<<16 | uint32(n)<<5 | uint32(d),
		GNU:  fmt.Sprintf("%s %s, %s, %s", name, vreg(d, s), vreg(n, s), vreg(m, s)),
	}
}

// FADD is fadd vd, vn, vm.
func FADD(a Arrangement, d, n, m int) Inst { return three("fadd", baseFADD, a, d, n, m) }

// FSUB is fsub vd, vn, vm (vn - vm).
func FSUB(a Arrangement, d, n, m int) Inst { return three("fsub", baseFSUB, a, d, n, m) }

// FMUL is fmul vd, vn, vm.
func FMUL(a Arrangement, d, n, m int) Inst { return three("fmul", baseFMUL, a, d, n, m) }

// FDIV is fdiv vd, vn, vm (vn / vm).
func FDIV(a Arrangement, d, n, m int) Inst { return three("fdiv", baseFDIV, a, d, n, m) }

// FMAX is fmax vd, vn, vm.
func FMAX(a Arrangement, d, n, m int) Inst { return three("fmax", baseFMAX, a, d, n, m) }

// FMAXNM is fmaxnm vd, vn, vm: the maximum, the number where one operand
// is a quiet NaN.
func FMAXNM(a Arrangement, d, n, m int) Inst { return three("fmaxnm", baseFMAXNM, a, d, n, m) }

// FMIN is fmin vd, vn, vm.
func FMIN(a Arrangement, d, n, m int) Inst { return three("fmin", baseFMIN, a, d, n, m) }

// FCMEQ is fcmeq vd, vn, vm: all ones where vn == vm (false for NaN).
func FCMEQ(a Arrangement, d, n, m int) Inst { return three("fcmeq", baseFCMEQ, a, d, n, m) }

// FCMGT is fcmgt vd, vn, vm: all ones where vn > vm (false for NaN).
func FCMGT(a Arrangement, d, n, m int) Inst { return three("fcmgt", baseFCMGT, a, d, n, m) }

// FACGE is facge vd, vn, vm: all ones where |vn| >= |vm| (false for NaN).
func FACGE(a Arrangement, d, n, m int) Inst { return three("facge", baseFACGE, a, d, n, m) }

// FCMLTZ is fcmlt vd, vn, #0.0: all ones where vn < 0 (ordered: false for
// -0 and NaN).
func FCMLTZ(a Arrangement, d, n int) Inst {
	check(d, n)
	s := a.String()
	return Inst{baseFCMLTZ | a.size() | uint32(n)<<5 | uint32(d),
		fmt.Sprintf("fcmlt %s, %s, #0.0", vreg(d, s), vreg(n, s))}
}

// CMLTZ is cmlt vd, vn, #0: all ones where the lane's sign bit is set.
func CMLTZ(a Arrangement, d, n int) Inst {
	check(d, n)
	s := a.String()
	return Inst{baseCMLTZ | a.size() | uint32(n)<<5 | uint32(d),
		fmt.Sprintf("cmlt %s, %s, #0", vreg(d, s), vreg(n, s))}
}

// FCVTL widens the low two float32 lanes of vn to float64 (upper=false,
// fcvtl vd.2d, vn.2s) or the high two (upper=true, fcvtl2 vd.2d, vn.4s).
func FCVTL(upper bool, d, n int) Inst {
	check(d, n)
	if upper {
		return Inst{baseFCVTL | q | uint32(n)<<5 | uint32(d), fmt.Sprintf("fcvtl2 %s, %s", vreg(d, "2d"), vreg(n, "4s"))}
	}
	return Inst{baseFCVTL | uint32(n)<<5 | uint32(d), fmt.Sprintf("fcvtl %s, %s", vreg(d, "2d"), vreg(n, "2s"))}
}

// FCVTN narrows the two float64 lanes of vn to float32, rounding by FPCR
// (nearest even by default), into the low half of vd, zeroing the high half
// (upper=false, fcvtn vd.2s, vn.2d), or into the high half of vd, keeping
// the low half (upper=true, fcvtn2 vd.4s, vn.2d).
func FCVTN(upper bool, d, n int) Inst {
	check(d, n)
	if upper {
		return Inst{baseFCVTN | q | uint32(n)<<5 | uint32(d), fmt.Sprintf("fcvtn2 %s, %s", vreg(d, "4s"), vreg(n, "2d"))}
	}
	return Inst{baseFCVTN | uint32(n)<<5 | uint32(d), fmt.Sprintf("fcvtn %s, %s", vreg(d, "2s"), vreg(n, "2d"))}
}

// UMINV is uminv sd, vn.4s: the smallest of vn's four 32-bit lanes as
// unsigned integers, in lane 0 of vd (the rest of vd zeroed).
func UMINV(d, n int) Inst {
	check(d, n)
	return Inst{baseUMINV | uint32(n)<<5 | uint32(d), fmt.Sprintf("uminv s%d, %s", d, vreg(n, "4s"))}
}
