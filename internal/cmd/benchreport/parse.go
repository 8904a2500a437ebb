package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// result is one benchmark line of `go test -bench` output.
type result struct {
	Name    string             // without the "Benchmark" prefix and the -GOMAXPROCS suffix
	N       int                // iterations
	Metrics map[string]float64 // unit → value: "ns/op", "B/op", "allocs/op", "requests/op", ...
	Units   []string           // the units in the order the line gives them
}

// expand splits a result whose metrics are named "SUBJECT:UNIT" (one
// benchmark timing several subjects in turn) into one result per subject,
// named NAME/SUBJECT; metrics without a subject go to every one. A result
// without such metrics comes back alone.
func (r result) expand() []result {
	var out []result
	index := map[string]int{}
	var shared []string
	for _, u := range r.Units {
		subject, unit, ok := strings.Cut(u, ":")
		if !ok {
			shared = append(shared, u)
			continue
		}
		i, seen := index[subject]
		if !seen {
			i = len(out)
			index[subject] = i
			out = append(out, result{Name: r.Name + "/" + subject, N: r.N, Metrics: map[string]float64{}})
		}
		out[i].Metrics[unit] = r.Metrics[u]
		out[i].Units = append(out[i].Units, unit)
	}
	if len(out) == 0 {
		return []result{r}
	}
	for i := range out {
		for _, u := range shared {
			if u == "ns/op" || u == "B/op" || u == "allocs/op" {
				continue // of the whole iteration, not of one subject
			}
			out[i].Metrics[u] = r.Metrics[u]
			out[i].Units = append(out[i].Units, u)
		}
	}
	return out
}

// Case is the name without its last element ("Clone/small/full").
func (r result) Case() string {
	if i := strings.LastIndexByte(r.Name, '/'); i >= 0 {
		return r.Name[:i]
	}
	return ""
}

// Leaf is the last element of the name ("patgit").
func (r result) Leaf() string {
	return r.Name[strings.LastIndexByte(r.Name, '/')+1:]
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)

// parseLine parses one benchmark result line; ok is false for other lines.
func parseLine(line string) (result, bool) {
	m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return result{}, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return result{}, false
	}
	fields := strings.Fields(m[3])
	if len(fields)%2 != 0 {
		return result{}, false
	}
	r := result{Name: m[1], N: n, Metrics: map[string]float64{}}
	for i := 0; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return result{}, false
		}
		r.Metrics[fields[i+1]] = v
		r.Units = append(r.Units, fields[i+1])
	}
	return r, true
}

// notePrefix starts a line a benchmark writes for the report.
const notePrefix = "bench-note: "

// parseOutput returns every benchmark result in out, and the notes the
// benchmarks wrote (lines starting with notePrefix).
func parseOutput(out io.Reader) (results []result, logs []string, err error) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if r, ok := parseLine(line); ok {
			results = append(results, r.expand()...)
			continue
		}
		if note, ok := strings.CutPrefix(line, notePrefix); ok {
			logs = append(logs, strings.TrimSpace(note))
		}
	}
	return results, logs, sc.Err()
}

// formatValue renders a metric value for a table cell.
func formatValue(unit string, v float64) string {
	switch unit {
	case "ns/op", "cpu-ns/op":
		return formatDuration(v)
	case "B/op":
		return formatBytes(v)
	case "allocs/op":
		return strconv.FormatFloat(v, 'f', 0, 64)
	case "requests/op":
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if strings.HasSuffix(unit, "-MB") {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func formatDuration(ns float64) string {
	switch {
	case ns < 1e3:
		return sig3(ns) + " ns"
	case ns < 1e6:
		return sig3(ns/1e3) + " µs"
	case ns < 1e9:
		return sig3(ns/1e6) + " ms"
	}
	return sig3(ns/1e9) + " s"
}

func formatBytes(b float64) string {
	switch {
	case b < 1e3:
		return strconv.FormatFloat(b, 'f', 0, 64) + " B"
	case b < 1e6:
		return sig3(b/1e3) + " kB"
	}
	return sig3(b/1e6) + " MB"
}

// sig3 prints v with three significant digits, never in exponent form.
func sig3(v float64) string {
	if v == 0 {
		return "0"
	}
	digits := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		digits = 0
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}

// formatRatio renders v/anchor as "×0.41"; "—" when it has no meaning.
func formatRatio(v, anchor float64) string {
	if anchor == 0 || math.IsNaN(v) || math.IsNaN(anchor) {
		return "—"
	}
	r := v / anchor
	switch {
	case r >= 100:
		return fmt.Sprintf("×%.0f", r)
	case r >= 10:
		return fmt.Sprintf("×%.1f", r)
	case r >= 0.01:
		return fmt.Sprintf("×%.2f", r)
	}
	return fmt.Sprintf("×%.4f", r)
}
