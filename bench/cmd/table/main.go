// Command table runs rectify's benchmarks and prints them as a Markdown
// table: per kernel, path and size, the median ns/element and GB/s, the
// time relative to copy() of the same bytes, and the speed-up over the
// naive Go loop and over the pure-Go fallback. `make bench` runs it.
//
//	go run ./bench/cmd/table                       # default sizes, 5 rounds (-count 5)
//	go run ./bench/cmd/table -sizes all            # every size, tiny ones too
//	go run ./bench/cmd/table -kernels <kernel>,<kernel> -sizes 1Ki,1Mi -count 10
//	go run ./bench/cmd/table -o raw.txt            # also keep go test's output (for benchstat)
//	go run ./bench/cmd/table -in raw.txt           # tabulate an earlier run
//
// All figures come from one run of the command, in -count rounds of every
// benchmark (go test -count 1 each), so every ratio compares medians of
// samples taken in the same minutes.
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
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"
	"github.com/rectify-go/rectify"
	"github.com/rectify-go/rectify/bench/internal/report"
	"github.com/rectify-go/rectify/internal/ir"
)

func main() {
	count := flag.Int("count", 5, "rounds of every benchmark; the table shows medians")
	benchtime := flag.String("benchtime", "200ms", "go test -benchtime for each run")
	sizes := flag.String("sizes", "default", "sizes: e.g. 4Ki,1Mi or sets tiny, large, default (4Ki,64Ki,1Mi,16Mi), all")
	kernels := flag.String("kernels", "", "kernels to run, comma-separated (default all)")
	in := flag.String("in", "", "tabulate this saved `go test -bench` output instead of running")
	out := flag.String("o", "", "also write go test's raw output to this file")
	verbose := flag.Bool("v", false, "echo go test's output to stderr while it runs")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments %q", flag.Args()))
	}

	var raw []byte
	var err error
	if *in != "" {
		raw, err = os.ReadFile(*in)
	} else {
		raw, err = run(*count, *benchtime, *sizes, *kernels, *verbose)
		if err == nil && *out != "" {
			err = os.WriteFile(*out, raw, 0o644)
		}
	}
	if err != nil {
		fail(err)
	}
	set, err := report.Parse(bytes.NewReader(raw))
	if err != nil {
		fail(err)
	}

	fmt.Printf("## rectify benchmarks\n\n")
	mark := ""
	if *in == "" {
		cpu := strings.TrimSpace(cpuid.CPU.BrandName)
		mark = rectify.Implementation()
		fmt.Printf("%s, %d logical cores · %s/%s · %s · rectify.Implementation() = %q\n\n",
			or(cpu, or(set.Config["cpu"], "unknown CPU")), cpuid.CPU.LogicalCores, runtime.GOOS, runtime.GOARCH, runtime.Version(), mark)
		fmt.Printf("Medians of %d rounds (-count), -benchtime %s.\n\n", *count, *benchtime)
	} else {
		// A saved run may come from another machine: describe it from its
		// own header lines.
		fmt.Printf("%s · %s/%s · medians from %s\n\n", or(set.Config["cpu"], "unknown CPU"),
			or(set.Config["goos"], "?"), or(set.Config["goarch"], "?"), *in)
	}
	if err := set.WriteTables(os.Stdout, mark); err != nil {
		fail(err)
	}
}

// run runs the benchmarks of the named kernels (all for "") and of copy()
// (Copy and Copy3) in count rounds of go test -count 1 and returns their
// output. Rounds, not one -count run: -count repeats each benchmark back to
// back, so a noisy minute of a shared machine slows every sample of the
// kernels it overlaps and none of the others, and a ratio between two
// kernels (a gradient over its forward kernel, a kernel over copy()) moves
// with it. In rounds each kernel's samples are spread over the whole run,
// and the medians of two kernels come from the same minutes.
func run(count int, benchtime, sizes, kernels string, verbose bool) ([]byte, error) {
	if _, err := report.ParseSizes(sizes); err != nil {
		return nil, err
	}
	if count < 1 {
		return nil, fmt.Errorf("-count %d: want at least 1", count)
	}
	var names, known []string
	for _, k := range ir.Kernels {
		known = append(known, k.Name)
		if kernels == "" {
			names = append(names, k.Name)
		}
	}
	for _, k := range strings.FieldsFunc(kernels, func(r rune) bool { return r == ',' || r == ' ' }) {
		i := slices.IndexFunc(known, func(name string) bool { return strings.EqualFold(k, name) })
		if i < 0 {
			return nil, fmt.Errorf("unknown kernel %q (have %s)", k, strings.Join(known, ", "))
		}
		names = append(names, known[i])
	}
	// Level 1 is the kernel in Kernels/<kernel>/... and the size in
	// Copy/n=<size> and Copy3/n=<size>.
	pattern := "^Benchmark(Kernels|Copy|Copy3)$/^(" + strings.Join(names, "|") + "|n=.*)$"
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime,
		"-count", "1", "-timeout", "0", "github.com/rectify-go/rectify/bench"}
	shown := slices.Clone(args)
	for i, a := range shown {
		if strings.ContainsAny(a, "^$|()*") {
			shown[i] = "'" + a + "'"
		}
	}
	fmt.Fprintf(os.Stderr, "table: %d rounds of RECTIFY_BENCH_SIZES=%s go %s\n", count, sizes, strings.Join(shown, " "))
	start := time.Now()
	var buf bytes.Buffer
	for r := 1; r <= count; r++ {
		if err := round(&buf, args, sizes, fmt.Sprintf("%d/%d", r, count), start, verbose); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(os.Stderr, "table: done in %s\n", time.Since(start).Round(time.Second))
	return buf.Bytes(), nil
}

// round runs go test with args once, appending its output to buf; it
// echoes the output, or notes when each kernel of round name starts.
func round(buf *bytes.Buffer, args []string, sizes, name string, start time.Time, verbose bool) error {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "RECTIFY_BENCH_SIZES="+sizes)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var out bytes.Buffer
	last := ""
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		fmt.Fprintln(&out, sc.Text())
		if m := progress.FindStringSubmatch(sc.Text()); verbose {
			fmt.Fprintln(os.Stderr, sc.Text())
		} else if m != nil && m[1] != last {
			last = m[1]
			fmt.Fprintf(os.Stderr, "table: round %s: %s (%s)\n", name, last, time.Since(start).Round(time.Second))
		}
	}
	if err := cmd.Wait(); err != nil {
		os.Stderr.Write(out.Bytes())
		return fmt.Errorf("go test: %v", err)
	}
	buf.Write(out.Bytes())
	return nil
}

var progress = regexp.MustCompile(`^Benchmark(?:Kernels/)?([A-Za-z]+)/`)

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "table:", err)
	os.Exit(1)
}
