//go:build arm64 && !purego && !noasm

package dispatch

import (
	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"
)

// cpuLevels returns NEON: Advanced SIMD is mandatory in ARMv8-A, but both
// feature libraries are still asked, so that a CPU without it (or an
// emulator that hides it) falls back to Generic.
func cpuLevels() []Level {
	if cpu.ARM64.HasASIMD && cpuid.CPU.Supports(cpuid.ASIMD) {
		return []Level{NEON}
	}
	return nil
}

// llc is the last-level cache's size in bytes: the L3, else the L2, else
// negative (unknown).
func llc() int { return max(cpuid.CPU.Cache.L3, cpuid.CPU.Cache.L2) }
