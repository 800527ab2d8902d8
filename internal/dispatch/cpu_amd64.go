//go:build amd64 && !purego && !noasm

package dispatch

import (
	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"
)

// cpuLevels returns the SIMD levels of this x86 CPU, best first. Both
// feature libraries must agree: x/sys/cpu checks the OS-enabled register
// state (XCR0, including darwin's lazy AVX-512 state) and honours
// GODEBUG=cpu.avx512f=off; cpuid/v2 reads the same bits independently.
func cpuLevels() []Level {
	var l []Level
	if x86AVX512() {
		l = append(l, AVX512)
	}
	if x86AVX2() {
		l = append(l, AVX2)
	}
	return l
}

func x86AVX2() bool {
	return cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA &&
		cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3)
}

func x86AVX512() bool {
	return x86AVX2() &&
		cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL &&
		cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL)
}

// llc is the last-level cache's size in bytes: the L3, else the L2, else
// negative (unknown).
func llc() int { return max(cpuid.CPU.Cache.L3, cpuid.CPU.Cache.L2) }
