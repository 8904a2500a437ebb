// Package bench holds patgit's comparative benchmarks and its request-budget
// tests. It has no exported API: everything lives in its test files.
//
// Each benchmark runs patgit and the anchor it is measured against (bare
// go-github, the Azure DevOps Go SDK, raw go-git, plain git) in one process,
// against the same fake servers from provider/providertest:
//
//	go test -run '^$' -bench . -benchmem ./internal/bench/
//
// Cloning the large generated repository (about 100 MB packed) is opt-in:
//
//	PATGIT_BENCH_LARGE=1 go test -run '^$' -bench 'Clone/large' -benchtime 3x ./internal/bench/
//
// The command internal/cmd/benchreport runs them all and writes
// BENCHMARKS.md. The budgets of DESIGN.md (requests per check, per probe,
// per clone) are asserted as ordinary tests in budget_test.go.
package bench
