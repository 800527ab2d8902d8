package dispatch

import (
	"os"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		s  string
		l  Level
		ok bool
	}{
		{"avx512", AVX512, true}, {"AVX2", AVX2, true}, {" neon ", NEON, true},
		{"generic", Generic, true}, {"", Generic, false}, {"sse2", Generic, false},
	} {
		if l, ok := Parse(c.s); l != c.l || ok != c.ok {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", c.s, l, ok, c.l, c.ok)
		}
	}
	for l := Generic; l <= AVX512; l++ {
		if p, ok := Parse(l.String()); !ok || p != l {
			t.Errorf("Parse(%v.String()) = %v, %v", l, p, ok)
		}
	}
}

func TestSupported(t *testing.T) {
	sup := Supported()
	if len(sup) == 0 || sup[len(sup)-1] != Generic {
		t.Fatalf("Supported() = %v, want Generic last", sup)
	}
	for i := 1; i < len(sup); i++ {
		if sup[i] >= sup[i-1] {
			t.Errorf("Supported() = %v, not best first", sup)
		}
	}
}

// TestChoose checks that RECTIFY_ISA lowers the level and never raises it.
func TestChoose(t *testing.T) {
	sup := Supported()
	best := sup[0]
	if got := Choose(""); got != best {
		t.Errorf(`Choose("") = %v, want %v`, got, best)
	}
	if got := Choose("bogus"); got != best {
		t.Errorf(`Choose("bogus") = %v, want %v`, got, best)
	}
	if got := Choose("generic"); got != Generic {
		t.Errorf(`Choose("generic") = %v`, got)
	}
	for l := Generic; l <= AVX512; l++ {
		got := Choose(l.String())
		supported := false
		for _, s := range sup {
			supported = supported || s == l
		}
		if supported && got != l || !supported && got != best {
			t.Errorf("Choose(%q) = %v with %v supported", l, got, sup)
		}
	}
	if env := os.Getenv("RECTIFY_ISA"); env != "" && Selected() != Choose(env) {
		t.Errorf("RECTIFY_ISA=%s: selected %v", env, Selected())
	}
}

func TestForce(t *testing.T) {
	old := Selected()
	for _, l := range Supported() {
		restore := Force(l)
		if Selected() != l {
			t.Errorf("Force(%v): selected %v", l, Selected())
		}
		restore()
	}
	if Selected() != old {
		t.Errorf("restore left %v, want %v", Selected(), old)
	}
	if !asmEnabled {
		defer func() {
			if recover() == nil {
				t.Error("Force(AVX2) did not panic in a build without assembly")
			}
		}()
		Force(AVX2)
	}
}
