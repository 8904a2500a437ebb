package bench

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	azgit "github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"

	"github.com/patgit/patgit/provider"
)

// concurrentChecks is how many goroutines check one token at once.
const concurrentChecks = 100

// goGitHub returns a bare go-github v62 client for the fake, as a program
// without patgit would write it: a fresh default transport, the token set
// with WithAuthToken.
func (e *ghEnv) goGitHub(tb testing.TB) *github.Client {
	tb.Helper()
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	tb.Cleanup(hc.CloseIdleConnections)
	c, err := github.NewClient(hc).WithAuthToken(e.secret).WithEnterpriseURLs(e.srv.APIURL, e.srv.APIURL)
	if err != nil {
		tb.Fatalf("WithEnterpriseURLs: %v", err)
	}
	return c
}

// reportRequests reports the server's requests per benchmark iteration.
func reportRequests(b *testing.B, total int) {
	b.ReportMetric(float64(total)/float64(b.N), "requests/op")
}

// BenchmarkGitHubCheck compares one token check: patgit's CheckScopes
// (every call asks the server, or the default one-minute cache answers)
// against go-github's Users.Get, which is the request CheckScopes makes.
func BenchmarkGitHubCheck(b *testing.B) {
	e := newGitHub(b)
	b.Run("go-github", func(b *testing.B) {
		c := e.goGitHub(b)
		_, _, err := c.Users.Get(background, "") // warm the connection
		mustCheck(b, err)
		e.srv.ResetCounts()
		b.ReportAllocs()
		for b.Loop() {
			u, resp, err := c.Users.Get(background, "")
			if err != nil || u.GetLogin() != ghLogin || resp.Header.Get("X-OAuth-Scopes") == "" {
				b.Fatalf("Users.Get: %v", err)
			}
		}
		reportRequests(b, e.srv.TotalRequests())
	})
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"patgit-uncached", -1}, {"patgit-cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			g := e.provider(b, provider.Config{CacheTTL: bc.ttl})
			_, err := g.CheckScopes(background, e.tok, "repo")
			mustCheck(b, err)
			e.srv.ResetCounts()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.CheckScopes(background, e.tok, "public_repo", "read:org"); err != nil {
					b.Fatal(err)
				}
			}
			reportRequests(b, e.srv.TotalRequests())
		})
	}
}

// BenchmarkGitHubConcurrent runs 100 concurrent checks of one token per
// iteration: go-github makes 100 requests, patgit (a new provider each
// iteration, caching off, so that only the shared flight counts) about one.
func BenchmarkGitHubConcurrent(b *testing.B) {
	e := newGitHub(b)
	run := func(b *testing.B, check func() error) {
		var wg sync.WaitGroup
		errs := make(chan error, concurrentChecks)
		start := make(chan struct{})
		for range concurrentChecks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- check()
			}()
		}
		close(start)
		wg.Wait()
		for range concurrentChecks {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("go-github", func(b *testing.B) {
		c := e.goGitHub(b)
		e.srv.ResetCounts()
		b.ReportAllocs()
		for b.Loop() {
			run(b, func() error { _, _, err := c.Users.Get(background, ""); return err })
		}
		reportRequests(b, e.srv.TotalRequests())
	})
	b.Run("patgit", func(b *testing.B) {
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		b.Cleanup(hc.CloseIdleConnections)
		e.srv.ResetCounts()
		b.ReportAllocs()
		for b.Loop() {
			g := e.provider(b, provider.Config{HTTPClient: hc, CacheTTL: -1})
			run(b, func() error { _, err := g.CheckScopes(background, e.tok, "repo"); return err })
		}
		reportRequests(b, e.srv.TotalRequests())
	})
}

// azColdOrg numbers the organizations of the SDK's cold runs.
var azColdOrg atomic.Int64

// BenchmarkAzureCheck compares validating an Azure DevOps PAT and proving
// vso.code: patgit's CheckScopes (connectionData and one scope probe)
// against the SDK's NewPatConnection, GetConnectionData and GetRepositories.
// The SDK caches its OPTIONS /_apis discovery per base URL for the process
// and ResourceAreas per Connection: sdk-cold uses a new organization each
// iteration (what a process pays for its first check), sdk-warm reuses one.
func BenchmarkAzureCheck(b *testing.B) {
	e := newAzure(b)
	sdk := func(b *testing.B, orgURL string) {
		conn := azuredevops.NewPatConnection(orgURL, e.secret)
		if _, err := location.NewClient(background, conn).GetConnectionData(background, location.GetConnectionDataArgs{}); err != nil {
			b.Fatal(err)
		}
		gc, err := azgit.NewClient(background, conn)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := gc.GetRepositories(background, azgit.GetRepositoriesArgs{}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("sdk-cold", func(b *testing.B) {
		e.srv.ResetCounts()
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			org := fmt.Sprintf("cold-%d", azColdOrg.Add(1))
			e.srv.AddOrg(org, false)
			b.StartTimer()
			sdk(b, e.srv.OrgURL(org))
		}
		reportRequests(b, e.srv.TotalRequests())
	})
	b.Run("sdk-warm", func(b *testing.B) {
		sdk(b, e.srv.OrgURL(azOrg))
		e.srv.ResetCounts()
		b.ReportAllocs()
		for b.Loop() {
			sdk(b, e.srv.OrgURL(azOrg))
		}
		reportRequests(b, e.srv.TotalRequests())
	})
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"patgit-uncached", -1}, {"patgit-cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			a := e.provider(b, provider.Config{CacheTTL: bc.ttl})
			_, err := a.CheckScopes(background, e.tok, "vso.code")
			mustCheck(b, err)
			e.srv.ResetCounts()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.CheckScopes(background, e.tok, "vso.code"); err != nil {
					b.Fatal(err)
				}
			}
			reportRequests(b, e.srv.TotalRequests())
		})
	}
}

// checkLatencies are the per-request latencies of the round-trip
// benchmarks: loopback, and a host 50 ms away.
var checkLatencies = []time.Duration{0, 50 * time.Millisecond}

// BenchmarkCheckLatency measures one uncached token check, in wall time,
// with the fakes answering each request after a latency: what a user feels
// is round trips, not requests. Azure DevOps: patgit (connectionData and
// the vso.code probe together, one round trip) against the SDK, cold
// (discovery on a new organization) and warm. GitHub: patgit against
// go-github, one request each.
func BenchmarkCheckLatency(b *testing.B) {
	for _, lat := range checkLatencies {
		name := fmt.Sprintf("%dms", lat/time.Millisecond)
		b.Run("azure/"+name, func(b *testing.B) {
			e := newAzure(b)
			e.srv.SetLatency(lat)
			sdk := func(b *testing.B, orgURL string) {
				conn := azuredevops.NewPatConnection(orgURL, e.secret)
				if _, err := location.NewClient(background, conn).GetConnectionData(background, location.GetConnectionDataArgs{}); err != nil {
					b.Fatal(err)
				}
				gc, err := azgit.NewClient(background, conn)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := gc.GetRepositories(background, azgit.GetRepositoriesArgs{}); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("sdk-cold", func(b *testing.B) {
				e.srv.ResetCounts()
				for b.Loop() {
					b.StopTimer()
					org := fmt.Sprintf("cold-%d", azColdOrg.Add(1))
					e.srv.AddOrg(org, false)
					b.StartTimer()
					sdk(b, e.srv.OrgURL(org))
				}
				reportRequests(b, e.srv.TotalRequests())
			})
			b.Run("sdk-warm", func(b *testing.B) {
				sdk(b, e.srv.OrgURL(azOrg))
				e.srv.ResetCounts()
				for b.Loop() {
					sdk(b, e.srv.OrgURL(azOrg))
				}
				reportRequests(b, e.srv.TotalRequests())
			})
			b.Run("patgit", func(b *testing.B) {
				a := e.provider(b, provider.Config{CacheTTL: -1})
				_, err := a.CheckScopes(background, e.tok, "vso.code")
				mustCheck(b, err)
				e.srv.ResetCounts()
				for b.Loop() {
					if _, err := a.CheckScopes(background, e.tok, "vso.code"); err != nil {
						b.Fatal(err)
					}
				}
				reportRequests(b, e.srv.TotalRequests())
				b.ReportMetric(float64(e.srv.MaxInFlight()), "max-in-flight")
			})
		})
		b.Run("github/"+name, func(b *testing.B) {
			e := newGitHub(b)
			e.srv.SetLatency(lat)
			b.Run("go-github", func(b *testing.B) {
				c := e.goGitHub(b)
				e.srv.ResetCounts()
				for b.Loop() {
					if _, _, err := c.Users.Get(background, ""); err != nil {
						b.Fatal(err)
					}
				}
				reportRequests(b, e.srv.TotalRequests())
			})
			b.Run("patgit", func(b *testing.B) {
				g := e.provider(b, provider.Config{CacheTTL: -1})
				e.srv.ResetCounts()
				for b.Loop() {
					if _, err := g.CheckScopes(background, e.tok, "repo"); err != nil {
						b.Fatal(err)
					}
				}
				reportRequests(b, e.srv.TotalRequests())
			})
		})
	}
}
