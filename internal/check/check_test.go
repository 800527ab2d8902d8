package check

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSlicesInlined checks that the compiler inlines Slices, as its
// comment says: every public function and Go kernel checks its slices
// with it, and a call costs more than the check on a few elements.
func TestSlicesInlined(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command here:", err)
	}
	out, err := exec.Command("go", "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "can inline Slices") {
		t.Errorf("Slices is not inlined:\n%s", out)
	}
}
