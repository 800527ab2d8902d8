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

// The kernels the C code knows (its own numbering; Go maps names to it).
enum { ReLU, LeakyReLU, ELU, Softplus, Sigmoid, SELU, Tanh, SiLU, GELU, GELUTanh, Exp, PReLU };

// SELU's lambda and alpha, GELUTanh's sqrt(2/pi).
#define LAMBDA 1.0507009873554804934193349852946f
#define ALPHA 1.6732632423543772848170429916717f
#define SQRT2PI 0.79788456080286535587989211986876f
#define SQRTHALF 0.70710678118654752440084436210485f

// XNNPACK: one operator per kernel (and alpha), single-threaded.
static xnn_operator_t xops[PReLU + 1];
static float xalpha[PReLU + 1];

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

// xnnPReLU sets up XNNPACK's prelu_nc for rows of channels elements with
// the given slope, a new operator for each slope buffer.
static const float *xslope;
static size_t xchannels;
static int xnnPReLU(float *dst, const float *x, const float *slope, size_t channels, size_t n) {
	if (xops[PReLU] == NULL || xslope != slope || xchannels != channels) {
		if (xops[PReLU] != NULL) xnn_delete_operator(xops[PReLU]);
		xops[PReLU] = NULL;
		int s = xnn_create_prelu_nc_f32(channels, channels, channels, slope, 0, &xops[PReLU]);
		if (s != 0) return s;
		xslope = slope;
		xchannels = channels;
	}
	return xnn_setup_prelu_nc_f32(xops[PReLU], n / channels, x, dst, NULL);
}

static int xnnRun(int k) { return xnn_run_operator(xops[k], NULL); }

// xnnSoftmax sets up XNNPACK's softmax_nc for rows of cols elements (a
// new operator per shape) and runs it.
static xnn_operator_t xsoftmax;
static size_t xcols;
static int xnnSoftmaxSetup(float *dst, const float *x, size_t cols, size_t rows) {
	if (xsoftmax == NULL || xcols != cols) {
		if (xsoftmax != NULL) xnn_delete_operator(xsoftmax);
		xsoftmax = NULL;
		int s = xnn_create_softmax_nc_f32(cols, cols, cols, 0, &xsoftmax);
		if (s != 0) return s;
		xcols = cols;
	}
	return xnn_setup_softmax_nc_f32(xsoftmax, rows, x, dst, NULL);
}
static int xnnSoftmaxRun(void) { return xnn_run_operator(xsoftmax, NULL); }

// SLEEF: ELU as alpha*expm1(x) for x < 0, Softplus as
// max(x, 0) + log1p(exp(-|x|)), Sigmoid as 1/(1+exp(-x)), SELU as
// lambda*(x < 0 ? alpha*expm1(x) : x), SiLU as x/(1+exp(-x)), GELU as
// x/2*erfc(-x/sqrt2), GELUTanh as its formula with SLEEF's tanh; Tanh and
// Exp are SLEEF's own.
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
		case Sigmoid:
			r = _mm512_div_ps(one, _mm512_add_ps(one, Sleef_expf16_u10(
				_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), sign)))));
			break;
		case SELU:
			r = _mm512_mul_ps(_mm512_set1_ps(LAMBDA), _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, z, _CMP_LT_OQ), v,
				_mm512_mul_ps(_mm512_set1_ps(ALPHA), Sleef_expm1f16_u10(v))));
			break;
		case Tanh:
			r = Sleef_tanhf16_u10(v);
			break;
		case SiLU:
			r = _mm512_div_ps(v, _mm512_add_ps(one, Sleef_expf16_u10(
				_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), sign)))));
			break;
		case GELU:
			r = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v),
				Sleef_erfcf16_u15(_mm512_mul_ps(_mm512_set1_ps(-SQRTHALF), v)));
			break;
		case GELUTanh: {
			__m512 u = _mm512_mul_ps(_mm512_set1_ps(SQRT2PI), _mm512_fmadd_ps(_mm512_mul_ps(
				_mm512_set1_ps(0.044715f), v), _mm512_mul_ps(v, v), v));
			r = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(one, Sleef_tanhf16_u10(u)));
			break;
		}
		default:
			r = Sleef_expf16_u10(v);
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
		case Sigmoid:
			r = _mm256_div_ps(one, _mm256_add_ps(one, Sleef_expf8_u10(_mm256_xor_ps(v, sign))));
			break;
		case SELU:
			r = _mm256_mul_ps(_mm256_set1_ps(LAMBDA), _mm256_blendv_ps(v,
				_mm256_mul_ps(_mm256_set1_ps(ALPHA), Sleef_expm1f8_u10(v)), _mm256_cmp_ps(v, z, _CMP_LT_OQ)));
			break;
		case Tanh:
			r = Sleef_tanhf8_u10(v);
			break;
		case SiLU:
			r = _mm256_div_ps(v, _mm256_add_ps(one, Sleef_expf8_u10(_mm256_xor_ps(v, sign))));
			break;
		case GELU:
			r = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
				Sleef_erfcf8_u15(_mm256_mul_ps(_mm256_set1_ps(-SQRTHALF), v)));
			break;
		case GELUTanh: {
			__m256 u = _mm256_mul_ps(_mm256_set1_ps(SQRT2PI), _mm256_fmadd_ps(_mm256_mul_ps(
				_mm256_set1_ps(0.044715f), v), _mm256_mul_ps(v, v), v));
			r = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(one, Sleef_tanhf8_u10(u)));
			break;
		}
		default:
			r = Sleef_expf8_u10(v);
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
		case Sigmoid: d[i] = 1 / (1 + Sleef_expf_u10(-v)); break;
		case SELU: d[i] = LAMBDA * (v < 0 ? ALPHA * Sleef_expm1f_u10(v) : v); break;
		case Tanh: d[i] = Sleef_tanhf_u10(v); break;
		case SiLU: d[i] = v / (1 + Sleef_expf_u10(-v)); break;
		case GELU: d[i] = 0.5f * v * Sleef_erfcf_u15(-SQRTHALF * v); break;
		case GELUTanh: d[i] = 0.5f * v * (1 + Sleef_tanhf_u10(SQRT2PI * fmaf(0.044715f * v, v * v, v))); break;
		default: d[i] = Sleef_expf_u10(v);
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

	"github.com/rectify-go/rectify/internal/api"
	"github.com/rectify-go/rectify/internal/ir"
	"github.com/viterin/vek/vek32"
)

// Kernels are rectify's forward kernels (internal/ir's list without the
// gradients, which have no peers here) and public their public functions.
var Kernels, public = forward()

func forward() (ks []*ir.Kernel, fs []Func) {
	for i, k := range ir.Kernels {
		if !k.Grad {
			ks, fs = append(ks, k), append(fs, api.Public[i])
		}
	}
	return ks, fs
}

// Alpha is the parameter the benchmarks pass to kernel k: the first of
// its accuracy sweep, as in rectify's own benchmarks, or 0.
func Alpha(k int) float32 {
	if len(Kernels[k].Alphas) == 0 {
		return 0
	}
	return Kernels[k].Alphas[0]
}

// Channels is the length of kernel k's second input for n elements:
// PReLU's slope repeats along x with Kernels[k].Channels channels (one
// row of n where n is no multiple of them), as in rectify's own
// benchmarks; 0 for one-input kernels.
func Channels(k, n int) int {
	c := Kernels[k].Channels
	if c > 0 && n%c != 0 {
		return n
	}
	return c
}

// Func applies a kernel to x (and y, PReLU's slope), writing dst.
type Func = api.Func

// A Peer is one implementation of the kernels. Setup returns the call to
// time on dst, x and y, or nil if the peer has no such kernel; its buffers
// must come from Alloc (XNNPACK keeps the pointers).
type Peer struct {
	Name  string
	Setup func(k int, dst, x, y []float32, alpha float32) func()
}

// Run applies kernel k of p once; it reports false if p lacks the kernel.
func (p Peer) Run(k int, dst, x, y []float32, alpha float32) bool {
	f := p.Setup(k, dst, x, y, alpha)
	if f != nil {
		f()
	}
	return f != nil
}

// Peers lists rectify first, then its peers.
var Peers = []Peer{
	indexed("rectify", public),
	{"XNNPACK", xnnpack},
	named("SLEEF", map[string]Func{
		"ELU": sleef(C.ELU), "Softplus": sleef(C.Softplus), "Sigmoid": sleef(C.Sigmoid),
		"SELU": sleef(C.SELU), "Tanh": sleef(C.Tanh), "SiLU": sleef(C.SiLU), "GELU": sleef(C.GELU),
		"GELUTanh": sleef(C.GELUTanh), "Exp": sleef(C.Exp),
	}),
	// vek32 has no ELU, Softplus, SELU, Tanh, GELU or PReLU (nor expm1,
	// log1p, tanh or erf); its ReLU is MaximumNumber, its LeakyReLU max(x,
	// alpha*x), its Sigmoid four passes: Neg, Exp, AddNumber 1, Inv, its
	// SiLU the same and Mul by x.
	named("vek32", map[string]Func{
		"ReLU": func(dst, x, _ []float32, _ float32) { vek32.MaximumNumber_Into(dst, x, 0) },
		"LeakyReLU": func(dst, x, _ []float32, a float32) {
			vek32.MulNumber_Into(dst, x, a)
			vek32.Maximum_Inplace(dst, x)
		},
		"Sigmoid": func(dst, x, _ []float32, _ float32) {
			vek32.Neg_Into(dst, x)
			vek32.Exp_Inplace(dst)
			vek32.AddNumber_Inplace(dst, 1)
			vek32.Inv_Inplace(dst)
		},
		"SiLU": func(dst, x, _ []float32, _ float32) {
			vek32.Neg_Into(dst, x)
			vek32.Exp_Inplace(dst)
			vek32.AddNumber_Inplace(dst, 1)
			vek32.Inv_Inplace(dst)
			vek32.Mul_Inplace(dst, x)
		},
		"Exp": func(dst, x, _ []float32, _ float32) { vek32.Exp_Into(dst, x) },
	}),
	naive(),
	copies(),
}

// copies is copy() of the same bytes for every kernel: the roofline.
func copies() Peer {
	return Peer{"copy()", func(_ int, dst, x, _ []float32, _ float32) func() {
		return func() { copy(dst, x) }
	}}
}

// indexed makes a peer of one Func per kernel, in the order of Kernels.
func indexed(name string, fs []Func) Peer {
	return Peer{name, func(k int, dst, x, y []float32, a float32) func() {
		f := fs[k]
		return func() { f(dst, x, y, a) }
	}}
}

// named makes a peer of the Funcs of the kernels it names.
func named(name string, fs map[string]Func) Peer {
	return Peer{name, func(k int, dst, x, y []float32, a float32) func() {
		f := fs[Kernels[k].Name]
		if f == nil {
			return nil
		}
		return func() { f(dst, x, y, a) }
	}}
}

// naive is the loop people write today with package math: the baseline of
// rectify's own benchmarks.
func naive() Peer {
	fs := make([]Func, len(Kernels))
	for k, kern := range Kernels {
		fs[k] = kern.Naive
	}
	return indexed("naive", fs)
}

func init() {
	if s := C.xnn_initialize(nil); s != C.xnn_status_success {
		panic(fmt.Sprintf("peers: xnn_initialize: status %d", s))
	}
}

// xnnKernels are the kernels XNNPACK (Debian's 2022 snapshot) has: no
// Softplus, SELU, Tanh, SiLU, GELU or Exp.
var xnnKernels = map[string]C.int{"ReLU": C.ReLU, "LeakyReLU": C.LeakyReLU, "ELU": C.ELU, "Sigmoid": C.Sigmoid, "PReLU": C.PReLU}

// xnnpack sets up XNNPACK's operator for kernel k on dst, x and y (outside
// the timed loop) and returns the call that runs it.
func xnnpack(k int, dst, x, y []float32, a float32) func() {
	c, ok := xnnKernels[Kernels[k].Name]
	if !ok || len(x) == 0 {
		return nil
	}
	var s C.int
	if c == C.PReLU {
		s = C.xnnPReLU(ptr(dst), ptr(x), ptr(y), C.size_t(len(y)), C.size_t(len(x)))
	} else {
		s = C.xnnSetup(c, C.float(a), ptr(dst), ptr(x), C.size_t(len(x)))
	}
	if s != 0 {
		panic(fmt.Sprintf("peers: XNNPACK setup of %s: status %d", Kernels[k].Name, s))
	}
	return func() {
		if s := C.xnnRun(c); s != 0 {
			panic(fmt.Sprintf("peers: XNNPACK %s: status %d", Kernels[k].Name, s))
		}
	}
}

// sleef returns SLEEF's loop for the C code's kernel k.
func sleef(k C.int) Func {
	return func(dst, x, _ []float32, a float32) {
		if len(x) > 0 {
			C.sleef(k, ptr(dst), ptr(x), C.size_t(len(x)), C.float(a))
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

// XNNSoftmax sets up XNNPACK's softmax_nc_f32 on rows of cols elements of
// x (outside the timed loop) and returns the call that runs it.
func XNNSoftmax(dst, x []float32, cols int) func() {
	if s := C.xnnSoftmaxSetup(ptr(dst), ptr(x), C.size_t(cols), C.size_t(len(x)/cols)); s != 0 {
		panic(fmt.Sprintf("peers: XNNPACK softmax setup: status %d", s))
	}
	return func() {
		if s := C.xnnSoftmaxRun(); s != 0 {
			panic(fmt.Sprintf("peers: XNNPACK softmax: status %d", s))
		}
	}
}
