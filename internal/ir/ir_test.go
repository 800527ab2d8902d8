package ir

import "testing"

func TestFuncName(t *testing.T) {
	for in, want := range map[string]string{
		"Abc": "abcAVX2", "ABC": "abcAVX2", "AbcDef": "abcDefAVX2", "ABCDef": "abcDefAVX2",
		"AbCD": "abcdAVX2", "AbCDEf": "abcdEfAVX2", "AbCDEfGhi": "abcdEfGhiAVX2", "A": "aAVX2",
	} {
		if got := (&Program{Name: in}).FuncName("AVX2"); got != want {
			t.Errorf("FuncName(%q) = %q, want %q", in, got, want)
		}
	}
}
