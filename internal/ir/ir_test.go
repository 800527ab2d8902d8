package ir

import "testing"

func TestFuncName(t *testing.T) {
	for in, want := range map[string]string{
		"ReLU": "reluAVX2", "LeakyReLU": "leakyReLUAVX2", "ELU": "eluAVX2", "Softplus": "softplusAVX2",
		"GELU": "geluAVX2", "SiLU": "siLUAVX2", "ELUGrad": "eluGradAVX2", "ReLUGrad": "reluGradAVX2",
	} {
		if got := (&Program{Name: in}).FuncName("AVX2"); got != want {
			t.Errorf("FuncName(%q) = %q, want %q", in, got, want)
		}
	}
}
