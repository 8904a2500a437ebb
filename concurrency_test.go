package patgit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// TestConcurrentCheckProbeClone runs 100 goroutines that check, probe and
// clone at once, with one shared token per host and several distinct ones,
// against one shared provider per host. Run it with -race. Afterwards each
// host's request counts must be what the budgets say: one GET /user per
// GitHub token however many goroutines checked it; on Azure DevOps one
// connectionData plus one request per distinct probed scope family per token;
// one request per probe; one advertisement and one upload-pack per clone.
func TestConcurrentCheckProbeClone(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	isolateEnv(t)
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	az, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	defer az.Close()
	if err := gh.AddRepo("octo", "hello", nil); err != nil {
		t.Fatal(err)
	}
	if err := az.AddRepo("contoso", "Web", "site", nil); err != nil {
		t.Fatal(err)
	}
	const distinct = 5
	ghShared := providertest.Token(pat.GitHubClassic, "concurrent-shared")
	azShared := providertest.Token(pat.AzureDevOps, "concurrent-shared")
	var ghTokens, azTokens []string
	for i := range distinct {
		ghTokens = append(ghTokens, providertest.Token(pat.GitHubClassic, fmt.Sprint("concurrent-", i)))
		azTokens = append(azTokens, providertest.Token(pat.AzureDevOps, fmt.Sprint("concurrent-", i)))
	}
	for _, s := range append([]string{ghShared}, ghTokens...) {
		gh.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead}})
	}
	for _, s := range append([]string{azShared}, azTokens...) {
		az.AddToken(s, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code", "vso.build"}})
	}
	ghCfg := provider.Config{BaseURL: gh.URL, Username: ""}
	azCfg := provider.Config{BaseURL: az.OrgURL("contoso")}
	ghProv, err := provider.NewGitHub(ghCfg)
	if err != nil {
		t.Fatal(err)
	}
	azProv, err := provider.NewAzureDevOps(azCfg)
	if err != nil {
		t.Fatal(err)
	}
	ghURL := gh.URL + "/octo/hello.git"
	azURL := az.URL + "/contoso/Web/_git/site"
	gh.ResetCounts()
	az.ResetCounts()

	// Goroutine i does job i%5; of each job's goroutines, every other one
	// uses the shared token, the rest the distinct tokens in turn.
	const goroutines = 100
	type job struct {
		name string
		run  func(ctx context.Context, ghSecret, azSecret string) (any, error)
	}
	jobs := []job{
		{"GitHub.CheckScopes", func(ctx context.Context, g, _ string) (any, error) {
			tok, err := pat.New(g)
			if err != nil {
				return nil, err
			}
			return ghProv.CheckScopes(ctx, tok, "repo")
		}},
		{"AzureDevOps.CheckScopes", func(ctx context.Context, _, a string) (any, error) {
			tok, err := pat.New(a)
			if err != nil {
				return nil, err
			}
			return azProv.CheckScopes(ctx, tok, "vso.code", "vso.code_write", "vso.build")
		}},
		{"Probe GitHub", func(ctx context.Context, g, _ string) (any, error) {
			return nil, gitauth.Options{Provider: ghCfg}.Probe(ctx, ghURL, &githttp.BasicAuth{Username: "octocat", Password: g}, gitauth.Read)
		}},
		{"Probe Azure", func(ctx context.Context, _, a string) (any, error) {
			return nil, gitauth.Options{Provider: azCfg}.Probe(ctx, azURL, &githttp.BasicAuth{Password: a}, gitauth.Read)
		}},
		{"Clone", func(ctx context.Context, g, a string) (any, error) {
			tg, err := pat.New(g)
			if err != nil {
				return nil, err
			}
			cfg := ghCfg
			cfg.Username = "octocat" // no user look-up: only git requests
			if _, err := gitauth.Clone(ctx, ghURL, "", gitauth.Options{Provider: cfg, Source: pat.Static(tg)}, nil); err != nil {
				return nil, fmt.Errorf("github: %w", err)
			}
			ta, err := pat.New(a)
			if err != nil {
				return nil, err
			}
			_, err = gitauth.Clone(ctx, azURL, "", gitauth.Options{Provider: azCfg, Source: pat.Static(ta)}, nil)
			return nil, err
		}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, goroutines)
	count := map[string]int{}
	for i := range goroutines {
		j := jobs[i%len(jobs)]
		count[j.name]++
		g, a := ghShared, azShared
		if m := i / len(jobs); m%2 == 1 {
			g, a = ghTokens[(m/2)%distinct], azTokens[(m/2)%distinct]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			v, err := j.run(ctx, g, a)
			if err != nil {
				errs[i] = fmt.Errorf("goroutine %d (%s): %w", i, j.name, err)
			}
			for _, l := range leaks(outcome{values: []any{v}, err: err}, g, a) {
				errs[i] = fmt.Errorf("goroutine %d (%s): leak: %s", i, j.name, l)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}

	tokens := 1 + distinct
	clones := count["Clone"]
	want := []struct {
		name      string
		got, want int
	}{
		{"GitHub GET /user (1 per token)", gh.Requests("GET /user"), tokens},
		{"GitHub git info/refs (1 per probe, 1 per clone)", gh.Requests("git info/refs"), count["Probe GitHub"] + clones},
		{"GitHub git upload-pack (1 per clone)", gh.Requests("git upload-pack"), clones},
		{"GitHub requests in all", gh.TotalRequests(), tokens + count["Probe GitHub"] + 2*clones},
		{"Azure connectionData (1 per token)", az.Requests("GET connectionData"), tokens},
		{"Azure git info/refs (1 per probe, 1 per clone)", az.Requests("git info/refs"), count["Probe Azure"] + clones},
		{"Azure git upload-pack (1 per clone)", az.Requests("git upload-pack"), clones},
		// connectionData + vso.code + vso.build probes per token (vso.code_write
		// is unverifiable and costs nothing).
		{"Azure requests in all", az.TotalRequests(), 3*tokens + count["Probe Azure"] + 2*clones},
		{"Azure SDK discovery (never)", az.Requests("OPTIONS /_apis") + az.Requests("GET ResourceAreas"), 0},
	}
	for _, w := range want {
		if w.got != w.want {
			t.Errorf("%s: %d requests; want %d", w.name, w.got, w.want)
		}
	}
	t.Logf("%d goroutines: %v; GitHub %d requests, Azure DevOps %d", goroutines, count, gh.TotalRequests(), az.TotalRequests())
}
