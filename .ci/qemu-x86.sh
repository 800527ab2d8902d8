#!/usr/bin/env bash
# The amd64 dispatch levels under qemu-user: an AVX2+FMA CPU (Haswell) must
# run the avx2 kernels, a pre-AVX one (Nehalem) the generic ones, and
# RECTIFY_TEST_WANT makes the tests fail if another level was selected.
# qemu 7.2's TCG has no AVX-512, so that level is tested on the host only.
# Needs qemu-user-static (.ci/run installs it). Run from the repository root.
set -euxo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/rectify.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
GOARCH=amd64 go test -c -o "$bin" .
# qemu warns about host-only CPUID bits of the model (pcid, x2apic, ...).
RECTIFY_TEST_WANT=avx2 qemu-x86_64-static -cpu Haswell "$bin" -test.short 2> >(grep -v "TCG doesn't support requested feature" >&2)
RECTIFY_TEST_WANT=generic qemu-x86_64-static -cpu Nehalem "$bin" -test.short 2> >(grep -v "TCG doesn't support requested feature" >&2)
