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

// TestNoisyConstants rederives the constants of kernels/noisy.go.
func TestNoisyConstants(t *testing.T) {
	ln2, _, _ := big.ParseFloat(ln2Digits, 10, 400, big.ToNearestEven)
	pi, _, _ := big.ParseFloat(piDigits, 10, 400, big.ToNearestEven)
	l, _ := ln2.Float64()
	hi := math.Float64frombits(math.Float64bits(l) &^ (1<<12 - 1))
	lo, _ := new(big.Float).SetPrec(400).Sub(ln2, big.NewFloat(hi)).Float64()
	hp, _ := new(big.Float).SetPrec(400).Quo(pi, big.NewFloat(2)).Float64()
	fact := func(k int) float64 {
		f := 1.0
		for i := 2; i <= k; i++ {
			f *= float64(i)
		}
		return f
	}
	sign := func(k int) float64 { return float64(1 - 2*(k/2%2)) } // + - + - for k/2 = 0, 1, 2, 3
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"NoisySqrt2", NoisySqrt2, math.Sqrt(2)},
		{"NoisyLn2Hi", NoisyLn2Hi, hi},
		{"NoisyLn2Lo", NoisyLn2Lo, lo},
		{"NoisyHalfPiScaled", NoisyHalfPiScaled, hp * 0x1p-30},
		{"NoisyLogQ3", NoisyLogQ3, 1.0 / 3}, {"NoisyLogQ5", NoisyLogQ5, 1.0 / 5}, {"NoisyLogQ7", NoisyLogQ7, 1.0 / 7},
		{"NoisyLogQ9", NoisyLogQ9, 1.0 / 9}, {"NoisyLogQ11", NoisyLogQ11, 1.0 / 11}, {"NoisyLogQ13", NoisyLogQ13, 1.0 / 13},
		{"NoisyLogQ15", NoisyLogQ15, 1.0 / 15},
		{"NoisySin3", NoisySin3, sign(3) / fact(3)}, {"NoisySin5", NoisySin5, sign(5) / fact(5)},
		{"NoisySin7", NoisySin7, sign(7) / fact(7)}, {"NoisySin9", NoisySin9, sign(9) / fact(9)},
		{"NoisySin11", NoisySin11, sign(11) / fact(11)},
		{"NoisyCos2", NoisyCos2, sign(2) / fact(2)}, {"NoisyCos4", NoisyCos4, sign(4) / fact(4)},
		{"NoisyCos6", NoisyCos6, sign(6) / fact(6)}, {"NoisyCos8", NoisyCos8, sign(8) / fact(8)},
		{"NoisyCos10", NoisyCos10, sign(10) / fact(10)}, {"NoisyCos12", NoisyCos12, sign(12) / fact(12)},
	} {
		if math.Float64bits(c.got) != math.Float64bits(c.want) {
			t.Errorf("%s = %x, want %x", c.name, c.got, c.want)
		}
	}
	if math.Float64bits(NoisyLn2Hi)&(1<<12-1) != 0 {
		t.Errorf("NoisyLn2Hi has set low bits")
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
