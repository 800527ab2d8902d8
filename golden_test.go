package rectify_test

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rectify-go/rectify/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt from this machine's fallback")

const goldenFile = "testdata/golden.txt"

// goldenInputs hits every branch of every kernel: the special values, a
// dense walk over each kernel's interesting range, and random bit patterns.
func goldenInputs() []float32 {
	x := testutil.Special()
	for v := float32(-110); v <= 20; v += 0.37 {
		x = append(x, v)
	}
	r := rand.New(rand.NewSource(4))
	for i := 0; i < 256; i++ {
		x = append(x, math.Float32frombits(r.Uint32()))
	}
	return x
}

// TestGolden checks every path against outputs computed once on amd64 and
// committed: the same bits on every architecture. A line is a kernel's
// name, the bits of alpha, of the input, of the second input (two-input
// kernels only) and of the output.
func TestGolden(t *testing.T) {
	if *update {
		writeGolden(t)
	}
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type line struct {
		k       kernel
		alpha   float32
		x, s, y uint32 // input, second input, output
		lineNum int
	}
	var lines []line
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		s := sc.Text()
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Fields(s)
		k, ok := kernelNamed(f[0])
		if !ok {
			t.Fatalf("%s:%d: unknown kernel %q", goldenFile, n, f[0])
		}
		if len(f) != 3+k.Inputs() {
			t.Fatalf("%s:%d: %d fields, want %d", goldenFile, n, len(f), 3+k.Inputs())
		}
		var v [4]uint32 // alpha, input(s), output
		for i, h := range f[1:] {
			b, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				t.Fatalf("%s:%d: %v", goldenFile, n, err)
			}
			v[i] = uint32(b)
		}
		l := line{k: k, alpha: math.Float32frombits(v[0]), x: v[1], y: v[2], lineNum: n}
		if k.Inputs() == 2 {
			l.s, l.y = v[2], v[3]
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 1000 {
		t.Fatalf("%s: only %d vectors", goldenFile, len(lines))
	}
	forEachLevel(t, func(t *testing.T) {
		bad := 0
		for _, l := range lines {
			dst := []float32{0}
			l.k.public(dst, []float32{math.Float32frombits(l.x)}, l.k.y([]float32{math.Float32frombits(l.s)}, 1), l.alpha)
			if got := math.Float32bits(dst[0]); got != l.y {
				if bad++; bad <= 10 {
					t.Errorf("%s:%d: %s(%#08x, %#08x, alpha=%g) = %#08x, want %#08x", goldenFile, l.lineNum,
						l.k.Name, l.x, l.s, l.alpha, got, l.y)
				}
			}
		}
	})
}

func kernelNamed(name string) (kernel, bool) {
	for _, k := range kernels {
		if k.Name == name {
			return k, true
		}
	}
	return kernel{}, false
}

func writeGolden(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Golden vectors: kernel, alpha bits, input bits, output bits (hex).\n")
	b.WriteString("# Written by `go test -run TestGolden -update` from the fallback; never edit by hand.\n")
	x := goldenInputs()
	y := make([]float32, len(x))
	for _, k := range kernels {
		// Two-input kernels: each of the test parameters as the second
		// input of every element.
		seconds := []float32{0}
		if k.Inputs() == 2 {
			seconds = testutil.Alphas
		}
		for ia, a := range k.alphas() {
			if k.Grad {
				// Gradients: dy 1, -0.5, 0, +Inf and NaN at the first
				// parameter, -0.5 at the others (dy only scales f').
				seconds = []float32{1, -0.5, 0, float32(math.Inf(1)), float32(math.NaN())}
				if ia > 0 {
					seconds = seconds[1:2]
				}
			}
			for _, s := range seconds {
				row := k.y(make([]float32, len(x)), len(x))
				for i := range row {
					row[i] = s
				}
				k.fallback(y, x, row, a)
				for i := range x {
					fmt.Fprintf(&b, "%s %08x %08x ", k.Name, math.Float32bits(a), math.Float32bits(x[i]))
					if row != nil {
						fmt.Fprintf(&b, "%08x ", math.Float32bits(s))
					}
					fmt.Fprintf(&b, "%08x\n", math.Float32bits(y[i]))
				}
			}
		}
	}
	if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
