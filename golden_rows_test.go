package rectify_test

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rectify-go/rectify"
)

const goldenRowsFile = "testdata/rows.txt"

var goldenRowKernels = map[string]func(dst, x []float32, cols int){
	"Softmax": rectify.Softmax, "LogSoftmax": rectify.LogSoftmax, "LogSumExp": rectify.LogSumExp,
}

// goldenGradKernels are the row gradients, with the forward kernel that
// gives their y: a golden line of one carries y and dy, joined by "/",
// as its input.
var goldenGradKernels = map[string]struct {
	f       func(dx, y, dy []float32, cols int)
	forward string
}{
	"SoftmaxGrad":    {rectify.SoftmaxGrad, "Softmax"},
	"LogSoftmaxGrad": {rectify.LogSoftmaxGrad, "LogSoftmax"},
	"LogSumExpGrad":  {rectify.LogSumExpGrad, ""}, // x and its one dy
}

// goldenGradRow returns the y and dy of a row gradient's golden line for
// forward input x: y the forward output, dy normal values, one of them
// NaN in the rows with a NaN.
func goldenGradRow(forward string, x []float32, r *rand.Rand) (y, dy []float32) {
	y, dy = make([]float32, len(x)), make([]float32, len(x))
	goldenRowKernels[forward](y, x, len(x))
	for i := range dy {
		dy[i] = float32(r.NormFloat64())
	}
	return y, dy
}

// goldenRows returns the rows of the golden file: lengths around the
// lane groups, values of several scales, -Inf masks, rows whose
// log-sum-exp cancels and the special values.
func goldenRows() [][]float32 {
	r := rand.New(rand.NewPCG(7, 8))
	var rows [][]float32
	for _, n := range []int{1, 2, 5, 16, 17, 37, 100} {
		for _, scale := range []float64{1, 30, 1e30} {
			row := make([]float32, n)
			for i := range row {
				row[i] = float32(scale * r.NormFloat64())
				if scale == 30 && r.IntN(4) == 0 {
					row[i] = float32(math.Inf(-1))
				}
			}
			rows = append(rows, row)
		}
	}
	// Rows whose log-sum-exp is near 0 (LogSumExp's second sum).
	for _, n := range []int{2, 17, 37} {
		row := make([]float32, n)
		for i := range row {
			row[i] = float32(-math.Log(float64(n)) + 1e-3*r.NormFloat64())
		}
		rows = append(rows, row)
	}
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	return append(rows, []float32{-inf, -inf}, []float32{1, nan, 2}, []float32{inf, 1}, []float32{0, float32(math.Copysign(0, -1)), 1e-30})
}

func hexRow(v []float32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%08x", math.Float32bits(x))
	}
	return strings.Join(s, ",")
}

// TestGoldenRows checks the row kernels against outputs computed once on
// amd64 and committed: the same bits on every architecture. A line is a
// kernel's name, a row's input bits and its output bits.
func TestGoldenRows(t *testing.T) {
	if *update {
		rewriteGolden(t, goldenRowsFile, "# kernel input-bits output-bits: go test -run TestGoldenRows -update .", func(w io.Writer) {
			for _, name := range []string{"Softmax", "LogSoftmax", "LogSumExp"} {
				for _, x := range goldenRows() {
					y := make([]float32, len(x))
					if name == "LogSumExp" {
						y = y[:1]
					}
					goldenRowKernels[name](y, x, len(x))
					fmt.Fprintln(w, name, hexRow(x), hexRow(y))
				}
			}
			for _, name := range []string{"SoftmaxGrad", "LogSoftmaxGrad"} {
				r := rand.New(rand.NewPCG(9, 10))
				for _, x := range goldenRows() {
					y, dy := goldenGradRow(goldenGradKernels[name].forward, x, r)
					dx := make([]float32, len(x))
					goldenGradKernels[name].f(dx, y, dy, len(x))
					fmt.Fprintln(w, name, hexRow(y)+"/"+hexRow(dy), hexRow(dx))
				}
			}
			r := rand.New(rand.NewPCG(11, 12))
			inf := float32(math.Inf(1))
			for i, x := range goldenRows() {
				dy := []float32{float32(r.NormFloat64())}
				if i < 4 { // the special dy on rows of one to two entries
					dy[0] = []float32{inf, float32(math.NaN()), float32(math.Copysign(0, -1)), -inf}[i]
				}
				dx := make([]float32, len(x))
				rectify.LogSumExpGrad(dx, x, dy, len(x))
				fmt.Fprintln(w, "LogSumExpGrad", hexRow(x)+"/"+hexRow(dy), hexRow(dx))
			}
		})
	}
	n := 0
	for i, f := range goldenLines(t, goldenRowsFile, 3) {
		g, grad := goldenGradKernels[f[0]]
		if goldenRowKernels[f[0]] == nil && !grad {
			t.Fatalf("%s: line %d: unknown kernel %s", goldenRowsFile, i+1, f[0])
		}
		y := make([]float32, len(parseHex(t, f[2])))
		if grad {
			in := strings.Split(f[1], "/")
			if len(in) != 2 {
				t.Fatalf("%s: line %d: malformed inputs", goldenRowsFile, i+1)
			}
			g.f(y, parseHex(t, in[0]), parseHex(t, in[1]), len(y))
		} else {
			x := parseHex(t, f[1])
			goldenRowKernels[f[0]](y, x, len(x))
		}
		if got := hexRow(y); got != f[2] {
			t.Errorf("%s: line %d: %s gives %s, want %s", goldenRowsFile, i+1, f[0], got, f[2])
		}
		n++
	}
	if n < 125 {
		t.Errorf("%s: %d rows checked", goldenRowsFile, n)
	}
}

func parseHex(t *testing.T, s string) []float32 {
	var v []float32
	for _, h := range strings.Split(s, ",") {
		b, err := strconv.ParseUint(h, 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		v = append(v, math.Float32frombits(uint32(b)))
	}
	return v
}

// rewriteGolden rewrites a golden file from this machine: the header
// line, then what write writes.
func rewriteGolden(t *testing.T, file, header string, write func(w io.Writer)) {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintln(&b, header)
	write(&b)
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goldenLines returns the data lines of a golden file (the # lines left
// out), each split into its fields; a line of another number of fields
// fails the test.
func goldenLines(t *testing.T, file string, fields int) [][]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]string
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != fields {
			t.Fatalf("%s:%d: %d fields, want %d", file, i+1, len(f), fields)
		}
		lines = append(lines, f)
	}
	return lines
}
