package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
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

// TestRequiresCoveredByGate checks that every ISA extension avo lists for
// a kernel, or for a kernel it tail-calls, is one that the dispatch gate of
// the kernel's level checks.
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
				if !g[f.level][isa] {
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
// AVX2 kernel.
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
		if want := f.kernel + "AVX2"; f.level == "AVX512" && !slices.Equal(f.tailCalls, []string{want}) {
			t.Errorf("%s tail-calls %v, want [%s]", name, f.tailCalls, want)
		}
	}
}

func keys(m map[string]bool) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
