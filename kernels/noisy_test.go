package kernels

import (
	"math"
	"math/big"
	"testing"
)

// ln2Digits and piDigits are ln 2 and pi to 100 digits.
const (
	ln2Digits = "0.6931471805599453094172321214581765680755001343602552541206800094933936219696947156058633269964186875"
	piDigits  = "3.1415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679"
)

// TestNoisyConstants rederives the constants of kernels/noisy.go: each
// the exact value rounded once to float32.
func TestNoisyConstants(t *testing.T) {
	parse := func(digits string) *big.Float {
		f, _, err := big.ParseFloat(digits, 10, 400, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	ln2, pi := parse(ln2Digits), parse(piDigits)
	f32 := func(x *big.Float) float32 { f, _ := x.Float32(); return f }
	quo := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(400).Quo(a, b) }
	// ln 2 in two parts of 18 significant bits.
	bits18 := func(x *big.Float) float32 {
		return f32(new(big.Float).SetPrec(18).SetMode(big.ToNearestEven).Set(x))
	}
	hi := bits18(ln2)
	fact := func(k int) *big.Float {
		f := new(big.Float).SetPrec(400).SetInt64(1)
		for i := 2; i <= k; i++ {
			f.Mul(f, big.NewFloat(float64(i)))
		}
		return f
	}
	// (-1)^(k/2) / k!: + - + - for k/2 = 0, 1, 2, 3.
	taylor := func(k int) float32 {
		v := quo(big.NewFloat(1), fact(k))
		if k/2%2 == 1 {
			v.Neg(v)
		}
		return f32(v)
	}
	sqrt2 := new(big.Float).SetPrec(400).Sqrt(big.NewFloat(2))
	for _, c := range []struct {
		name      string
		got, want float32
	}{
		{"NoisySqrt2", NoisySqrt2, f32(sqrt2)},
		{"NoisyLn2Hi", NoisyLn2Hi, hi},
		{"NoisyLn2Lo", NoisyLn2Lo, bits18(new(big.Float).SetPrec(400).Sub(ln2, big.NewFloat(float64(hi))))},
		{"NoisyHalfPiScaled", NoisyHalfPiScaled, f32(quo(pi, big.NewFloat(0x1p31)))},
		{"NoisyLogQ3", NoisyLogQ3, f32(quo(big.NewFloat(1), big.NewFloat(3)))},
		{"NoisyLogQ5", NoisyLogQ5, f32(quo(big.NewFloat(1), big.NewFloat(5)))},
		{"NoisyLogQ7", NoisyLogQ7, f32(quo(big.NewFloat(1), big.NewFloat(7)))},
		{"NoisyLogQ9", NoisyLogQ9, f32(quo(big.NewFloat(1), big.NewFloat(9)))},
		{"NoisySin3", NoisySin3, taylor(3)}, {"NoisySin5", NoisySin5, taylor(5)},
		{"NoisySin7", NoisySin7, taylor(7)}, {"NoisySin9", NoisySin9, taylor(9)},
		{"NoisyCos2", NoisyCos2, taylor(2)}, {"NoisyCos4", NoisyCos4, taylor(4)},
		{"NoisyCos6", NoisyCos6, taylor(6)}, {"NoisyCos8", NoisyCos8, taylor(8)},
		{"NoisyCos10", NoisyCos10, taylor(10)},
	} {
		if math.Float32bits(c.got) != math.Float32bits(c.want) {
			t.Errorf("%s = %x, want %x", c.name, c.got, c.want)
		}
	}
	// The multipliers and increments of the paper.
	if PhiloxM0 != 0xD2511F53 || PhiloxM1 != 0xCD9E8D57 || PhiloxW0 != 0x9E3779B9 || PhiloxW1 != 0xBB67AE85 {
		t.Errorf("Philox constants changed")
	}
	// W0 and W1: the fraction bits of the golden ratio and of sqrt(3).
	if w0 := uint32((math.Sqrt(5) - 1) / 2 * (1 << 32)); w0 != PhiloxW0 {
		t.Errorf("PhiloxW0 = %#x, golden ratio gives %#x", PhiloxW0, w0)
	}
	if w1 := uint32((math.Sqrt(3) - 1) * (1 << 32)); w1 != PhiloxW1 {
		t.Errorf("PhiloxW1 = %#x, sqrt(3) gives %#x", PhiloxW1, w1)
	}
}
