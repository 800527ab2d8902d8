package noisy

import "testing"

// TestPhilox2 checks the interleaved pair of blocks against Block, the
// block after 2^62-1 being block 0 (index 2^64 is index 0).
func TestPhilox2(t *testing.T) {
	for _, c := range []struct{ seed, b, next uint64 }{
		{0, 0, 1}, {1, 1<<32 - 1, 1 << 32}, {1<<64 - 1, 1<<62 - 1, 0}, {0x123456789, 0xabcdef, 0xabcdf0},
	} {
		p, q := philox2(c.seed, c.b)
		if p != Block(c.seed, c.b) || q != Block(c.seed, c.next) {
			t.Errorf("philox2(%#x, %#x) differs from Block", c.seed, c.b)
		}
	}
}

var (
	sink  [4]float32
	sinkw [4]uint32
)

// The parts of the generator, one at a time (go test -bench . ./internal/noisy).

func BenchmarkNormals(b *testing.B) {
	for i := range b.N {
		sink = Normals(1, uint64(i))
	}
}

func BenchmarkBlock(b *testing.B) {
	for i := range b.N {
		sinkw = Block(1, uint64(i))
	}
}

func BenchmarkBoxMuller(b *testing.B) {
	for i := range b.N {
		sink[0], sink[1] = BoxMuller(uint32(i)*0x9e3779b9, uint32(i))
	}
}

func BenchmarkLog(b *testing.B) {
	for i := range b.N {
		sink[0] = logU(uint32(i) * 0x9e3779b9)
	}
}

func BenchmarkSincos(b *testing.B) {
	for i := range b.N {
		sink[0], sink[1] = sincosQuarter(uint32(i) * 0x9e3779b9)
	}
}
