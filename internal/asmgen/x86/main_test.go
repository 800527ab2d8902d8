package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	. "github.com/mmcloughlin/avo/build"

	"github.com/rectify-go/rectify/internal/ir"
)

// The generated files and the dispatch gate, relative to this package.
const (
	asmFile  = "../../../kernels_amd64.s"
	gateFile = "../../../internal/dispatch/cpu_amd64.go"
)

// gateFeature maps the x/sys/cpu fields the gate tests to avo's names of
// the ISA extensions in "// Requires:" lines.
var gateFeature = map[string][]string{
	// AVX2 implies AVX (no CPU has one without the other, and x/sys/cpu
	// sets HasAVX2 only where the OS saves the YMM state).
	"HasAVX2":     {"AVX2", "AVX"},
	"HasAVX":      {"AVX"},
	"HasFMA":      {"FMA3"},
	"HasAVX512F":  {"AVX512F"},
	"HasAVX512BW": {"AVX512BW"},
	"HasAVX512DQ": {"AVX512DQ"},
	"HasAVX512VL": {"AVX512VL"},
}

// gates reads internal/dispatch's x86 gate functions (x86AVX2, x86AVX512)
// and returns, per function name suffix, the ISA extensions each one
// checks, following calls from one gate function to another.
func gates(t *testing.T) map[string]map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), gateFile, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string][]string{} // gate func -> cpu.X86 fields
	calls := map[string][]string{}  // gate func -> gate funcs it calls
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fn.Name.Name, "x86") {
			continue
		}
		name := fn.Name.Name
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.SelectorExpr); ok && x.Sel.Name == "X86" {
					fields[name] = append(fields[name], n.Sel.Name)
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && strings.HasPrefix(id.Name, "x86") {
					calls[name] = append(calls[name], id.Name)
				}
			}
			return true
		})
	}
	var collect func(fn string, into map[string]bool)
	collect = func(fn string, into map[string]bool) {
		for _, f := range fields[fn] {
			for _, isa := range gateFeature[f] {
				into[isa] = true
			}
		}
		for _, c := range calls[fn] {
			collect(c, into)
		}
	}
	out := map[string]map[string]bool{}
	for _, level := range []string{"AVX2", "AVX512"} {
		out[level] = map[string]bool{}
		collect("x86"+level, out[level])
		if len(out[level]) == 0 {
			t.Fatalf("%s: no gate function x86%s", gateFile, level)
		}
	}
	return out
}

var (
	requiresLine = regexp.MustCompile(`^// Requires: (.*)$`)
	textLine     = regexp.MustCompile(`^TEXT ·(\w+?)(AVX2|AVX512)\(SB\), (.*)$`)
	tailCallLine = regexp.MustCompile(`^\s+JMP\s+·(\w+)\(SB\)$`)
)

// asmFunc is one TEXT of the generated file.
type asmFunc struct {
	kernel, level string
	attrs         string   // flags and frame
	requires      []string // avo's "// Requires:" list
	tailCalls     []string // functions it jumps to
}

// asmFuncs parses the TEXTs of the generated file, by name.
func asmFuncs(t *testing.T) map[string]*asmFunc {
	t.Helper()
	src, err := os.ReadFile(asmFile)
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]*asmFunc{}
	var requires []string
	var cur *asmFunc
	for _, line := range strings.Split(string(src), "\n") {
		if m := requiresLine.FindStringSubmatch(line); m != nil {
			requires = strings.Split(m[1], ", ")
			continue
		}
		if m := tailCallLine.FindStringSubmatch(line); m != nil && cur != nil {
			cur.tailCalls = append(cur.tailCalls, m[1])
			continue
		}
		if strings.HasPrefix(line, "TEXT") {
			m := textLine.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%s: function without a level suffix: %q", asmFile, line)
				continue
			}
			cur = &asmFunc{kernel: m[1], level: m[2], attrs: m[3], requires: requires}
			funcs[m[1]+m[2]] = cur
			requires = nil
		}
	}
	if len(funcs) == 0 {
		t.Fatalf("no TEXT in %s", asmFile)
	}
	return funcs
}

// baseline are the extensions avo lists that every CPU Go runs on has
// (GOAMD64=v1, x86-64's baseline), which no gate needs to check: MMX+ is
// SFENCE's (SSE's additions to MMX).
var baseline = map[string]bool{"CMOV": true, "MMX+": true}

// TestRequiresCoveredByGate checks that every ISA extension avo lists for
// a kernel, or for a kernel it tail-calls, is one that the dispatch gate of
// the kernel's level checks, or in the baseline.
func TestRequiresCoveredByGate(t *testing.T) {
	g := gates(t)
	funcs := asmFuncs(t)
	for name, f := range funcs {
		seen := map[string]bool{}
		var check func(callee string)
		check = func(callee string) {
			if seen[callee] {
				return
			}
			seen[callee] = true
			for _, isa := range funcs[callee].requires {
				if !g[f.level][isa] && !baseline[isa] {
					t.Errorf("%s (through %s) requires %s, which the %s gate does not check (it checks %v)",
						name, callee, isa, f.level, keys(g[f.level]))
				}
			}
			for _, c := range funcs[callee].tailCalls {
				check(c)
			}
		}
		check(name)
	}
}

// TestTailCalls checks that every tail call goes to a kernel of the same
// program with the same flags and frame (a tail call hands its caller's
// arguments on), and that each AVX-512 kernel hands short slices to its
// AVX2 kernel (but NoisyReLU's, which takes whole groups only, and
// the logs' passes, which take a block's states).
func TestTailCalls(t *testing.T) {
	funcs := asmFuncs(t)
	for name, f := range funcs {
		for _, c := range f.tailCalls {
			callee, ok := funcs[c]
			switch {
			case !ok:
				t.Errorf("%s tail-calls %s, which is not in %s", name, c, asmFile)
			case callee.kernel != f.kernel || callee.attrs != f.attrs:
				t.Errorf("%s (%s) tail-calls %s (%s)", name, f.attrs, c, callee.attrs)
			}
		}
		if want := f.kernel + "AVX2"; f.level == "AVX512" && !rowPass(f.kernel) && f.kernel != "noisy" && f.kernel != "blockLogs" && f.kernel != "blockCancelLogs" && !slices.Equal(f.tailCalls, []string{want}) {
			t.Errorf("%s tail-calls %v, want [%s]", name, f.tailCalls, want)
		}
	}
}

// rowPass reports whether the function name prefix kernel is a row
// pass's, a multi-row pass's or a column pass's: those take whole groups
// of lanes, never a short slice.
func rowPass(kernel string) bool {
	for _, p := range slices.Concat(ir.RowPasses, ir.ColPasses) {
		if p.FuncName("") == kernel {
			return true
		}
	}
	for _, p := range ir.RowBlock {
		if p.FuncName("Rows") == kernel {
			return true
		}
	}
	return false
}

func keys(m map[string]bool) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// synthetic returns programs that use what the kernels of ir.Kernels do
// not yet: float64 arithmetic, loop invariants beyond a widened parameter
// (a float64 product, its narrowing and a select, computed by the
// prologue), an invariant addend, a repeated constant and parameter, and
// values nothing reads; and float32 arithmetic in more operand forms than
// the kernels use.
func synthetic() []*ir.Program {
	inv := &ir.Program{Name: "SynthInv", Params: []string{"alpha"}}
	add := func(p *ir.Program, op ir.Op, t ir.Type, args ...ir.Value) ir.Value {
		in := ir.Instr{Op: op, Type: t}
		copy(in.Args[:], args)
		p.Code = append(p.Code, in)
		return ir.Value(len(p.Code) - 1)
	}
	konst := func(p *ir.Program, c float64) ir.Value {
		p.Code = append(p.Code, ir.Instr{Op: ir.OpConst, Type: ir.F64, Const: c})
		return ir.Value(len(p.Code) - 1)
	}
	bits := func(p *ir.Program, b uint32) ir.Value {
		p.Code = append(p.Code, ir.Instr{Op: ir.OpBits32, Type: ir.F32, Imm: b})
		return ir.Value(len(p.Code) - 1)
	}
	x := add(inv, ir.OpInput, ir.F32)
	a := add(inv, ir.OpWiden, ir.F64, add(inv, ir.OpParam, ir.F32))
	k := add(inv, ir.OpMul, ir.F64, a, konst(inv, 3))
	k32 := add(inv, ir.OpNarrow, ir.F32, k)
	sel := add(inv, ir.OpSelNeg, ir.F32, k32, bits(inv, 0x3f800000), k32)
	konst(inv, 7)
	add(inv, ir.OpWiden, ir.F64, add(inv, ir.OpParam, ir.F32))
	m := add(inv, ir.OpMul, ir.F32, x, sel)
	t := add(inv, ir.OpFMA, ir.F64, add(inv, ir.OpWiden, ir.F64, x), konst(inv, 3), k)
	t = add(inv, ir.OpMin, ir.F64, add(inv, ir.OpFNMA, ir.F64, t, k, konst(inv, 0.25)), konst(inv, 1e30))
	u := add(inv, ir.OpMul, ir.F32, add(inv, ir.OpNarrow, ir.F32, t), add(inv, ir.OpParam, ir.F32))
	inv.Out = add(inv, ir.OpCanon, ir.F32, add(inv, ir.OpSelNeg, ir.F32, x, m, u))

	f32 := &ir.Program{Name: "SynthF32"}
	x = add(f32, ir.OpInput, ir.F32)
	s := add(f32, ir.OpSelSign, ir.F32, x, bits(f32, 0), x)
	m = add(f32, ir.OpMul, ir.F32, s, bits(f32, 0x40000000))
	f32.Out = add(f32, ir.OpQuiet, ir.F32, x, add(f32, ir.OpSelNeg, ir.F32, x, bits(f32, 0), m))

	// Float32 arithmetic: FMA and FNMA with operands in registers, in
	// memory, dying or not; Max and Min with bounds that are constants
	// (nonzero, zero), the parameter and loop values; a 32-bit shift. NaN
	// results are made canonical (their payload is the ISA's), NaN inputs
	// quieted. A constant bound's Max or Min reads only values that are NaN
	// just for a NaN input, where the program leaves its result unspecified.
	ar := &ir.Program{Name: "SynthArith", Params: []string{"alpha"}}
	x = add(ar, ir.OpInput, ir.F32)
	alpha := add(ar, ir.OpParam, ir.F32)
	c := bits(ar, 0x3fc00000) // 1.5
	y1 := add(ar, ir.OpFMA, ir.F32, x, c, x)
	y2 := add(ar, ir.OpFNMA, ir.F32, x, y1, c)
	y3 := add(ar, ir.OpFMA, ir.F32, y2, bits(ar, 0xbf000000), bits(ar, 0x40400000))
	y4 := add(ar, ir.OpFNMA, ir.F32, y3, alpha, y2)
	m1 := add(ar, ir.OpMin, ir.F32, add(ar, ir.OpMax, ir.F32, y1, bits(ar, 0xc0200000)), bits(ar, 0x41200000))
	m2 := add(ar, ir.OpMax, ir.F32, add(ar, ir.OpMin, ir.F32, x, bits(ar, 0)), alpha)
	m3 := add(ar, ir.OpMin, ir.F32, add(ar, ir.OpMax, ir.F32, x, bits(ar, 0x80000000)), alpha)
	m4 := add(ar, ir.OpMax, ir.F32, m2, add(ar, ir.OpMin, ir.F32, m3, y4))
	ar.Code = append(ar.Code, ir.Instr{Op: ir.OpShl, Type: ir.F32, Imm: 23,
		Args: [3]ir.Value{add(ar, ir.OpFMA, ir.F32, m1, c, bits(ar, 0x4b4000fe))}})
	sh := ir.Value(len(ar.Code) - 1)
	q := add(ar, ir.OpDiv, ir.F32, add(ar, ir.OpSub, ir.F32, m4, sh), add(ar, ir.OpAdd, ir.F32, m1, y4))
	ar.Out = add(ar, ir.OpQuiet, ir.F32, x, add(ar, ir.OpCanon, ir.F32, add(ar, ir.OpFNMA, ir.F32, q, y3, m4)))

	// Two inputs, y read first: both widened from memory, y a select's
	// condition, an FMA's factor and a value read by both float64 halves.
	two := &ir.Program{Name: "SynthTwo", Params: []string{"alpha"}}
	two.Code = append(two.Code, ir.Instr{Op: ir.OpInput, Type: ir.F32, Imm: 1})
	y := ir.Value(0)
	x = add(two, ir.OpInput, ir.F32)
	p := add(two, ir.OpFMA, ir.F64, add(two, ir.OpWiden, ir.F64, x), add(two, ir.OpWiden, ir.F64, y), konst(two, 0.5))
	f := add(two, ir.OpFMA, ir.F32, y, add(two, ir.OpParam, ir.F32), x)
	two.Out = add(two, ir.OpCanon, ir.F32, add(two, ir.OpSelNeg, ir.F32, y, add(two, ir.OpNarrow, ir.F32, p), f))
	// x < 0 ? y : x alone, with a computed y read again after it (one
	// VFIXUPIMMPS into a copy of y on AVX-512) and with a constant y (a
	// comparison and a blend).
	sp := &ir.Program{Name: "SynthSelect"}
	x = add(sp, ir.OpInput, ir.F32)
	m = add(sp, ir.OpMul, ir.F32, x, bits(sp, 0x40000000))
	s1 := add(sp, ir.OpSelNeg, ir.F32, x, m, x)
	s2 := add(sp, ir.OpSelNeg, ir.F32, x, bits(sp, 0x3f800000), x)
	sp.Out = add(sp, ir.OpCanon, ir.F32, add(sp, ir.OpFMA, ir.F32, s1, s2, m))
	// x < 0 ? c*b : c, a multiply under the mask on AVX-512: c read again
	// after it (into a copy) and c dying there (in place), c the product's
	// first and second operand, b a constant and a loop value; then NaN
	// quieted and +Inf kept (OpQuietInf) where the sequence gives NaN.
	sm := &ir.Program{Name: "SynthMasked"}
	x = add(sm, ir.OpInput, ir.F32)
	c1 := add(sm, ir.OpMul, ir.F32, x, bits(sm, 0x3fc00000))
	s1 = add(sm, ir.OpSelNeg, ir.F32, x, add(sm, ir.OpMul, ir.F32, c1, bits(sm, 0x40000000)), c1)
	s2 = add(sm, ir.OpSelNeg, ir.F32, x, add(sm, ir.OpMul, ir.F32, x, s1), s1)
	sm.Out = add(sm, ir.OpQuietInf, ir.F32, x, add(sm, ir.OpFMA, ir.F32, s2, c1, add(sm, ir.OpMul, ir.F32, x, bits(sm, 0)))) // NaN for +Inf
	return []*ir.Program{inv, f32, ar, two, sp, sm}
}

// cpuFlags returns the CPU feature flags Linux reports, if it does.
func cpuFlags() map[string]bool {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return nil
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if name, list, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			for _, f := range strings.Fields(list) {
				flags[f] = true
			}
			break
		}
	}
	return flags
}

// TestGenerateErrors checks that a malformed Program is reported as an
// error naming it, not a panic.
func TestGenerateErrors(t *testing.T) {
	bad := &ir.Program{Name: "Bad", Code: []ir.Instr{{Op: ir.OpInput}, {Op: ir.OpShl, Type: ir.F64, Imm: 1}}, Out: 1}
	want := "program Bad: instruction 1 (OpShl F64): operand 0 (value 0) is F32, not F64"
	for _, s := range isas {
		if err := generate(s, bad); err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %q", s.name, err, want)
		}
	}
}

var syntheticDone bool

// TestSyntheticPrograms generates the synthetic programs for every ISA
// into a package of their own, vets it (asmdecl), and, where the CPU has
// the instruction sets, runs every kernel on every length up to three
// AVX-512 vectors and more, out of place and in place, against
// ir.EvalLane bit for bit.
func TestSyntheticPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a package")
	}
	if syntheticDone {
		t.Skip("avo's global context can take the functions once per process")
	}
	syntheticDone = true
	dir := t.TempDir()
	if err := flag.Set("out", filepath.Join(dir, "synth_amd64.s")); err != nil {
		t.Fatal(err)
	}
	progs := synthetic()
	for _, s := range isas {
		for _, p := range progs {
			if err := generate(s, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	emitConstants()
	Generate()

	xs := []uint32{0, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0xc0200000, 0x00000001, 0x80000001,
		0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc00001, 0x7f7fffff, 0xff7fffff, 0x42b16666, 0xc2d00000}
	for r := uint32(1); len(xs) < 3*16+7; {
		r ^= r << 13
		r ^= r >> 17
		r ^= r << 5
		xs = append(xs, r)
	}
	flags := cpuFlags()
	run := map[string]bool{
		"AVX2":   runtime.GOARCH == "amd64" && flags["avx2"] && flags["fma"],
		"AVX512": runtime.GOARCH == "amd64" && flags["avx2"] && flags["fma"] && flags["avx512f"] && flags["avx512bw"] && flags["avx512dq"] && flags["avx512vl"],
	}
	var decl, cases strings.Builder
	decl.WriteString("package synth\n")
	for _, s := range isas {
		for _, p := range progs {
			name := p.FuncName(s.name)
			fmt.Fprintf(&decl, "\n//go:noescape\n%s\n", strings.Replace(p.Signature(), "func", "func "+name, 1))
			if !run[s.name] {
				continue
			}
			for _, alpha := range []uint32{0x3e99999a, 0xc0000000, 0, 0x80000000, 0x7fc00000} {
				want := make([]uint32, len(xs))
				for i, x := range xs {
					// The second input: the inputs in reverse.
					in := []float32{math.Float32frombits(x), math.Float32frombits(xs[len(xs)-1-i])}
					want[i] = math.Float32bits(ir.EvalLane(p, in, math.Float32frombits(alpha)))
				}
				f := "f1"
				if p.Inputs() == 2 {
					f = "f2"
				}
				fmt.Fprintf(&cases, "\t{name: %q, %s: %s, alpha: %#x, want: %#v},\n", name, f, name, alpha, want)
			}
		}
	}
	files := map[string]string{
		"go.mod":        "module synth\n\ngo 1.24\n",
		"decl.go":       decl.String(),
		"synth_test.go": fmt.Sprintf(syntheticTest, fmt.Sprintf("%#v", xs), cases.String()),
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"vet", "."}, {"test", "-count=1", "-v", "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOARCH=amd64")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("go %s:\n%s", strings.Join(args, " "), out)
	}
}

// syntheticTest is the test of the synthetic package: the inputs, then
// the kernel cases with the expected outputs.
const syntheticTest = `package synth

import (
	"math"
	"testing"
)

var xs = %s

var cases = []struct {
	name  string
	f1    func(dst, x []float32, alpha float32)
	f2    func(dst, x, y []float32, alpha float32) // two inputs: y is xs reversed
	alpha uint32
	want  []uint32
}{
%s}

func TestKernels(t *testing.T) {
	for _, c := range cases {
		alpha := math.Float32frombits(c.alpha)
		for n := 0; n <= len(xs); n++ {
			x := make([]float32, n+1)
			y := make([]float32, n+1)
			dst := make([]float32, n+1)
			for i := range n {
				x[i] = math.Float32frombits(xs[i])
				y[i] = math.Float32frombits(xs[len(xs)-1-i])
			}
			x[n], y[n], dst[n] = 42, 42, 42
			// Out of place, then in place: dst == y (two inputs), dst == x.
			got := [][]float32{dst}
			if c.f2 != nil {
				c.f2(dst[:n], x[:n], y[:n], alpha)
				c.f2(y[:n], x[:n], y[:n], alpha)
				got = append(got, append([]float32(nil), y...))
				for i := range n {
					y[i] = math.Float32frombits(xs[len(xs)-1-i])
				}
				c.f2(x[:n], x[:n], y[:n], alpha)
			} else {
				c.f1(dst[:n], x[:n], alpha)
				c.f1(x[:n], x[:n], alpha)
			}
			got = append(got, x)
			for k, g := range got {
				for i := range n {
					if math.Float32bits(g[i]) != c.want[i] {
						t.Fatalf("%%s alpha %%#x n=%%d [%%d] x=%%#x: got %%#x (call %%d: out of place, dst == y, dst == x), want %%#x",
							c.name, c.alpha, n, i, xs[i], math.Float32bits(g[i]), k, c.want[i])
					}
				}
				if g[n] != 42 {
					t.Fatalf("%%s n=%%d: wrote past the slice", c.name, n)
				}
			}
		}
	}
	if len(cases) == 0 {
		t.Skip("this CPU runs none of the kernels")
	}
}
`

var loopComment = regexp.MustCompile(`^\s+// (\d+) instructions, [0-9.]+ per element\.$`)

// TestLoopComments checks the instruction count that each main loop's
// comment states against the instructions from its label to its jump back.
func TestLoopComments(t *testing.T) {
	src, err := os.ReadFile(asmFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	loops := 0
	for i, line := range lines {
		m := loopComment.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		loops++
		if i+1 >= len(lines) || lines[i+1] != "unrolled:" && lines[i+1] != "full:" && lines[i+1] != "allfast:" {
			t.Errorf("%s:%d: no loop label after the comment", asmFile, i+1)
			continue
		}
		n := 0
		for _, l := range lines[i+2:] {
			f := strings.Fields(l)
			if len(f) == 0 || strings.HasPrefix(f[0], "//") || strings.HasSuffix(f[0], ":") {
				continue // blank, comment, label
			}
			n++
			if f[0] == "JMP" {
				break
			}
		}
		if want := m[1]; fmt.Sprint(n) != want {
			t.Errorf("%s:%d: the loop has %d instructions, its comment says %s", asmFile, i+1, n, want)
		}
	}
	if loops == 0 {
		t.Errorf("%s: no main-loop comment", asmFile)
	}
}
