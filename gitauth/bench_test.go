package gitauth

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
)

// Run with:
//
//	go test -run '^$' -bench 'Clone' -benchtime 40x -count 3 ./gitauth/
//
// Each benchmark clones the same fake repository with the same credentials
// two ways, alternating them within the loop so that both see the same load,
// and reports patgit-ns/op, baseline-ns/op and overhead-% (ns/op is the pair).
// The patgit side includes resolving the URL and the token and mapping
// errors. go-git's side runs with multi_ack enabled too (the Azure DevOps
// fake requires it), so that both negotiate the same way.

func benchFixture(b *testing.B) *fixture {
	f := newFixture(b)
	EnableMultiAck()
	return f
}

// pair runs patgit's and the baseline's step alternately, timing each.
func pair(b *testing.B, patgit, baseline func(i int) error) {
	b.Helper()
	var tp, tb time.Duration
	n := 0
	for b.Loop() {
		steps := []struct {
			run func(int) error
			t   *time.Duration
		}{{patgit, &tp}, {baseline, &tb}}
		if n%2 == 1 {
			steps[0], steps[1] = steps[1], steps[0]
		}
		for _, s := range steps {
			start := time.Now()
			if err := s.run(n); err != nil {
				b.Fatal(err)
			}
			*s.t += time.Since(start)
		}
		n++
	}
	b.ReportMetric(float64(tp.Nanoseconds())/float64(n), "patgit-ns/op")
	b.ReportMetric(float64(tb.Nanoseconds())/float64(n), "baseline-ns/op")
	b.ReportMetric(100*(float64(tp)/float64(tb)-1), "overhead-%")
}

func BenchmarkClone(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	for _, host := range []string{"github", "azure"} {
		secret := map[string]string{"github": f.ghRead, "azure": f.azRead}[host]
		b.Run(host, func(b *testing.B) {
			root := b.TempDir()
			opts := f.opts(b, host, secret)
			pair(b, func(i int) error {
				_, err := Clone(ctx, f.url(host), filepath.Join(root, "p"+strconv.Itoa(i)), opts, nil)
				return err
			}, func(i int) error {
				_, err := git.PlainCloneContext(ctx, filepath.Join(root, "g"+strconv.Itoa(i)), false,
					&git.CloneOptions{URL: f.url(host), Auth: basic(host, secret)})
				return err
			})
		})
	}
}

func BenchmarkCommandClone(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	for _, host := range []string{"github", "azure"} {
		secret := map[string]string{"github": f.ghRead, "azure": f.azRead}[host]
		user := basic(host, secret).Username
		if user == "" {
			user = azOrg
		}
		header := "http.extraHeader=Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
		b.Run(host, func(b *testing.B) {
			root := b.TempDir()
			opts := f.opts(b, host, secret)
			pair(b, func(i int) error {
				cmd, err := Command(ctx, f.url(host), opts, "clone", "-q", f.url(host), filepath.Join(root, "p"+strconv.Itoa(i)))
				if err != nil {
					return err
				}
				return cmd.Run()
			}, func(i int) error {
				cmd := exec.CommandContext(ctx, "git", "-c", header, "clone", "-q", f.url(host), filepath.Join(root, "g"+strconv.Itoa(i)))
				cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
				return cmd.Run()
			})
		})
	}
}
