package kernels

import (
	"bufio"
	"bytes"
	"math"
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
		"Expm1D2": Expm1D2, "Expm1D3": Expm1D3, "Expm1D4": Expm1D4, "Expm1D5": Expm1D5,
		"Expm1D6": Expm1D6, "Expm1D7": Expm1D7,
		"ExpC2": ExpC2, "ExpC3": ExpC3, "ExpC4": ExpC4, "ExpC5": ExpC5, "ExpC6": ExpC6,
		"Atanh3": Atanh3, "Atanh5": Atanh5, "Atanh7": Atanh7, "Atanh9": Atanh9,
		"Ln2": Ln2, "Log2e": Log2e, "Ln2Hi": Ln2Hi, "Ln2Lo": Ln2Lo, "ELUClamp": ELUClamp,
		"GELUP": GELUP, "GELUR0": GELUR0, "GELUR1": GELUR1, "GELUR2": GELUR2, "GELUR3": GELUR3,
		"GELUR4": GELUR4, "GELUR5": GELUR5, "GELUR6": GELUR6, "GELUR7": GELUR7, "GELUR8": GELUR8,
		"GELUR9": GELUR9, "GELUR10": GELUR10,
		"Exp64C2": Exp64C2, "Exp64C3": Exp64C3, "Exp64C4": Exp64C4, "Exp64C5": Exp64C5,
		"Exp64C6": Exp64C6, "Ln2D": Ln2D, "Log2eD": Log2eD, "GELUHalfLog2e": GELUHalfLog2e,
		"SELULambdaM1": SELULambdaM1, "SELUScaleHi": SELUScaleHi, "SELUScaleLo": SELUScaleLo,
		"SELUD2": SELUD2, "SELUD3": SELUD3, "SELUD4": SELUD4, "SELUD5": SELUD5, "SELUD6": SELUD6, "SELUD7": SELUD7,
		"GELUTanhK1": GELUTanhK1, "GELUTanhK2": GELUTanhK2, "GELUTanhL1": GELUTanhL1, "GELUTanhL2": GELUTanhL2,
		"RowGradE2": RowGradE2, "RowGradE3": RowGradE3, "RowGradE4": RowGradE4, "RowGradE5": RowGradE5,
		"RowGradE6": RowGradE6, "RowGradE7": RowGradE7, "RowGradE8": RowGradE8, "RowGradE9": RowGradE9,
		"GELUGradX0": GELUGradX0, "GELUGradX0F32": GELUGradX0F32, "GELUGradC0": GELUGradC0, "GELUGradC1": GELUGradC1, "GELUGradC2": GELUGradC2,
		"GELUGradC3": GELUGradC3, "GELUGradC4": GELUGradC4, "GELUGradC5": GELUGradC5, "GELUGradC6": GELUGradC6,
		"GELUGradC7": GELUGradC7, "GELUGradC8": GELUGradC8,
		"Exp2D2": Exp2D2, "Exp2D3": Exp2D3, "Exp2D4": Exp2D4, "Exp2D5": Exp2D5, "Exp2D6": Exp2D6,
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

// TestExpMagic checks the derived constants of the exponential core:
// adding the magic leaves n + 127 (+ 64) in the low bits, and the shift
// builds 2^n from them.
// TestRowLogConstants checks the bits of sqrt(1/2) that the row logs
// split a sum at, and RowIntMagic's conversion of integers.
func TestRowLogConstants(t *testing.T) {
	if h := math.Float64frombits(RowSqrtHalf); h != math.Sqrt2/2 {
		t.Errorf("RowSqrtHalf is the bits of %v, want %v", h, math.Sqrt2/2)
	}
	for _, n := range []uint64{0, 1, 1023, 2046, 1<<52 - 1} {
		if v := math.Float64frombits(math.Float64bits(RowIntMagic)|n) - RowIntMagic; v != float64(n) {
			t.Errorf("RowIntMagic converts %d to %v", n, v)
		}
	}
}

func TestExpMagic(t *testing.T) {
	if ExpMagic != 0x1.8p23+127 || ExpMagic64 != ExpMagic+64 || ExpMagicHalf != ExpMagic-1 {
		t.Errorf("ExpMagic = %x, ExpMagic64 = %x, ExpMagicHalf = %x", ExpMagic, ExpMagic64, ExpMagicHalf)
	}
	for _, c := range []struct {
		magic float32
		bias  int
		ns    []int // down to the smallest n the kernels use with it
	}{{ExpMagic, 0, []int{0, -1, -25, -101}}, {ExpMagic64, 64, []int{0, -1, -25, -162}},
		{ExpMagicHalf, -1, []int{128, 1, 0, -1, -93}}} {
		for _, n := range c.ns {
			nn := float32(n) + c.magic
			if int(nn-c.magic) != n {
				t.Errorf("n=%d: nn - magic = %v", n, nn-c.magic)
			}
			s := math.Float32frombits(math.Float32bits(nn) << ExpShift)
			if want := float32(math.Ldexp(1, n+c.bias)); s != want {
				t.Errorf("n=%d, bias %d: 2^n built as %g, want %g", n, c.bias, s, want)
			}
		}
	}
	// GELU's float64 magic: n + 1023 in the low bits, shifted to 2^n.
	if ExpMagicD != 0x1.8p52+1023 {
		t.Errorf("ExpMagicD = %x", float64(ExpMagicD))
	}
	for _, n := range []int{0, -1, -163} {
		nn := float64(n) + ExpMagicD
		if int(nn-ExpMagicD) != n || math.Float64frombits(math.Float64bits(nn)<<ExpShiftD) != math.Ldexp(1, n) {
			t.Errorf("GELU n=%d: nn - magic = %v, 2^n built as %g", n, nn-ExpMagicD, math.Float64frombits(math.Float64bits(nn)<<ExpShiftD))
		}
	}
	if Scale64*Unscale64 != 1 || Scale64 != 0x1p64 {
		t.Errorf("Scale64 = %x, Unscale64 = %x", Scale64, Unscale64)
	}
}
