package rectify

// The assembly kernels, their Go declarations and the kernel tables are
// generated from internal/ir.Kernels by the generators in internal/asmgen,
// a module of its own so that users never download avo. Run `make generate`
// (or `go generate .`).
//
//go:generate go run -C internal/asmgen ./x86 -out ../../kernels_amd64.s
//go:generate go run -C internal/asmgen ./neon -out ../../kernels_arm64.s
//go:generate go run -C internal/asmgen ./gofiles
