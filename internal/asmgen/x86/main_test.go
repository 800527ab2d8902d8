package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
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
	textLine     = regexp.MustCompile(`^TEXT ·(\w+?)(AVX2|AVX512)\(SB\)`)
)

// TestRequiresCoveredByGate checks that every ISA extension avo lists for
// a kernel is one that the dispatch gate of the kernel's level checks.
func TestRequiresCoveredByGate(t *testing.T) {
	g := gates(t)
	src, err := os.ReadFile(asmFile)
	if err != nil {
		t.Fatal(err)
	}
	var requires []string
	funcs := 0
	for _, line := range strings.Split(string(src), "\n") {
		if m := requiresLine.FindStringSubmatch(line); m != nil {
			requires = strings.Split(m[1], ", ")
			continue
		}
		if strings.HasPrefix(line, "TEXT") {
			m := textLine.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%s: function without a level suffix: %q", asmFile, line)
				continue
			}
			funcs++
			for _, isa := range requires {
				if !g[m[2]][isa] {
					t.Errorf("%s%s requires %s, which the %s gate does not check (it checks %v)",
						m[1], m[2], isa, m[2], keys(g[m[2]]))
				}
			}
			requires = nil
		}
	}
	if funcs == 0 {
		t.Fatalf("no TEXT in %s", asmFile)
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
