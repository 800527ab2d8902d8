// Package rectify provides fast, exact activation kernels over []float32:
// ReLU, LeakyReLU, PReLU, ELU, SELU, Softplus, Sigmoid, Tanh, SiLU, GELU,
// GELUTanh and Exp, the row kernels Softmax, LogSoftmax and LogSumExp,
// and for training the gradients ReLUGrad through GELUTanhGrad, ExpGrad,
// PReLUGrad, SoftmaxGrad, LogSoftmaxGrad and LogSumExpGrad, and the
// reproducible noisy ReLU NoisyReLU: drop-in replacements for the loops
// that Go inference and training code writes by hand.
//
// # Kernels
//
// Every function writes f(x[i]) to dst[i] for each i (PReLU: f(x[i],
// slope[i%len(slope)]), one slope per channel of channels-last data). dst
// and x must have the same length; dst may be x itself (in place), but any
// other overlap panics, as does a length mismatch. The functions allocate
// nothing, start no goroutines and are safe for concurrent use.
//
// A gradient kernel writes dy[i]·f'(x[i]) to dx[i], from the forward input
// x and the incoming gradient dy; dx may be x or dy, any other overlap of
// dx panics.
//
// The row kernels take x as len(x)/cols contiguous rows of cols elements;
// their sums have one fixed order (16 interleaved compensated float64
// partial sums, combined pairwise), so they too give the same bits on
// every path.
//
// # Accuracy
//
// ReLU, LeakyReLU and PReLU are exact. Every other kernel (ELU for alpha
// in [0.01, 10]) is within 1 ULP of the true value for every one of the
// 2^32 inputs (see the README's accuracy table): each runs a fixed
// sequence of IEEE operations, float32 with the rounding errors that
// matter recovered by exact transformations, or float64 (GELU), rounded
// once (package kernels). Subnormal results are computed, never flushed. A
// NaN input to any kernel but ReLU, LeakyReLU and PReLU returns the same
// NaN quieted.
//
// # Reproducibility
//
// Every kernel set (AVX-512, AVX2, NEON and pure Go) runs the same
// operation sequence, with the constants of package kernels, and returns the
// same bits for every input, on every machine, tails included. This
// assumes the default floating-point environment (round to nearest, no
// flush-to-zero), which Go programs run in unless C code changes it.
//
// # Dispatch
//
// The kernel set is chosen once at start-up: "avx512" (AVX-512 F, BW, DQ
// and VL with the OS saving ZMM state), "avx2" (AVX2 and FMA), "neon"
// (every arm64) or "generic" (pure Go, everything else). Implementation
// names the choice. Long slices are processed in chunks so that the
// garbage collector is never held off for long.
//
// # Environment
//
// RECTIFY_ISA=avx512|avx2|neon|generic lowers the choice, never above what
// the CPU supports; an unknown value is ignored. GODEBUG=cpu.avx512f=off
// (and the other cpu.* settings of golang.org/x/sys/cpu) is honoured.
//
// # Build tags
//
// The purego and noasm tags both build without any assembly: every
// function then runs the pure-Go kernels of package fallback.
package rectify
