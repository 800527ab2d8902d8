// Command x86 generates rectify's amd64 kernels: it lowers every
// kernels.Program to AVX2+FMA and to AVX-512 assembly with avo.
//
// Run it as the root package's go:generate line does:
//
//	go run -C internal/asmgen ./x86 -out ../../kernels_amd64.s -stubs ../../kernels_amd64.go -pkg rectify
//
// There is no kernel-specific code here: each IR operation has one lowering
// (lower.go), parameterised by an ISA descriptor (isa.go).
package main

import (
	"strings"
	"unicode"

	. "github.com/mmcloughlin/avo/build"

	"github.com/rectify-go/rectify/kernels"
)

func main() {
	ConstraintExpr("!purego,!noasm")
	for _, s := range isas {
		for _, p := range kernels.Programs() {
			generate(s, p)
		}
	}
	emitConstants()
	Generate()
}

// funcName returns the assembly function of program p on ISA s, e.g.
// eluAVX2 or leakyReLUAVX512.
func funcName(p *kernels.Program, s *isa) string {
	return lowerCamel(p.Name) + s.name
}

// lowerCamel lowers the first word of name: "ReLU" is one initialism, as is
// a leading run of capitals ("ELU" -> "elu", "LeakyReLU" -> "leakyReLU").
func lowerCamel(name string) string {
	if rest, ok := strings.CutPrefix(name, "ReLU"); ok {
		return "relu" + rest
	}
	r := []rune(name)
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	if i > 1 && i < len(r) {
		i-- // "HTTPServer" -> "httpServer"
	}
	return strings.ToLower(string(r[:i])) + string(r[i:])
}

// signature returns the Go signature of program p's kernels.
func signature(p *kernels.Program) string {
	sig := "func(dst, x []float32"
	for _, name := range p.Params {
		sig += ", " + name + " float32"
	}
	return sig + ")"
}
