package rectify

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/rectify-go/rectify/internal/dispatch"
	"github.com/rectify-go/rectify/internal/ir"
)

// TestPublicInlined builds this package with the compiler's inlining
// report and checks that every elementwise public function is inlined
// (see cut): below its cutoff a call then costs what calling the Go kernel
// directly does.
func TestPublicInlined(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package (-short)")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(gocmd, "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	inlined := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		if _, name, ok := strings.Cut(strings.TrimSpace(line), ": can inline "); ok {
			inlined[name] = true
		}
	}
	for _, k := range ir.Kernels {
		if !inlined[k.Name] {
			t.Errorf("%s is not inlined", k.Name)
		}
	}
}

// TestCutFollowsLevel checks that cut holds the cutoffs of the level in
// use, as dispatch.Force changes it and back.
func TestCutFollowsLevel(t *testing.T) {
	check := func(l dispatch.Level) {
		t.Helper()
		if cut != *cutoffs[l] {
			t.Errorf("%v: cut = %v, want %v", l, cut, *cutoffs[l])
		}
	}
	check(dispatch.Selected())
	for _, l := range dispatch.Supported() {
		restore := dispatch.Force(l)
		check(l)
		restore()
		check(dispatch.Selected())
	}
}
