package fallback_test

import "math"

// alphas are the parameters the kernels with one are tested with: the
// documented ELU range, its ends, and values outside it.
var alphas = []float32{1, 0.01, 0.2, 1.6732632, 10, 0, -1, 3e38, 1e-30,
	float32(math.Inf(1)), float32(math.NaN())}

// specialValues returns the inputs every kernel is tested on.
func specialValues() []float32 {
	var v []float32
	for _, b := range []uint32{
		0x00000000, 0x80000000, // ±0
		0x7f800000, 0xff800000, // ±Inf
		0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd00001, // quiet NaNs
		0x7f800001, 0xff800001, 0x7fa00000, 0xffbfffff, // signalling NaNs
		0x00000001, 0x80000001, 0x007fffff, 0x807fffff, // subnormals
		0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, // min normal, max
	} {
		v = append(v, math.Float32frombits(b))
	}
	// Thresholds of the kernels, a few ULP either side.
	for _, t := range []float32{1, 0.5, 14.556091, 17.32868, 32, 87.33655, 88.72284, 89.41599,
		103.972084, 104, 0x1p-24, 0x1p-25, 0x1p-12} {
		for _, s := range []float32{t, -t} {
			b := math.Float32bits(s)
			for d := uint32(0); d < 4; d++ {
				v = append(v, math.Float32frombits(b+d), math.Float32frombits(b-d))
			}
		}
	}
	return v
}
