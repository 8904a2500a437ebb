package provider_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// entraEnv is the fake Azure DevOps with the repository contoso/Tools/Tools
// and an Entra ID "token endpoint": a pat.Refresh source whose fetch gets a
// token the fake issued, as azidentity's GetToken would, on a fake clock
// shared by the source and the server.
type entraEnv struct {
	srv   *providertest.AzureServer
	clock *fakeClock
	src   pat.Source
	url   string
	cfg   provider.Config

	mu      sync.Mutex
	fetches int
}

func newEntraEnv(t *testing.T) *entraEnv {
	t.Helper()
	e := &entraEnv{srv: azFake(t), clock: newFakeClock()}
	e.srv.SetClock(e.clock.Now)
	if err := e.srv.AddRepo("contoso", "Tools", "Tools", map[string]string{"README.md": "tools\n"}); err != nil {
		t.Skipf("the fake cannot serve git: %v", err)
	}
	e.src = pat.RefreshWithClock(func(ctx context.Context) (pat.Token, error) {
		e.mu.Lock()
		e.fetches++
		e.mu.Unlock()
		secret, exp := e.srv.IssueEntraToken(providertest.AzureToken{DisplayName: "build-sp", UniqueName: "build-sp@contoso.example", Orgs: []string{"contoso"}})
		tok, err := pat.New(secret)
		if err != nil {
			return pat.Token{}, err
		}
		return tok.WithExpiry(exp), nil
	}, e.clock.Now)
	e.url = e.srv.OrgURL("contoso") + "/Tools/_git/Tools"
	e.cfg = provider.Config{BaseURL: e.srv.OrgURL("contoso")}
	return e
}

// TestAzureEntraRefresh: mint → clone → expiry → refresh → clone with an
// Entra ID token.
func TestAzureEntraRefresh(t *testing.T) {
	t.Parallel()
	e := newEntraEnv(t)
	ctx := context.Background()
	first, err := e.src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Kind() != pat.AzureDevOpsEntra || !first.ExpiresAt().Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("kind %v, ExpiresAt %v", first.Kind(), first.ExpiresAt())
	}
	opts := gitauth.Options{Provider: e.cfg, Source: e.src}
	if _, err := gitauth.Clone(ctx, e.url, "", opts, nil); err != nil {
		t.Fatalf("first clone: %v", err)
	}
	e.clock.Add(40 * time.Minute)
	if _, err := gitauth.Clone(ctx, e.url, "", opts, nil); err != nil {
		t.Fatalf("clone at 40 min: %v", err)
	}
	if e.fetches != 1 {
		t.Errorf("%d token requests before 80 %% of the hour, want 1", e.fetches)
	}
	// Past the hour: the old token is refused, the source gets a new one.
	e.clock.Add(21 * time.Minute)
	_, err = gitauth.Clone(ctx, e.url, "", gitauth.Options{Provider: e.cfg, Source: pat.Static(first)}, nil)
	if err == nil {
		t.Fatal("clone with the expired token succeeded")
	}
	ghNoSecret(t, first.Secret(), err)
	if _, err := gitauth.Clone(ctx, e.url, "", opts, nil); err != nil {
		t.Fatalf("clone after refresh: %v", err)
	}
	if e.fetches != 2 || e.srv.EntraTokensIssued() != 2 {
		t.Errorf("fetches %d, issued %d; want 2", e.fetches, e.srv.EntraTokensIssued())
	}
}

// TestAzureEntraCheck: CheckScopes validates an Entra token with
// connectionData and reports its expiry from the token itself.
func TestAzureEntraCheck(t *testing.T) {
	t.Parallel()
	e := newEntraEnv(t)
	var mu sync.Mutex
	var schemes []string
	rec := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		mu.Lock()
		schemes = append(schemes, scheme)
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	cfg := e.cfg
	cfg.HTTPClient = rec
	cfg.CacheTTL = -1 // the expired token below is judged by the fake
	a := azProvider(t, cfg)
	tok, err := e.src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.CheckScopes(context.Background(), tok, "vso.code")
	if err != nil {
		t.Fatalf("CheckScopes: %v", err)
	}
	if rep.Kind != pat.AzureDevOpsEntra || rep.User == "" || !rep.ExpiresAt.Equal(tok.ExpiresAt()) || rep.Scopes != nil {
		t.Errorf("report %+v", rep)
	}
	for _, s := range schemes {
		if s != "Bearer" {
			t.Errorf("REST request authenticated with %q, want Bearer", s)
		}
	}
	e.clock.Add(time.Hour)
	if _, err := a.CheckScopes(context.Background(), tok); err == nil {
		t.Error("an expired Entra token passed the check")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
