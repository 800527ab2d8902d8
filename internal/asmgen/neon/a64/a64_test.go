package a64

import (
	"os/exec"
	"testing"
)

var testRegs = []int{0, 1, 7, 8, 15, 16, 30, 31}

func TestDecode(t *testing.T) {
	insts := All(testRegs)
	for _, b := range CheckDecode(insts) {
		t.Error(b)
	}
	t.Logf("%d encodings decoded", len(insts))
}

func TestAssembler(t *testing.T) {
	if _, err := exec.LookPath(GNUAs); err != nil {
		t.Skipf("%s not installed", GNUAs)
	}
	insts := All(testRegs)
	bad, err := CheckAssembler(t.TempDir(), insts)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("%d encodings assembled", len(insts))
}
