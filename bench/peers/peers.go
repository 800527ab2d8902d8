//go:build cgo && amd64

// Package peers times rectify beside the libraries a user would pick
// instead: XNNPACK and SLEEF through cgo (Debian's libxnnpack-dev and
// libsleef-dev), github.com/viterin/vek/vek32, the naive Go loop and
// copy(). It is a module of its own, built only with cgo, so that rectify
// never needs a C toolchain or these libraries. `make bench-peers` prints
// the table.
package peers

/*
#cgo LDFLAGS: -lXNNPACK -lsleef -lm
#include <stdlib.h>
#include <math.h>
#include <xnnpack.h>
#include <immintrin.h>
// Declare SLEEF's 256- and 512-bit functions; each loop below is compiled
// for the instruction set it uses, and sleefWidth picks one at run time.
#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f")
#include <sleef.h>
#pragma GCC pop_options

enum { ReLU, LeakyReLU, ELU, Softplus, Sigmoid };

// XNNPACK: one operator per kernel (and alpha), single-threaded.
static xnn_operator_t xops[5];
static float xalpha[5];

static int xnnCreate(int k, float a) {
	if (xops[k] != NULL && xalpha[k] == a) return 0;
	if (xops[k] != NULL) xnn_delete_operator(xops[k]);
	xops[k] = NULL;
	xalpha[k] = a;
	switch (k) {
	case ReLU: return xnn_create_clamp_nc_f32(1, 1, 1, 0.0f, INFINITY, 0, &xops[k]);
	case LeakyReLU: return xnn_create_leaky_relu_nc_f32(1, 1, 1, a, 0, &xops[k]);
	case ELU: return xnn_create_elu_nc_f32(1, 1, 1, a, 0, &xops[k]);
	case Sigmoid: return xnn_create_sigmoid_nc_f32(1, 1, 1, 0, &xops[k]);
	}
	return -1;
}

// xnnSetup points kernel k's operator at x and dst: the 2022 API binds the
// buffers at setup, so only xnnRun is timed.
static int xnnSetup(int k, float a, float *dst, const float *x, size_t n) {
	int s = xnnCreate(k, a);
	if (s != 0) return s;
	switch (k) {
	case ReLU: return xnn_setup_clamp_nc_f32(xops[k], n, x, dst, NULL);
	case LeakyReLU: return xnn_setup_leaky_relu_nc_f32(xops[k], n, x, dst, NULL);
	case ELU: return xnn_setup_elu_nc_f32(xops[k], n, x, dst, NULL);
	case Sigmoid: return xnn_setup_sigmoid_nc_f32(xops[k], n, x, dst, NULL);
	}
	return -1;
}

static int xnnRun(int k) { return xnn_run_operator(xops[k], NULL); }

// SLEEF: ELU as alpha*expm1(x) for x < 0, Softplus as
// max(x, 0) + log1p(exp(-|x|)), Sigmoid as 1/(1+exp(-x)).
__attribute__((target("avx512f")))
static void sleef16(int k, float *d, const float *x, size_t n, float a) {
	const __m512 z = _mm512_setzero_ps(), one = _mm512_set1_ps(1), va = _mm512_set1_ps(a);
	const __m512i sign = _mm512_set1_epi32(0x80000000);
	for (size_t i = 0; i + 16 <= n; i += 16) {
		__m512 v = _mm512_loadu_ps(x + i), r;
		switch (k) {
		case ELU:
			r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, z, _CMP_LT_OQ), v,
				_mm512_mul_ps(va, Sleef_expm1f16_u10(v)));
			break;
		case Softplus:
			r = _mm512_add_ps(_mm512_max_ps(v, z), Sleef_log1pf16_u10(Sleef_expf16_u10(
				_mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(v), sign)))));
			break;
		default:
			r = _mm512_div_ps(one, _mm512_add_ps(one, Sleef_expf16_u10(
				_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), sign)))));
		}
		_mm512_storeu_ps(d + i, r);
	}
}

__attribute__((target("avx2,fma")))
static void sleef8(int k, float *d, const float *x, size_t n, float a) {
	const __m256 z = _mm256_setzero_ps(), one = _mm256_set1_ps(1), va = _mm256_set1_ps(a);
	const __m256 sign = _mm256_set1_ps(-0.0f);
	for (size_t i = 0; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(x + i), r;
		switch (k) {
		case ELU:
			r = _mm256_blendv_ps(v, _mm256_mul_ps(va, Sleef_expm1f8_u10(v)),
				_mm256_cmp_ps(v, z, _CMP_LT_OQ));
			break;
		case Softplus:
			r = _mm256_add_ps(_mm256_max_ps(v, z),
				Sleef_log1pf8_u10(Sleef_expf8_u10(_mm256_or_ps(v, sign))));
			break;
		default:
			r = _mm256_div_ps(one, _mm256_add_ps(one, Sleef_expf8_u10(_mm256_xor_ps(v, sign))));
		}
		_mm256_storeu_ps(d + i, r);
	}
}

static int sleefWidth(void) {
	return __builtin_cpu_supports("avx512f") ? 16 : __builtin_cpu_supports("avx2") ? 8 : 1;
}

static void sleef(int k, float *d, const float *x, size_t n, float a) {
	static int w;
	if (w == 0) w = sleefWidth();
	if (w == 16) sleef16(k, d, x, n, a);
	if (w == 8) sleef8(k, d, x, n, a);
	for (size_t i = n / w * w; i < n; i++) { // the scalar tail
		float v = x[i];
		switch (k) {
		case ELU: d[i] = v < 0 ? a * Sleef_expm1f_u10(v) : v; break;
		case Softplus: d[i] = fmaxf(v, 0) + Sleef_log1pf_u10(Sleef_expf_u10(-fabsf(v))); break;
		default: d[i] = 1 / (1 + Sleef_expf_u10(-v));
		}
	}
}

static float *alloc(size_t n) {
	void *p = NULL;
	return posix_memalign(&p, 64, n * sizeof(float) + 64) == 0 ? p : NULL;
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/viterin/vek/vek32"
)

// Kernels are rectify's one-input kernels in API order (internal/ir's
// list; the C code numbers them the same way). The two-input kernels
// (PReLU) have no peers here yet.
var Kernels = func() (ks []*ir.Kernel) {
	for _, k := range ir.Kernels {
		if k.Inputs() == 1 {
			ks = append(ks, k)
		}
	}
	return ks
}()

// Alpha is the parameter the benchmarks pass to kernel k: the first of
// its accuracy sweep, as in rectify's own benchmarks, or 0.
func Alpha(k int) float32 {
	if len(Kernels[k].Alphas) == 0 {
		return 0
	}
	return Kernels[k].Alphas[0]
}

// Func applies a kernel to x, writing dst.
type Func func(dst, x []float32, alpha float32)

// A Peer is one implementation of the kernels. Setup returns the call to
// time on dst and x, or nil if the peer has no such kernel; its buffers
// must come from Alloc (XNNPACK keeps the pointers).
type Peer struct {
	Name  string
	Setup func(k int, dst, x []float32, alpha float32) func()
}

// Run applies kernel k of p once; it reports false if p lacks the kernel.
func (p Peer) Run(k int, dst, x []float32, alpha float32) bool {
	f := p.Setup(k, dst, x, alpha)
	if f != nil {
		f()
	}
	return f != nil
}

// Peers lists rectify first, then its peers.
var Peers = []Peer{
	funcs("rectify", func(dst, x []float32, _ float32) { rectify.ReLU(dst, x) },
		rectify.LeakyReLU, rectify.ELU,
		func(dst, x []float32, _ float32) { rectify.Softplus(dst, x) },
		func(dst, x []float32, _ float32) { rectify.Sigmoid(dst, x) }),
	{"XNNPACK", xnnpack},
	funcs("SLEEF", nil, nil, sleef(C.ELU), sleef(C.Softplus), sleef(C.Sigmoid)),
	// vek32 has no ELU or Softplus (nor expm1 or log1p); its ReLU is
	// MaximumNumber, its LeakyReLU max(x, alpha*x), its Sigmoid four
	// passes: Neg, Exp, AddNumber 1, Inv.
	funcs("vek32",
		func(dst, x []float32, _ float32) { vek32.MaximumNumber_Into(dst, x, 0) },
		func(dst, x []float32, a float32) {
			vek32.MulNumber_Into(dst, x, a)
			vek32.Maximum_Inplace(dst, x)
		}, nil, nil,
		func(dst, x []float32, _ float32) {
			vek32.Neg_Into(dst, x)
			vek32.Exp_Inplace(dst)
			vek32.AddNumber_Inplace(dst, 1)
			vek32.Inv_Inplace(dst)
		}),
	naive(),
	funcs("copy()", cp, cp, cp, cp, cp),
}

func cp(dst, x []float32, _ float32) { copy(dst, x) }

// funcs makes a peer of one Func per kernel (nil or missing: absent).
func funcs(name string, fs ...Func) Peer {
	return Peer{name, func(k int, dst, x []float32, a float32) func() {
		if k >= len(fs) || fs[k] == nil {
			return nil
		}
		f := fs[k]
		return func() { f(dst, x, a) }
	}}
}

// naive is the loop people write today with package math: the baseline of
// rectify's own benchmarks.
func naive() Peer {
	var fs []Func
	for _, k := range Kernels {
		fs = append(fs, func(dst, x []float32, a float32) { k.Naive(dst, x, nil, a) })
	}
	return funcs("naive", fs...)
}

func init() {
	for i, name := range []string{"ReLU", "LeakyReLU", "ELU", "Softplus", "Sigmoid"} {
		if Kernels[i].Name != name {
			panic("peers: kernel " + Kernels[i].Name + " where the C code has " + name)
		}
	}
	if s := C.xnn_initialize(nil); s != C.xnn_status_success {
		panic(fmt.Sprintf("peers: xnn_initialize: status %d", s))
	}
}

// xnnpack sets up XNNPACK's operator for kernel k on dst and x (outside
// the timed loop) and returns the call that runs it. XNNPACK has no
// Softplus.
func xnnpack(k int, dst, x []float32, a float32) func() {
	if k == C.Softplus || len(x) == 0 {
		return nil
	}
	if s := C.xnnSetup(C.int(k), C.float(a), ptr(dst), ptr(x), C.size_t(len(x))); s != 0 {
		panic(fmt.Sprintf("peers: XNNPACK setup of %s: status %d", Kernels[k].Name, s))
	}
	return func() {
		if s := C.xnnRun(C.int(k)); s != 0 {
			panic(fmt.Sprintf("peers: XNNPACK %s: status %d", Kernels[k].Name, s))
		}
	}
}

// sleef returns SLEEF's loop for kernel k.
func sleef(k int) Func {
	return func(dst, x []float32, a float32) {
		if len(x) > 0 {
			C.sleef(C.int(k), ptr(dst), ptr(x), C.size_t(len(x)), C.float(a))
		}
	}
}

// SleefWidth is the vector width SLEEF's loops use on this CPU: 16
// (AVX-512), 8 (AVX2) or 1 (scalar).
func SleefWidth() int { return int(C.sleefWidth()) }

// Alloc returns n float32s of C memory, 64-byte aligned, never freed: the
// benchmark buffers, which XNNPACK may hold between calls.
func Alloc(n int) []float32 {
	p := C.alloc(C.size_t(n))
	if p == nil {
		panic("peers: out of memory")
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(p)), n)
}

func ptr(s []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(s))) }
