package kernels

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestSollyaCoefficients reruns coeffs.sollya and checks that every value it
// prints is the Go constant of that name, bit for bit.
func TestSollyaCoefficients(t *testing.T) {
	sollya, err := exec.LookPath("sollya")
	if err != nil {
		t.Skip("sollya not installed (apt-get install sollya)")
	}
	script, err := os.Open("coeffs.sollya")
	if err != nil {
		t.Fatal(err)
	}
	defer script.Close()
	cmd := exec.Command(sollya)
	cmd.Stdin = script
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sollya: %v", err)
	}
	consts := map[string]float64{
		"Expm1C2": Expm1C2, "Expm1C3": Expm1C3, "Expm1C4": Expm1C4, "Expm1C5": Expm1C5,
		"Expm1C6": Expm1C6, "Expm1C7": Expm1C7,
		"Atanh3": Atanh3, "Atanh5": Atanh5, "Atanh7": Atanh7, "Atanh9": Atanh9, "Atanh11": Atanh11,
		"Ln2": Ln2, "Log2e": Log2e,
	}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[1] != "=" {
			continue
		}
		want, ok := consts[f[0]]
		if !ok {
			t.Errorf("sollya prints %s, which kernels.go lacks", f[0])
			continue
		}
		got, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			t.Fatalf("%s: %v", f[0], err)
		}
		if got != want {
			t.Errorf("%s = %x in kernels.go, sollya gives %s", f[0], want, f[2])
		}
		seen++
	}
	if seen != len(consts) {
		t.Errorf("sollya printed %d of the %d constants:\n%s", seen, len(consts), out)
	}
}

// TestExpShift checks the derived constants of the exponential core.
func TestExpShift(t *testing.T) {
	if ExpShift != 0x1.8p52+1023 {
		t.Errorf("ExpShift = %x, want 1.5*2^52 + 1023", ExpShift)
	}
	for _, n := range []float64{0, -1, -47, -151} {
		kd := n + ExpShift
		if kd-ExpShift != n {
			t.Errorf("n=%v: kd - ExpShift = %v", n, kd-ExpShift)
		}
	}
}
