//go:build cgo && amd64

// Command table runs the peer benchmark and the ULP test of package peers
// and prints them as Markdown: per kernel and size, each peer's median
// ns/element and rectify's time relative to it (rectify's time ÷ the
// peer's: below 1, rectify is faster), then each peer's error in ULPs.
// `make bench-peers` runs it.
//
//	go run ./cmd/table                               # all sizes, 5 rounds (-count 5)
//	go run ./cmd/table -sizes 16,4Ki -count 1 -benchtime 3x
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/bench/internal/report"
	"github.com/rectify-go/rectify/bench/peers"
)

const pkg = "github.com/rectify-go/rectify/bench/peers"

func main() {
	count := flag.Int("count", 5, "rounds of every benchmark; the table shows medians")
	benchtime := flag.String("benchtime", "100ms", "go test -benchtime for each run")
	sizes := flag.String("sizes", "16,256,4Ki,64Ki,1Mi,16Mi", "sizes, e.g. 16,4Ki,16Mi")
	flag.Parse()
	if *count < 1 {
		fmt.Fprintf(os.Stderr, "table: -count %d: want at least 1\n", *count)
		os.Exit(2)
	}

	// Rounds of go test -count 1, not one -count run, which repeats each
	// benchmark back to back: rectify's and a peer's samples then come
	// from the same minutes of a shared machine (as in bench/cmd/table).
	args := []string{"test", "-run", "^$", "-bench", "^BenchmarkPeers$", "-benchtime", *benchtime,
		"-count", "1", "-timeout", "0", pkg, "-sizes", *sizes}
	fmt.Fprintf(os.Stderr, "table: %d rounds of go %s\n", *count, strings.Join(args, " "))
	var raw []byte
	for range *count {
		raw = append(raw, goCmd(args...)...)
	}
	// Median ns/op per kernel, peer and size, in order of appearance.
	times := map[[3]string][]float64{}
	var sizeOrder []string
	line := regexp.MustCompile(`^BenchmarkPeers/([^/]+)/([^/]+)/n=(\w+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)
	for sc := bufio.NewScanner(bytes.NewReader(raw)); sc.Scan(); {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			v, _ := strconv.ParseFloat(m[4], 64)
			times[[3]string{m[1], m[2], m[3]}] = append(times[[3]string{m[1], m[2], m[3]}], v)
			if !slices.Contains(sizeOrder, m[3]) {
				sizeOrder = append(sizeOrder, m[3])
			}
		}
	}
	nsPerElem := func(k, p, n string) float64 {
		t := times[[3]string{k, strings.TrimSuffix(p, "()"), n}]
		if len(t) == 0 {
			return 0
		}
		slices.Sort(t)
		return (t[(len(t)-1)/2] + t[len(t)/2]) / 2 / float64(must(report.ParseSize(n)))
	}

	fmt.Printf("## rectify beside its peers\n\n%s, %d logical cores · %s/%s · %s · rectify.Implementation() = %q · SLEEF %d-wide\n\n",
		strings.TrimSpace(cpuid.CPU.BrandName), cpuid.CPU.LogicalCores, runtime.GOOS, runtime.GOARCH,
		runtime.Version(), rectify.Implementation(), peers.SleefWidth())
	fmt.Printf("Medians of %d rounds (-count), -benchtime %s. ns/element (rectify's time ÷ the peer's; below 1.00 rectify is faster); –: the peer has no such kernel.\n\n", *count, *benchtime)
	fmt.Print("| kernel | n |")
	for _, p := range peers.Peers {
		fmt.Printf(" %s |", p.Name)
	}
	fmt.Printf("\n|---|--:|%s\n", strings.Repeat("--:|", len(peers.Peers)))
	for _, k := range peers.Kernels {
		for _, n := range sizeOrder {
			r := nsPerElem(k.Name, peers.Peers[0].Name, n)
			fmt.Printf("| %s | %s | %s |", k.Name, n, num(r))
			for _, p := range peers.Peers[1:] {
				if t := nsPerElem(k.Name, p.Name, n); t == 0 {
					fmt.Print(" – |")
				} else {
					fmt.Printf(" %s (%.2f) |", num(t), r/t)
				}
			}
			fmt.Println()
		}
	}
	fmt.Println()

	// The ULP tables: the test's own output, less go test's lines.
	for _, l := range strings.Split(string(goCmd("test", "-run", "^TestULP$", "-v", "-count", "1", pkg)), "\n") {
		if !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- ") && l != "PASS" && !strings.HasPrefix(l, "ok ") {
			fmt.Println(l)
		}
	}
}

func goCmd(args ...string) []byte {
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		os.Stderr.Write(out)
		fmt.Fprintln(os.Stderr, "table: go test:", err)
		os.Exit(1)
	}
	return out
}

func num(v float64) string {
	switch {
	case v == 0:
		return "–"
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func must(n int, err error) int {
	if err != nil {
		panic(err)
	}
	return n
}
