package rectify

// The assembly kernels are generated from the kernel programs in package
// kernels by the generators in internal/asmgen, a module of its own so that
// users never download avo. Run `make generate` (or `go generate .`).
//
//go:generate go run -C internal/asmgen ./x86 -out ../../kernels_amd64.s -stubs ../../kernels_amd64.go -pkg rectify
//go:generate go run -C internal/asmgen ./neon -out ../../kernels_arm64.s -stubs ../../kernels_arm64.go
