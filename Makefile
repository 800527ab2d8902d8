# rectify: `make test` runs the tests, `make bench` prints the kernel table.
GO      ?= go
GOBIN   := $(shell $(GO) env GOPATH)/bin
WASMEXEC := $(shell $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec
# Architectures whose pure-Go path is tested under qemu-user (make cross).
QEMU_ARCHES := riscv64 ppc64le s390x

.PHONY: test bench bench-peers exhaustive cross check generate tools

# The tests of both modules: every kernel set this CPU has, the fallback,
# the generators.
test:
	$(GO) test ./...
	cd internal/asmgen && $(GO) test ./...

# The kernel table: ns/element, GB/s, ratio to copy(), speed-ups.
bench:
	$(GO) run ./bench/cmd/table

# rectify beside XNNPACK, SLEEF, vek32, the naive loop and copy(), and
# their ULP errors: bench/peers, a cgo module of its own (needs a C
# compiler, libxnnpack-dev, libpthreadpool-dev and libsleef-dev).
bench-peers:
	cd bench/peers && $(GO) run ./cmd/table

# All 2^32 inputs per kernel and path: bit identity and the ULP table.
exhaustive:
	RECTIFY_EXHAUSTIVE=1 $(GO) test -run '^TestExhaustive$$' -v -count=1 -timeout 0 .

# Other architectures and builds: 386 natively, arm64 (NEON) and the
# big-endian and fusing architectures under qemu-user, wasm under node, the
# pure-Go tags. Needs qemu-user-static and nodejs (.ci/run installs them).
cross:
	@# Some kernels cannot run 32-bit binaries (no ia32 emulation): build and vet 386 there.
	GOARCH=386 $(GO) test -c -o /tmp/rectify-386.test . && if /tmp/rectify-386.test -test.run '^$$' >/dev/null 2>&1; \
		then GOARCH=386 $(GO) test -short ./...; \
		else echo "cross: this machine cannot run 386 binaries: 386 built and vetted, not run"; GOARCH=386 $(GO) vet ./...; fi
	GOARCH=arm64 $(GO) test -short -exec qemu-aarch64-static ./...
	GOARCH=arm64 RECTIFY_TEST_WANT=neon $(GO) test -short -count=1 -exec "qemu-aarch64-static -cpu cortex-a53" .
	GOARCH=arm64 RECTIFY_ISA=generic RECTIFY_TEST_WANT=generic $(GO) test -short -count=1 -exec qemu-aarch64-static .
	GOARCH=arm64 RECTIFY_EXHAUSTIVE=257 $(GO) test -count=1 -run '^TestExhaustive$$' -v -exec qemu-aarch64-static .
	for a in $(QEMU_ARCHES); do GOARCH=$$a $(GO) test -short -exec qemu-$$a-static ./... || exit 1; done
	GOOS=js GOARCH=wasm $(GO) test -short -exec $(WASMEXEC) ./...
	$(GO) test -short -tags purego ./...
	$(GO) test -short -tags noasm ./...
	RECTIFY_ISA=avx2 RECTIFY_TEST_WANT=avx2 $(GO) test -short -count=1 .
	GODEBUG=cpu.avx512f=off RECTIFY_TEST_WANT=avx2 $(GO) test -short -count=1 .
	bash .ci/qemu-x86.sh

# Formatting, vet on every supported GOARCH (with and without assembly),
# staticcheck, in both modules.
check: tools
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	for a in amd64 arm64 386 riscv64 ppc64le s390x loong64; do \
		GOARCH=$$a $(GO) vet ./... && GOARCH=$$a $(GO) vet -tags purego ./... || exit 1; done
	GOOS=js GOARCH=wasm $(GO) vet ./...
	$(GOBIN)/staticcheck ./...
	cd internal/asmgen && $(GO) vet ./... && $(GOBIN)/staticcheck ./...

# Regenerate kernels_amd64.s and kernels_arm64.s (and their Go declarations).
generate:
	$(GO) generate .

tools:
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
