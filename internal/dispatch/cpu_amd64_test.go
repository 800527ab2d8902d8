//go:build amd64 && !purego && !noasm

package dispatch

import (
	"os"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"
)

// TestLibrariesAgree checks that x/sys/cpu and cpuid/v2 report the same
// features, unless GODEBUG switches a feature off in x/sys/cpu alone. The
// gates require both, so a disagreement would lower the level.
func TestLibrariesAgree(t *testing.T) {
	masked := strings.Contains(os.Getenv("GODEBUG"), "cpu.")
	for _, f := range []struct {
		name string
		sys  bool
		id   cpuid.FeatureID
	}{
		{"AVX2", cpu.X86.HasAVX2, cpuid.AVX2},
		{"FMA", cpu.X86.HasFMA, cpuid.FMA3},
		{"AVX512F", cpu.X86.HasAVX512F, cpuid.AVX512F},
		{"AVX512BW", cpu.X86.HasAVX512BW, cpuid.AVX512BW},
		{"AVX512DQ", cpu.X86.HasAVX512DQ, cpuid.AVX512DQ},
		{"AVX512VL", cpu.X86.HasAVX512VL, cpuid.AVX512VL},
	} {
		if id := cpuid.CPU.Supports(f.id); id != f.sys && !(masked && id && !f.sys) {
			t.Errorf("%s: x/sys/cpu says %v, cpuid/v2 says %v", f.name, f.sys, id)
		}
	}
	t.Logf("levels: %v, selected %v", Supported(), Selected())
}
