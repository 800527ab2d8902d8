package testutil

import (
	"os/exec"
	"strings"
	"testing"
)

// Inlined fails t unless the compiler reports each of funcs inlinable
// (go build -gcflags=-m in the test's package directory). It skips where
// there is no go command.
func Inlined(t *testing.T, funcs ...string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command here:", err)
	}
	out, err := exec.Command("go", "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	for _, f := range funcs {
		if !strings.Contains(string(out), "can inline "+f+"\n") {
			t.Errorf("%s is not inlined:\n%s", f, out)
		}
	}
}
