package fma32

import (
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"os"
	"testing"
)

// The exact reference works on integers: every finite a*b+c is a multiple of
// 2^refExp, the smallest float32 product 2^-149 * 2^-149.
const refExp = -298

// reference computes the exact a*b+c with math/big and rounds it to float32
// with round; it reuses its big.Int scratch space.
type reference struct{ x, t, u, half big.Int }

func (r *reference) fma(a, b, c float32) float32 {
	inf := func(neg bool) float32 {
		if neg {
			return float32(math.Inf(-1))
		}
		return float32(math.Inf(1))
	}
	nan := float32(math.NaN())
	isInf := func(f float32) bool { return math.IsInf(float64(f), 0) }
	if a != a || b != b || c != c {
		return nan
	}
	negP := math.Signbit(float64(a)) != math.Signbit(float64(b))
	negC := math.Signbit(float64(c))
	if isInf(a) || isInf(b) {
		if a == 0 || b == 0 || isInf(c) && negC != negP {
			return nan
		}
		return inf(negP)
	}
	if isInf(c) {
		return c
	}
	ma, ea := split(a)
	mb, eb := split(b)
	mc, ec := split(c)
	r.x.SetUint64(ma * mb)
	r.x.Lsh(&r.x, uint(ea+eb-refExp))
	if negP {
		r.x.Neg(&r.x)
	}
	r.t.SetUint64(mc)
	r.t.Lsh(&r.t, uint(ec-refExp))
	if negC {
		r.t.Neg(&r.t)
	}
	r.x.Add(&r.x, &r.t)
	if r.x.Sign() == 0 {
		// An exact zero is +0 unless a*b and c are both -0 (nonzero
		// addends that cancel have opposite signs).
		if negP && negC {
			return float32(math.Copysign(0, -1))
		}
		return 0
	}
	return r.round(&r.x)
}

// split returns m and e with |f| = m * 2^e, for finite f.
func split(f float32) (m uint64, e int) {
	bits := math.Float32bits(f)
	m = uint64(bits & (1<<23 - 1))
	exp := int(bits >> 23 & 0xff)
	if exp == 0 {
		return m, -149
	}
	return m | 1<<23, exp - 150
}

// round returns x * 2^refExp rounded to the nearest float32, ties to even,
// on the float32 grid: 24 significant bits for normal values, multiples of
// 2^-149 below 2^-126, ±Inf from MaxFloat32 + 2^103 up. x must not be 0.
func (r *reference) round(x *big.Int) float32 {
	r.t.Abs(x)
	e := r.t.BitLen() - 1 + refExp // 2^e <= |value| < 2^(e+1)
	q := max(e-23, -149)           // the spacing of float32 values there
	sh := uint(q - refExp)
	r.u.Rsh(&r.t, sh)
	m := r.u.Uint64()
	r.u.Lsh(&r.u, sh)
	r.u.Sub(&r.t, &r.u) // the remainder, below 2^sh
	r.half.SetUint64(0)
	r.half.SetBit(&r.half, int(sh-1), 1)
	if cmp := r.u.Cmp(&r.half); cmp > 0 || cmp == 0 && m&1 == 1 {
		m++
	}
	v := math.Ldexp(float64(m), q) // exact: m <= 2^24
	if v > math.MaxFloat32 {       // Go leaves float32(v) implementation-dependent here
		v = math.Inf(1)
	}
	if x.Sign() < 0 {
		v = -v
	}
	return float32(v)
}

// naive is the double-rounding formula that FMA replaces.
func naive(a, b, c float32) float32 {
	return float32(math.FMA(float64(a), float64(b), float64(c)))
}

// same reports whether got is want, bit for bit, or both are NaN.
func same(got, want float32) bool {
	return math.Float32bits(got) == math.Float32bits(want) || got != got && want != want
}

// checker compares FMA with the reference on many inputs and counts the
// inputs on which the naive formula is wrong.
type checker struct {
	t        *testing.T
	ref      reference
	n, naive int
	errs     int
}

func (ck *checker) check(a, b, c float32) {
	ck.t.Helper()
	ck.n++
	want := ck.ref.fma(a, b, c)
	got := FMA(a, b, c)
	if !same(got, want) || got != got && math.Float32bits(got)&0x00400000 == 0 {
		ck.errs++
		if ck.errs <= 10 {
			ck.t.Errorf("FMA(%x, %x, %x) = %x (%#08x), want %x (%#08x)",
				a, b, c, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
	if !same(naive(a, b, c), want) {
		ck.naive++
	}
}

func (ck *checker) done() {
	ck.t.Helper()
	ck.t.Logf("%d inputs, %d failures, naive formula wrong on %d", ck.n, ck.errs, ck.naive)
}

// count scales a number of random inputs: /8 with -short, x16 with
// FMA32_LONG=1.
func count(n int) int {
	if os.Getenv("FMA32_LONG") == "1" {
		return n * 16
	}
	if testing.Short() {
		return n / 8
	}
	return n
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x666d613332)) }

// randExp returns a random float32 in [2^e, 2^(e+1)), -149 <= e <= 127, with
// a random sign. Sparse mantissas end in a random number of zero bits, which
// makes exact sums and ties frequent.
func randExp(rng *rand.Rand, e int, sparse bool) float32 {
	frac := rng.Uint32()
	if sparse {
		frac &^= 1<<rng.IntN(24) - 1
	}
	var bits uint32
	if e >= -126 {
		bits = uint32(e+127)<<23 | frac&(1<<23-1)
	} else {
		n := uint(e + 149)
		bits = 1<<n | frac&(1<<n-1)
	}
	return math.Float32frombits(bits | rng.Uint32()&0x80000000)
}

// randProduct returns random a and b whose product lies in [2^e, 2^(e+2)),
// -298 <= e <= 254.
func randProduct(rng *rand.Rand, e int, sparse bool) (a, b float32) {
	lo, hi := max(-149, e-127), min(127, e+149)
	ea := lo + rng.IntN(hi-lo+1)
	return randExp(rng, ea, sparse), randExp(rng, e-ea, sparse)
}

func clampExp(e int) int { return min(max(e, -149), 127) }

func f32(bits uint32) float32 { return math.Float32frombits(bits) }

// TestReferenceRounding checks the reference's rounding against fixed values
// and against big.Float's Float32, which claims to round to nearest even
// including subnormal results and overflow.
func TestReferenceRounding(t *testing.T) {
	var r reference
	// val returns m1*2^e1 + m2*2^e2 + ... in units of 2^refExp.
	val := func(terms ...int64) *big.Int {
		x, t := new(big.Int), new(big.Int)
		for i := 0; i < len(terms); i += 2 {
			t.Lsh(big.NewInt(terms[i]), uint(terms[i+1]-refExp))
			x.Add(x, t)
		}
		return x
	}
	for _, tc := range []struct {
		x    *big.Int
		want uint32
	}{
		{val(1, -150), 0x00000000},                          // tie between 0 and 2^-149
		{val(-1, -150), 0x80000000},                         // ... of either sign
		{val(1, -150, 1, -298), 0x00000001},                 // just above it
		{val(1, -150, -1, -298), 0x00000000},                // just below it
		{val(3, -150), 0x00000002},                          // tie between 2^-149 and 2^-148
		{val(5, -150), 0x00000002},                          // tie between 2*2^-149 and 3*2^-149
		{val(1<<24-1, -150), 0x00800000},                    // tie between the largest subnormal and 2^-126
		{val(1<<24-1, -150, -1, -298), 0x007fffff},          // just below it
		{val(0x7fffff, -149, 1, -151), 0x007fffff},          // a subnormal plus a quarter of its spacing
		{val(0x7ffffe, -149, 1, -150), 0x007ffffe},          // subnormal tie to even, down
		{val(0x7ffffd, -149, 1, -150), 0x007ffffe},          // subnormal tie to even, up
		{val(0x7ffffe, -149, 1, -150, 1, -298), 0x007fffff}, // just above a subnormal tie
		{val(-0x7ffffe, -149, -1, -150, -1, -298), 0x807fffff},
		{val(1<<23+1, -149), 0x00800001}, // a normal value, exact
		{val(1<<24+1, -24), 0x3f800000},  // 1+2^-24
		{val(1<<24+1, -24, 1, -298), 0x3f800001},
		{val(1<<24+3, -24), 0x3f800002},           // 1+3*2^-24
		{val(1<<24-1, 0), 0x4b7fffff},             // 2^24-1, exact
		{val(1<<25-1, 0), 0x4c000000},             // 2^25-1, a tie, rounds up to 2^25
		{val(1<<25-3, 0), 0x4bfffffe},             // 2^25-3, a tie, rounds down
		{val(1<<25-1, 103), 0x7f800000},           // MaxFloat32+2^103 overflows
		{val(1<<25-1, 103, -1, -298), 0x7f7fffff}, // just below it does not
		{val(-(1<<25 - 1), 103, 1, -298), 0xff7fffff},
		{val(1, 200), 0x7f800000},  // far past MaxFloat32
		{val(1, -298), 0x00000000}, // the smallest product
	} {
		if got := r.round(tc.x); math.Float32bits(got) != tc.want {
			t.Errorf("round(%v * 2^%d) = %#08x, want %#08x", tc.x, refExp, math.Float32bits(got), tc.want)
		}
		if got := bigFloat32(tc.x); math.Float32bits(got) != tc.want {
			t.Errorf("big.Float(%v * 2^%d).Float32() = %#08x, want %#08x", tc.x, refExp, math.Float32bits(got), tc.want)
		}
	}

	// Every float32 value and rounding midpoint of a sample (the smallest
	// subnormals, both sides of 2^-126, random values and the largest),
	// offset by 0, ±1 and ± powers of two in units of 2^refExp.
	rng := newRand(1)
	n, x, d := 0, new(big.Int), new(big.Int)
	compare := func() {
		n++
		if got, want := r.round(x), bigFloat32(x); !same(got, want) {
			t.Fatalf("round(%v * 2^%d) = %#08x, big.Float gives %#08x", x, refExp, math.Float32bits(got), math.Float32bits(want))
		}
	}
	q := count(1<<14) / 4
	for i := range 4 * q {
		bits := uint32(i % q)
		switch i / q {
		case 1:
			bits += 0x00800000 - uint32(q/2)
		case 2:
			bits = rng.Uint32N(0x7f800000)
		case 3:
			bits = 0x7f7fffff - bits
		}
		// v and v + half its float32 spacing, in units of 2^refExp.
		m, e := split(f32(bits))
		v := new(big.Int).Lsh(new(big.Int).SetUint64(2*m), uint(e-1-refExp))
		mid := new(big.Int).Add(v, new(big.Int).Lsh(big.NewInt(1), uint(e-1-refExp)))
		for _, base := range []*big.Int{v, mid} {
			for _, k := range []int{-1, 0, 1, 2, 40, 100, 140, 200} {
				if k < 0 {
					d.SetInt64(0)
				} else {
					d.Lsh(big.NewInt(1), uint(k))
				}
				for _, neg := range []bool{false, true} {
					for _, sign := range []int{1, -1} {
						x.Mul(d, big.NewInt(int64(sign)))
						x.Add(x, base)
						if neg {
							x.Neg(x)
						}
						if x.Sign() != 0 {
							compare()
						}
					}
				}
			}
		}
	}
	// Random integers of every length up to the largest exact sum.
	for range count(1 << 16) {
		buf := make([]byte, 1+rng.IntN(70))
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		x.SetBytes(buf)
		if rng.IntN(2) == 0 {
			x.Neg(x)
		}
		if x.Sign() != 0 {
			compare()
		}
	}
	t.Logf("%d values agree with big.Float", n)
}

// bigFloat32 returns x * 2^refExp rounded by big.Float's Float32.
func bigFloat32(x *big.Int) float32 {
	f := new(big.Float).SetInt(x) // exact: the precision follows x
	f.SetMantExp(f, refExp)
	v, _ := f.Float32()
	return v
}

// TestTable checks hand-computed cases, including ones where the naive
// double-rounding formula is wrong.
func TestTable(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	var ref reference
	for _, tc := range []struct {
		a, b, c     float32
		want, wrong uint32 // wrong: the naive result where it is wrong, else 0
	}{
		{inf, 0, 1, 0x7fc00000, 0},
		{0, -inf, 1, 0x7fc00000, 0},
		{inf, 0, nan, 0x7fc00000, 0},
		{inf, 1, -inf, 0x7fc00000, 0},
		{-inf, 1, inf, 0x7fc00000, 0},
		{inf, 2, inf, 0x7f800000, 0},
		{inf, -1, 5, 0xff800000, 0},
		{1, 2, -inf, 0xff800000, 0},
		{nan, 0, 0, 0x7fc00000, 0},
		{f32(0x7f800001), 1, 1, 0x7fc00000, 0}, // signalling NaN
		{1, 1, f32(0xff800001), 0x7fc00000, 0}, // signalling NaN
		{math.MaxFloat32, 2, -math.MaxFloat32, 0x7f7fffff, 0},
		{math.MaxFloat32, 2, 0, 0x7f800000, 0},
		{-math.MaxFloat32, 2, 0, 0xff800000, 0},
		{0x1p64, 0x1p64, -math.MaxFloat32, 0x73800000, 0}, // 2^104
		{0, 1, negZero, 0x00000000, 0},
		{negZero, 1, negZero, 0x80000000, 0},
		{0, -1, negZero, 0x80000000, 0},
		{0, -1, 0, 0x00000000, 0},
		{1, 1, -1, 0x00000000, 0},
		{-1, 1, 1, 0x00000000, 0},
		{-1, -1, -1, 0x00000000, 0},
		{0x1p-100, 0x1p-100, 0, 0x00000000, 0},
		{-0x1p-100, 0x1p-100, 0, 0x80000000, 0},
		{-0x1p-100, 0x1p-100, negZero, 0x80000000, 0},
		{0x1p-75, 0x1p-75, 0, 0x00000000, 0},        // 2^-150: tie, to 0
		{0x1p-75, 0x1.8p-75, 0, 0x00000001, 0},      // 1.5*2^-150
		{0x1p-75, 0x1p-75, 0x1p-149, 0x00000002, 0}, // 3*2^-150: tie, to 2^-148
		// (2^24+1) * 2^-24 + 2^-80 (NUMERICS.md §4): the float64 sum is
		// the midpoint 1+2^-24.
		{24929 * 0x1p-12, 673 * 0x1p-12, 0x1p-80, 0x3f800001, 0x3f800000},
		{-24929 * 0x1p-12, 673 * 0x1p-12, -0x1p-80, 0xbf800001, 0xbf800000},
		{24929 * 0x1p-12, 673 * 0x1p-12, -0x1p-80, 0x3f800000, 0},
		// (2^25-1) * 2^103 = MaxFloat32 + 2^103, where rounding overflows,
		// minus 1: MaxFloat32, where the naive formula overflows.
		{18631 * 0x1p60, 1801 * 0x1p43, -1, 0x7f7fffff, 0x7f800000},
		{18631 * 0x1p60, 1801 * 0x1p43, 1, 0x7f800000, 0},
		{18631 * 0x1p60, 1801 * 0x1p43, 0, 0x7f800000, 0},
		// A subnormal midpoint, (2^22+2.5) * 2^-149, plus 2^-186 from the
		// product (2^36+1) * 2^-186.
		{4097 * 0x1p-90, 16773121 * 0x1p-96, f32(0x00400002), 0x00400003, 0x00400002},
		{4097 * 0x1p-90, -16773121 * 0x1p-96, f32(0x80400002), 0x80400003, 0x80400002},
		// A discarded part of the other sign: (1+2^-23) + (2^-24 - 2^-70)
		// rounds down; the float64 sum is the midpoint, which ties up to even.
		{8388607 * 0x1p-35, 8388609 * 0x1p-35, 1 + 0x1p-23, 0x3f800001, 0x3f800002},
	} {
		got, nv := FMA(tc.a, tc.b, tc.c), naive(tc.a, tc.b, tc.c)
		want := f32(tc.want)
		if !same(got, want) || got != got && math.Float32bits(got)&0x00400000 == 0 {
			t.Errorf("FMA(%x, %x, %x) = %#08x, want %#08x", tc.a, tc.b, tc.c, math.Float32bits(got), tc.want)
		}
		if r := ref.fma(tc.a, tc.b, tc.c); !same(r, want) {
			t.Errorf("reference(%x, %x, %x) = %#08x, want %#08x", tc.a, tc.b, tc.c, math.Float32bits(r), tc.want)
		}
		if tc.wrong != 0 && math.Float32bits(nv) != tc.wrong {
			t.Errorf("naive(%x, %x, %x) = %#08x, expected the wrong %#08x", tc.a, tc.b, tc.c, math.Float32bits(nv), tc.wrong)
		}
		if tc.wrong == 0 && !same(nv, want) {
			t.Errorf("naive(%x, %x, %x) = %#08x, expected it right: %#08x", tc.a, tc.b, tc.c, math.Float32bits(nv), tc.want)
		}
	}
}

// TestSpecial checks every combination of special and boundary values.
func TestSpecial(t *testing.T) {
	var vals []float32
	for _, bits := range []uint32{
		0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x00400001, 0x007fffff, // 0, subnormals
		0x00800000, 0x00800001, 0x0c000000, 0x1a800000, 0x1a800001, 0x1ac00000, // 2^-126, 2^-103, 2^-74, 1.5*2^-74
		0x3f000000, 0x3f800000, 0x3f800001, 0x3fc00000, 0x3f7fffff, 0x4b800001, // 0.5, 1, 1.5, 2^24+2
		0x5f800000, 0x7effffff, 0x7f000000, 0x7f7fffff, 0x7f7ffffe, 0x33800000, // 2^64, 2^127, MaxFloat32, 2^-24
		0x7f800000, 0x7fc00000, 0x7f800001, 0x7fa12345, // Inf, quiet and signalling NaNs
	} {
		vals = append(vals, f32(bits), f32(bits|0x80000000))
	}
	ck := checker{t: t}
	for _, a := range vals {
		for _, b := range vals {
			for _, c := range vals {
				ck.check(a, b, c)
			}
		}
	}
	ck.done()
}

// TestRandom checks random inputs: random bits, and random mantissas with
// product and addend exponents a given distance apart.
func TestRandom(t *testing.T) {
	t.Run("bits", func(t *testing.T) {
		rng := newRand(2)
		ck := checker{t: t}
		for range count(1 << 20) {
			ck.check(f32(rng.Uint32()), f32(rng.Uint32()), f32(rng.Uint32()))
		}
		ck.done()
	})
	for _, tc := range []struct {
		name           string
		seed           uint64
		pmin, pmax     int // the product's exponent
		dmin, dmax     int // the addend's exponent minus the product's
		sparseFraction int // one input in sparseFraction has sparse mantissas
	}{
		{"nearby", 3, -200, 130, -60, 30, 4},
		{"sparse", 4, -200, 130, -60, 30, 1},
		{"cancel", 5, -200, 130, -2, 2, 2},
		{"subnormal", 6, -180, -120, -30, 10, 2},
		{"overflow", 7, 120, 135, -40, 5, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRand(tc.seed)
			ck := checker{t: t}
			for range count(1 << 19) {
				sparse := rng.IntN(tc.sparseFraction) == 0
				e := tc.pmin + rng.IntN(tc.pmax-tc.pmin+1)
				a, b := randProduct(rng, e, sparse)
				c := randExp(rng, clampExp(e+tc.dmin+rng.IntN(tc.dmax-tc.dmin+1)), sparse)
				ck.check(a, b, c)
			}
			ck.done()
		})
	}
}

// TestHardCases checks inputs built so that the float64 sum of the naive
// formula lands exactly on a float32 rounding midpoint, with or without a
// discarded part, and inputs that cancel. The naive formula must fail on some
// of them, or they test nothing.
func TestHardCases(t *testing.T) {
	t.Run("product midpoint, small addend", func(t *testing.T) {
		// a*b = N * 2^k with N odd, 2^24 < N < 2^25: a float32 midpoint
		// (of the normal range; the overflow threshold for N = 2^25-1,
		// k = 103); c adds a discarded part of either sign, or nothing.
		rng := newRand(8)
		ck := checker{t: t}
		for ck.n < count(1<<17) {
			n := uint64(1<<24 + 1 + 2*rng.IntN(1<<23))
			if rng.IntN(64) == 0 {
				n = 1<<25 - 1
			}
			f := uint64(0)
			for d := uint64(3); d*d <= n; d += 2 {
				if n%d == 0 {
					f = d
					break
				}
			}
			if f == 0 {
				continue // prime
			}
			g := n / f
			k := -150 + rng.IntN(254)
			if n == 1<<25-1 && rng.IntN(2) == 0 {
				k = 103
			}
			blf, blg := bits.Len64(f), bits.Len64(g)
			lo, hi := max(-149, k-128+blg), min(128-blf, k+149)
			ka := lo + rng.IntN(hi-lo+1)
			a := float32(math.Ldexp(float64(f), ka))
			b := float32(math.Ldexp(float64(g), k-ka))
			var c float32
			if rng.IntN(8) != 0 {
				c = randExp(rng, clampExp(k+24-20-rng.IntN(110)), rng.IntN(2) == 0)
			}
			if rng.IntN(2) == 0 {
				a = -a
			}
			ck.check(a, b, c)
		}
		ck.done()
		if ck.naive == 0 {
			t.Error("the naive formula is right on every input: the cases test nothing")
		}
	})
	for _, tc := range []struct {
		name string
		seed uint64
		v    func(*rand.Rand) float32 // the float32 below the midpoint
	}{
		{"addend midpoint, product tail", 9, func(rng *rand.Rand) float32 { return f32(rng.Uint32N(0x7f800000)) }},
		{"addend midpoint, subnormal", 10, func(rng *rand.Rand) float32 { return f32(rng.Uint32N(0x00800000)) }},
		{"addend midpoint, overflow", 11, func(rng *rand.Rand) float32 {
			return f32(0x7f7fffff - rng.Uint32N(2))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRand(tc.seed)
			ck := checker{t: t}
			var ties, above, below int
			for ck.n < count(1<<17) {
				a, b, c, d, ok := midpointCase(rng, tc.v(rng), ck.n%4 == 0)
				if !ok {
					continue
				}
				switch {
				case d == 0:
					ties++
				case d > 0:
					above++
				default:
					below++
				}
				if rng.IntN(2) == 0 {
					a, c = -a, -c
				}
				if rng.IntN(2) == 0 {
					a, b = b, a
				}
				ck.check(a, b, c)
			}
			ck.done()
			t.Logf("exact ties %d, discarded part above %d, below %d", ties, above, below)
			if ck.naive == 0 || ties == 0 || above == 0 || below == 0 {
				t.Error("missing kinds of cases: they test too little")
			}
		})
	}
	t.Run("cancellation", func(t *testing.T) {
		// c = -a*b rounded to float32, moved by up to 3 float32 spacings.
		rng := newRand(12)
		ck := checker{t: t}
		for range count(1 << 17) {
			a, b := randProduct(rng, -190+rng.IntN(320), rng.IntN(2) == 0)
			c := -float32(float64(a) * float64(b))
			for range rng.IntN(4) {
				c = math.Nextafter32(c, float32(rng.NormFloat64()))
			}
			ck.check(a, b, c)
		}
		ck.done()
	})
}

// midpointCase returns a, b and c such that the float64 sum float64(a*b)+c
// is exactly the float32 rounding midpoint m above v >= 0, with c a float32
// within two float32 spacings of m, and d = a*b+c - m, exactly: 0 when tie
// is set, else nonzero. It fails (ok false) when it finds no such a and b
// after some tries: where m is tiny, none exist.
func midpointCase(rng *rand.Rand, v float32, tie bool) (a, b, c float32, d float64, ok bool) {
	w := float64(math.Nextafter32(v, float32(math.Inf(1))))
	if v == math.MaxFloat32 {
		w = 0x1p128 // the midpoint is the overflow threshold
	}
	m := (float64(v) + w) / 2
	cs := []float32{v, math.Nextafter32(v, 0)}
	if v != math.MaxFloat32 {
		cs = append(cs, float32(w), math.Nextafter32(float32(w), float32(math.Inf(1))))
	}
	c = cs[rng.IntN(len(cs))]
	if math.IsInf(float64(c), 0) {
		return 0, 0, 0, 0, false
	}
	t := m - float64(c) // exact: an odd multiple of half a float32 spacing
	_, et := math.Frexp(math.Abs(t))
	et-- // 2^et <= |t| < 2^(et+1)
	lo, hi := max(-126, et-126), min(127, et+126)
	if lo > hi {
		return 0, 0, 0, 0, false
	}
	if tie {
		// a = t / 2^eb, exact when it is a float32.
		eb := lo + rng.IntN(hi-lo+1)
		a = float32(math.Ldexp(t, -eb))
		b = float32(math.Ldexp(1, eb))
		return a, b, c, 0, float64(a)*float64(b) == t
	}
	for range 256 {
		a = randExp(rng, lo+rng.IntN(hi-lo+1), false)
		b0 := float32(t / float64(a))
		for _, b = range []float32{b0, math.Nextafter32(b0, 0), math.Nextafter32(b0, 2*b0)} {
			p := float64(float64(a) * float64(b))
			if float64(c)+p == m && p != t {
				return a, b, c, p - t, true
			}
		}
	}
	return 0, 0, 0, 0, false
}

var sink float32

// benchInputs returns random inputs: a*b and c with nearby exponents, and
// b and c in [0.5, 1), which keep a chain r = FMA(r, b, c) finite.
func benchInputs() (a, b, c, bs, cs []float32) {
	rng := newRand(13)
	for range 1024 {
		e := -60 + rng.IntN(120)
		x, y := randProduct(rng, e, false)
		a, b = append(a, x), append(b, y)
		c = append(c, randExp(rng, clampExp(e-30+rng.IntN(40)), false))
		bs = append(bs, float32(0.5+rng.Float64()/2))
		cs = append(cs, float32(0.5+rng.Float64()/2))
	}
	return a, b, c, bs, cs
}

// BenchmarkFMA times FMA beside the naive double-rounding formula.
// Throughput: independent calls. Latency: each call takes the previous
// result. Both are called through a function value, alike.
func BenchmarkFMA(b *testing.B) {
	x, y, z, ys, zs := benchInputs()
	dst := make([]float32, len(x))
	for _, c := range []struct {
		name string
		f    func(a, b, c float32) float32
	}{{"exact", FMA}, {"naive", naive}} {
		b.Run(c.name+"/throughput", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				j := i & 1023
				dst[j] = c.f(x[j], y[j], z[j])
			}
		})
		b.Run(c.name+"/latency", func(b *testing.B) {
			r := float32(1)
			for i := 0; i < b.N; i++ {
				j := i & 1023
				r = c.f(r, ys[j], zs[j])
			}
			sink = r
		})
	}
}
