// Package dispatch chooses, once at start-up, which kernel set rectify runs:
// the best level the CPU and operating system support, lowered (never
// raised) by the RECTIFY_ISA environment variable.
package dispatch

import (
	"os"
	"strings"
)

// Level is a kernel set. Higher levels are preferred where supported.
type Level uint8

const (
	Generic Level = iota // pure Go, every architecture
	NEON                 // arm64 Advanced SIMD
	AVX2                 // amd64 AVX2 + FMA
	AVX512               // amd64 AVX-512 F+BW+DQ+VL with OS-enabled ZMM state
)

var names = [...]string{Generic: "generic", NEON: "neon", AVX2: "avx2", AVX512: "avx512"}

// String returns the level's name, as RECTIFY_ISA spells it.
func (l Level) String() string { return names[l] }

// Parse returns the level named s (case-insensitive) and whether s names one.
func Parse(s string) (Level, bool) {
	for l, n := range names {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Level(l), true
		}
	}
	return Generic, false
}

// Supported lists the levels this process can run, best first; Generic is
// always last. Builds with the purego or noasm tag support only Generic.
func Supported() []Level {
	if !asmEnabled {
		return []Level{Generic}
	}
	return append(cpuLevels(), Generic)
}

// Choose returns the best supported level not above the one named by isa
// (the value of RECTIFY_ISA). An empty or unknown isa, or one the CPU
// lacks, leaves the best supported level.
func Choose(isa string) Level {
	sup := Supported()
	want, ok := Parse(isa)
	if !ok {
		return sup[0]
	}
	for _, l := range sup {
		if l == want {
			return l
		}
	}
	return sup[0]
}

// selected is the level chosen at start-up from the CPU and RECTIFY_ISA.
var selected = Choose(os.Getenv("RECTIFY_ISA"))

// Selected returns the level in use.
func Selected() Level { return selected }

// Force makes l the level in use until restore is called. It is for tests
// and benchmarks, which run one level at a time; it panics if the CPU or
// build does not support l.
func Force(l Level) (restore func()) {
	for _, s := range Supported() {
		if s == l {
			old := selected
			selected = l
			return func() { selected = old }
		}
	}
	panic("dispatch: level " + l.String() + " is not supported here")
}

// CacheBytes returns the size in bytes of the CPU's last-level cache as
// github.com/klauspost/cpuid/v2 reports it (the L3, else the L2), or 0
// where it reports neither or this build has no assembly. A virtual
// machine may hide its L3 (this project's development machine does).
func CacheBytes() int { return cacheBytes }

var cacheBytes = max(llc(), 0)
