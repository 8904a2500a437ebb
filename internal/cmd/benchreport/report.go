package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// group is one table of the report: the sub-benchmarks of one benchmark.
type group struct {
	Title string
	Bench string // top-level benchmark name without "Benchmark"
	About string
	Cols  []string // metrics shown, in order
	// Ratios are the metrics compared with each anchor of the same case.
	Ratios []string
	// Anchors are leaf names of anchor rows. With FirstAnchor, each case is
	// compared with the first anchor it has, in one column per ratio.
	Anchors     []string
	FirstAnchor bool
	// Order, when set, orders the subjects of each case.
	Order []string
}

var groups = []group{
	{
		Title: "GitHub: one token check",
		Bench: "GitHubCheck",
		About: "patgit `CheckScopes` (`public_repo`, `read:org`) against a bare go-github v62 " +
			"`Users.Get`, the request it makes, on one fake GitHub. `patgit-uncached` has `CacheTTL < 0` " +
			"(every check asks the server); `patgit-cached` is the default (one minute).",
		Cols:    []string{"ns/op", "requests/op", "B/op", "allocs/op"},
		Ratios:  []string{"ns/op", "allocs/op"},
		Anchors: []string{"go-github"},
	},
	{
		Title: "GitHub: 100 concurrent checks of one token",
		Bench: "GitHubConcurrent",
		About: "One operation is 100 goroutines checking the same token at once: go-github on one client; " +
			"patgit on a new provider per operation (default cache), so only singleflight and the cache share the work.",
		Cols:    []string{"ns/op", "requests/op", "B/op", "allocs/op"},
		Ratios:  []string{"ns/op", "requests/op"},
		Anchors: []string{"go-github"},
	},
	{
		Title: "Azure DevOps: validate a PAT and prove vso.code",
		Bench: "AzureCheck",
		About: "patgit `CheckScopes(tok, \"vso.code\")` against the Azure DevOps Go SDK's own way: " +
			"`NewPatConnection`, `GetConnectionData`, then git `GetRepositories`. The SDK caches its " +
			"`OPTIONS /_apis` discovery per base URL for the process and `ResourceAreas` per connection: " +
			"`sdk-cold` uses a new organization each time (what a process pays for its first check), `sdk-warm` the same one.",
		Cols:    []string{"ns/op", "requests/op", "B/op", "allocs/op"},
		Ratios:  []string{"ns/op", "allocs/op"},
		Anchors: []string{"sdk-cold", "sdk-warm"},
	},
	{
		Title: "Checks at 0 and 50 ms per request",
		Bench: "CheckLatency",
		About: "One uncached token check with the fake answering every request after a latency (0: loopback; 50 ms: a host " +
			"50 ms away), in wall time: what a user feels is round trips, not requests. Azure DevOps: patgit " +
			"(`connectionData` and the `vso.code` probe sent together, one round trip) against the SDK, cold and warm; " +
			"GitHub: patgit against go-github, one request each. `max-in-flight`: the most requests the server had at once " +
			"(more than 1: sent concurrently).",
		Cols:        []string{"ns/op", "requests/op", "max-in-flight"},
		Ratios:      []string{"ns/op"},
		Anchors:     []string{"sdk-cold", "go-github"},
		FirstAnchor: true,
	},
	{
		Title: "Clone",
		Bench: "Clone",
		About: "One clone of a repository of the fake GitHub over smart HTTP (git http-backend), into a new " +
			"directory with its worktree: `go-git` is raw `PlainClone` with Basic credentials, `patgit` is " +
			"`gitauth.Clone` (URL and token resolution, user name, error mapping), `patgit-clonecli` is " +
			"`gitauth.CloneCLI` (git clone through `Command`'s credentials, then `git.PlainOpen`), `git` is `git clone` with an " +
			"`http.extraHeader` Authorization header, `patgit-command` is `git clone` run by `gitauth.Command` " +
			"(credential helper in the environment). Repositories: `small` (a handful of files); `history` " +
			"(real source files, the Go standard library of the Go that runs the benchmark, with 300 commits of " +
			"edits: tens of thousands of objects, mostly deltas, the shape of a real project); `blobs` (26 commits " +
			"of incompressible 512 KiB files: few objects, no deltas, a transfer-bound shape). `shallow` is depth 1. " +
			"Each iteration clones once each way, in an order that rotates, so that the five share the machine's load alike. " +
			"`peak-RSS-MB`: the largest resident memory of a process tree doing one clone, sampled every millisecond " +
			"from /proc on a clone of its own (go-git paths: this test binary re-run as a child that clones once, " +
			"Go runtime included; git: git, git-remote-http, index-pack together; `patgit-clonecli`: git's processes " +
			"plus the growth of the calling Go process from the moment git starts, since the caller exists before and after). " +
			"`cpu-ns/op`: the CPU time (user and system) of every process of that clone, which depends far less on the machine's load than wall time does. " +
			"`peak-heap-MB`: the largest growth of the Go heap during an in-process go-git clone. `requests/op` counts every " +
			"HTTP request the server saw (`gitauth`'s GitHub login look-up is cached for a minute, so long runs pay it again). " +
			"Memory allocated per operation is left out: the fake server shares the process.",
		Cols:    []string{"ns/op", "cpu-ns/op", "peak-RSS-MB", "peak-heap-MB", "requests/op"},
		Ratios:  []string{"ns/op", "cpu-ns/op", "peak-RSS-MB"},
		Anchors: []string{"go-git", "git"},
		Order:   []string{"go-git", "patgit", "patgit-clonecli", "git", "patgit-command"},
	},
	{
		Title: "What gitauth.Clone adds before the transfer",
		Bench: "ClonePrepare",
		About: "`gitauth.Resolve` and `Resolved.BasicAuth`: URL, provider, token and user name (remembered after the " +
			"first clone with a token). It is all patgit does in `gitauth.Clone` besides go-git's own transfer; the " +
			"clone table's `patgit` × `go-git` ratios differ from 1 by the noise of the clones, not by this.",
		Cols: []string{"ns/op", "requests/op", "B/op", "allocs/op"},
	},
	{
		Title: "Parsing",
		Bench: "Parse",
		About: "`pat.Identify` against the regular expressions a secret scanner would try in turn; " +
			"`Token.Validate` (CRC32 checksum of classic tokens) against `crc32.ChecksumIEEE` alone; " +
			"`provider.ForURL` (zero `Config`, and with a caller's `HTTPClient`) against one `url.Parse` of the same remote.",
		Cols:        []string{"ns/op", "B/op", "allocs/op"},
		Ratios:      []string{"ns/op"},
		Anchors:     []string{"regexp", "crc32", "url.Parse"},
		FirstAnchor: true,
	},
}

// report is everything BENCHMARKS.md says.
type report struct {
	machine           machine
	command           string
	started           time.Time
	elapsed           time.Duration
	durations         []string
	results           []result
	logs              []string
	raw               []string
	budgetTests       []testResult
	roundTrips        [][]string // rows of TestBudgetCommandRequests, one per git
	budgetTestsFailed bool
}

// find returns the result named name, if any.
func (r *report) find(name string) (result, bool) {
	for _, res := range r.results {
		if res.Name == name {
			return res, true
		}
	}
	return result{}, false
}

// metric returns the named result's metric, NaN when absent.
func (r *report) metric(name, unit string) float64 {
	res, ok := r.find(name)
	if !ok {
		return math.NaN()
	}
	v, ok := res.Metrics[unit]
	if !ok {
		return math.NaN()
	}
	return v
}

func (r *report) write(w io.Writer) {
	fmt.Fprintf(w, "# patgit benchmarks\n\n")
	fmt.Fprintf(w, "patgit measured against its anchors (bare go-github v62, the Azure DevOps Go SDK v7, raw go-git v5, plain git) "+
		"in one run, on the loopback fake servers of `provider/providertest`. Ratios compare each row with the anchor "+
		"measured in the same run, in the same process; `×0.50` is half the anchor's figure. Request counts are exact; "+
		"times depend on the machine and its load: compare ratios, not absolute times, across machines.\n\n")
	fmt.Fprintf(w, "Reproduce:\n\n```sh\n%s\n```\n\n", r.command)
	if strings.Contains(r.command, "-git DIR") {
		fmt.Fprintf(w, "`-git DIR` names a directory holding another git binary (its version is in the round-trips table) "+
			"with which `gitauth.Command`'s requests are counted too.\n\n")
	}
	fmt.Fprintf(w, "Single groups: `go test -run '^$' -bench 'GitHubCheck|AzureCheck' -benchmem ./internal/bench/`; "+
		"the large repositories are opt-in: `PATGIT_BENCH_LARGE=1 go test -run '^$' -bench 'Clone/(history|blobs)' -benchtime 3x ./internal/bench/`.\n\n")

	fmt.Fprintf(w, "## Machine\n\n")
	fmt.Fprintf(w, "| | |\n|---|---|\n")
	fmt.Fprintf(w, "| Go | %s |\n| OS/arch | %s |\n| CPU | %s |\n| Cores | %d |\n| git | %s |\n",
		r.machine.GoVersion, r.machine.OSArch, r.machine.CPU, r.machine.Cores, r.machine.Git)
	if r.machine.Load != "" {
		fmt.Fprintf(w, "| Load average at start | %s |\n", r.machine.Load)
	}
	fmt.Fprintf(w, "| Date | %s |\n| Run time | %s (%s) |\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"),
		r.elapsed.Round(time.Second), strings.Join(r.durations, "; "))

	r.writeBudgets(w)
	for _, g := range groups {
		r.writeGroup(w, g)
		if g.Bench == "Clone" {
			r.writeRoundTrips(w)
		}
	}

	fmt.Fprintf(w, "## Raw output\n\n<details><summary>go test -bench lines of this run</summary>\n\n```\n%s\n```\n\n</details>\n",
		strings.Join(r.raw, "\n"))
}

// writeRoundTrips writes the table of Command's requests per clone, one
// row per git measured.
func (r *report) writeRoundTrips(w io.Writer) {
	if len(r.roundTrips) == 0 {
		return
	}
	fmt.Fprintf(w, "## gitauth.Command: requests per clone by git version\n\n")
	fmt.Fprintf(w, "One `git clone` of the small repository through `gitauth.Command` against plain git with an "+
		"`http.extraHeader` Authorization header, counted by a recording proxy in front of the fake GitHub "+
		"(`TestBudgetCommandRequests`, run once per git). git before 2.46 asks a credential helper only after a 401, "+
		"one round trip more; from 2.46, the `http.<remote>.proactiveAuth=basic` that `Command` sets makes the first "+
		"request carry the credentials. Helper runs are read from `GIT_TRACE`: each is one `sh` running a shell "+
		"function, and git runs every helper again with `store` after a successful request unless the password "+
		"has expired (credential.c), so that second run cannot be configured away; `store` returns at once.\n\n")
	fmt.Fprintf(w, "| git | plain git requests | Command requests | sent without credentials (401) | helper runs |\n|---|---|---|---|---|\n")
	for _, row := range r.roundTrips {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	fmt.Fprintln(w)
}

// budget is one line of the budget table.
type budget struct {
	what, figure, verdict, test string
}

func (r *report) writeBudgets(w io.Writer) {
	var bs []budget
	exact := func(name, unit string, want float64) (string, string) {
		v := r.metric(name, unit)
		switch {
		case math.IsNaN(v):
			return "not measured", "—"
		case v == want:
			return formatValue(unit, v) + " " + unit, "holds"
		}
		return formatValue(unit, v) + " " + unit, "**misses**"
	}
	fig, ok := exact("GitHubCheck/patgit-uncached", "requests/op", 1)
	bs = append(bs, budget{"GitHub `CheckScopes`: 1 request per check", fig, ok, "TestBudgetGitHubCheckScopes"})
	fig, ok = exact("GitHubConcurrent/patgit", "requests/op", 1)
	bs = append(bs, budget{"GitHub: 20 and 100 concurrent checks of one token share 1 request", fig + " (100 checks)", ok, "TestBudgetGitHubConcurrent"})
	fig, ok = exact("AzureCheck/patgit-uncached", "requests/op", 2)
	bs = append(bs, budget{"Azure DevOps `CheckScopes`: 1 to validate + 1 per distinct probed scope (2 for vso.code), no SDK discovery", fig, ok, "TestBudgetAzureCheckScopes"})
	bs = append(bs, budget{"`gitauth.Probe`: 1 request", "—", "", "TestBudgetProbe"})
	bs = append(bs, budget{"`BasicAuth` after `CheckScopes`: 0 more requests", "—", "", "TestBudgetBasicAuthAfterCheck"})
	for _, c := range r.cases("Clone") {
		pg, gg := "Clone/"+c+"/patgit", "Clone/"+c+"/go-git"
		if _, ok := r.find(pg); !ok {
			continue
		}
		pr, gr := r.metric(pg, "requests/op"), r.metric(gg, "requests/op")
		cloneNs := r.metric(gg, "ns/op")
		t := r.metric(pg, "ns/op") / cloneNs
		prep := r.metric("ClonePrepare/patgit", "ns/op")
		share := prep / cloneNs
		fig := fmt.Sprintf("%s vs %s requests/op; wall time %s of go-git's", formatValue("requests/op", pr), formatValue("requests/op", gr), formatRatio(t, 1))
		if !math.IsNaN(share) {
			fig += fmt.Sprintf("; patgit's own work %s = %s%% of the clone", formatValue("ns/op", prep), strconv.FormatFloat(100*share, 'g', 2, 64))
		}
		verdict := "holds"
		switch {
		case pr != gr:
			verdict = "**misses** (requests)"
		case math.IsNaN(share) && t > 1.10:
			verdict = "**check**: time over go-git +10%"
		case share > 0.01:
			verdict = "**misses**: patgit's own work is over 1% of the clone"
		}
		bs = append(bs, budget{"`gitauth.Clone` adds nothing measurable over go-git (" + c + ")", fig, verdict, "TestBudgetClone"})
	}
	for _, c := range r.cases("Clone") {
		cli, gg, g := "Clone/"+c+"/patgit-clonecli", "Clone/"+c+"/go-git", "Clone/"+c+"/git"
		if _, ok := r.find(cli); !ok {
			continue
		}
		t := r.metric(cli, "ns/op") / r.metric(g, "ns/op")
		m := r.metric(cli, "peak-RSS-MB") / r.metric(g, "peak-RSS-MB")
		fig := fmt.Sprintf("wall time %s, peak RSS %s of git's", formatRatio(t, 1), formatRatio(m, 1))
		if cpu := r.metric(cli, "cpu-ns/op") / r.metric(g, "cpu-ns/op"); !math.IsNaN(cpu) {
			fig += fmt.Sprintf(" (CPU time %s)", formatRatio(cpu, 1))
		}
		verdict := "holds"
		if !(t <= 1.10 && m <= 1.10) {
			verdict = "**misses**"
		}
		bs = append(bs, budget{"`gitauth.CloneCLI` within 1.10× of plain git, wall time and peak RSS (" + c + ")", fig, verdict, ""})
		if strings.HasPrefix(c, "history/") {
			speed := r.metric(gg, "ns/op") / r.metric(cli, "ns/op")
			mem := r.metric(cli, "peak-RSS-MB") / r.metric(gg, "peak-RSS-MB")
			fig := fmt.Sprintf("%s faster than go-git; peak RSS %s of go-git's", strconv.FormatFloat(speed, 'f', 2, 64)+"×", formatRatio(mem, 1))
			if cpu := r.metric(gg, "cpu-ns/op") / r.metric(cli, "cpu-ns/op"); !math.IsNaN(cpu) {
				fig += fmt.Sprintf(" (CPU time: %s less)", strconv.FormatFloat(cpu, 'f', 2, 64)+"×")
			}
			verdict := "holds"
			if !(speed >= 2) {
				verdict = "**misses**"
			}
			bs = append(bs, budget{"`gitauth.CloneCLI` at least 2× faster than go-git on a real history (" + c + ")", fig, verdict, ""})
		}
	}
	status := map[string]string{}
	for _, t := range r.budgetTests {
		if !strings.Contains(t.Name, "/") {
			status[t.Name] = t.Status
		}
	}
	fmt.Fprintf(w, "## Budgets\n\n")
	fmt.Fprintf(w, "The budgets of DESIGN.md. Request counts come from the benchmarks below and are also asserted by "+
		"ordinary tests in `internal/bench/budget_test.go` (run with every `go test ./...`); their result in this run is shown.\n\n")
	fmt.Fprintf(w, "| Budget | Measured | Verdict | Test |\n|---|---|---|---|\n")
	for _, b := range bs {
		test := b.test
		if st, ok := status[b.test]; ok {
			test += " " + st
		} else if b.test == "" {
			test = "benchmark only"
		} else if len(r.budgetTests) > 0 || r.budgetTestsFailed {
			test += " not run"
		}
		verdict := b.verdict
		if verdict == "" {
			verdict = map[string]string{"PASS": "holds", "FAIL": "**misses**"}[status[b.test]]
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", b.what, b.figure, verdict, test)
	}
	fmt.Fprintln(w)
}

// cases returns the distinct cases of a benchmark, in the order run.
func (r *report) cases(bench string) []string {
	var out []string
	seen := map[string]bool{}
	for _, res := range r.results {
		name, ok := strings.CutPrefix(res.Name, bench+"/")
		if !ok {
			continue
		}
		c := result{Name: name}.Case()
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

func (r *report) writeGroup(w io.Writer, g group) {
	fmt.Fprintf(w, "## %s\n\n%s\n\n", g.Title, g.About)
	var rows []result
	for _, res := range r.results {
		if name, ok := strings.CutPrefix(res.Name, g.Bench+"/"); ok {
			res.Name = name
			rows = append(rows, res)
		}
	}
	if len(g.Order) > 0 {
		caseRank := map[string]int{}
		for _, row := range rows {
			if _, ok := caseRank[row.Case()]; !ok {
				caseRank[row.Case()] = len(caseRank)
			}
		}
		rank := func(leaf string) int {
			for i, o := range g.Order {
				if o == leaf {
					return i
				}
			}
			return len(g.Order)
		}
		sort.SliceStable(rows, func(i, j int) bool {
			ci, cj := caseRank[rows[i].Case()], caseRank[rows[j].Case()]
			if ci != cj {
				return ci < cj
			}
			return rank(rows[i].Leaf()) < rank(rows[j].Leaf())
		})
	}
	if len(rows) == 0 {
		fmt.Fprintf(w, "Not run (`Benchmark%s` reported nothing; git missing?).\n\n", g.Bench)
		return
	}
	hasCase := false
	for _, row := range rows {
		hasCase = hasCase || row.Case() != ""
	}
	value := func(name, unit string) float64 {
		for _, row := range rows {
			if row.Name == name {
				if v, ok := row.Metrics[unit]; ok {
					return v
				}
			}
		}
		return math.NaN()
	}
	join := func(c, leaf string) string {
		if c == "" {
			return leaf
		}
		return c + "/" + leaf
	}
	var head []string
	if hasCase {
		head = append(head, "case")
	}
	head = append(head, "subject")
	head = append(head, g.Cols...)
	if g.FirstAnchor {
		head = append(head, "anchor")
		for _, m := range g.Ratios {
			head = append(head, short(m)+" × anchor")
		}
	} else {
		for _, m := range g.Ratios {
			for _, a := range g.Anchors {
				head = append(head, short(m)+" × "+a)
			}
		}
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, row := range rows {
		c := row.Case()
		var cells []string
		if hasCase {
			cells = append(cells, c)
		}
		cells = append(cells, row.Leaf())
		for _, m := range g.Cols {
			if v, ok := row.Metrics[m]; ok {
				cells = append(cells, formatValue(m, v))
			} else {
				cells = append(cells, "—")
			}
		}
		if g.FirstAnchor {
			anchor := ""
			for _, a := range g.Anchors {
				if _, ok := row.Metrics["ns/op"]; ok && !math.IsNaN(value(join(c, a), "ns/op")) {
					anchor = a
					break
				}
			}
			cells = append(cells, orDash(anchor))
			for _, m := range g.Ratios {
				cells = append(cells, ratioCell(row, m, anchor, value(join(c, anchor), m)))
			}
		} else {
			for _, m := range g.Ratios {
				for _, a := range g.Anchors {
					cells = append(cells, ratioCell(row, m, a, value(join(c, a), m)))
				}
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
	if g.Bench == "Clone" {
		for _, n := range r.logs {
			fmt.Fprintf(w, "Note: %s.\n\n", n)
		}
	}
}

// ratioCell compares row's metric with the anchor's.
func ratioCell(row result, unit, anchor string, anchorValue float64) string {
	if anchor == "" {
		return "—"
	}
	if row.Leaf() == anchor {
		return "anchor"
	}
	v, ok := row.Metrics[unit]
	if !ok {
		return "—"
	}
	return formatRatio(v, anchorValue)
}

// short names a metric in a column header.
func short(unit string) string {
	switch unit {
	case "ns/op":
		return "time"
	case "peak-RSS-MB":
		return "RSS"
	case "cpu-ns/op":
		return "CPU"
	}
	return strings.TrimSuffix(unit, "/op")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
