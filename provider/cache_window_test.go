package provider_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// lateArriver returns a hook that, the first time it runs, completes a whole
// other check before letting its own caller go on: the caller then joins no
// flight and must find the other check's result in the cache.
func lateArriver(check func()) func() {
	var first atomic.Bool
	return func() {
		if first.CompareAndSwap(false, true) {
			done := make(chan struct{})
			go func() { defer close(done); check() }()
			<-done
		}
	}
}

// These tests are not parallel: the hook is package state.

func TestCheckAfterAnotherCheckFinishedInTheWindow(t *testing.T) {
	ctx := context.Background()

	t.Run("github", func(t *testing.T) {
		s := ghFake(t)
		secret := providertest.Token(pat.GitHubClassic, "late-arriver")
		s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
		tok := ghToken(t, secret)
		g := ghProvider(t, s, provider.Config{})
		restore := provider.SetTestHookAfterCacheMiss(lateArriver(func() {
			if _, err := g.CheckScopes(ctx, tok, "repo"); err != nil {
				t.Error(err)
			}
		}))
		defer restore()
		s.ResetCounts()
		if _, err := g.CheckScopes(ctx, tok, "repo"); err != nil {
			t.Fatal(err)
		}
		if got := s.TotalRequests(); got != 1 {
			t.Errorf("two checks of one token, the second arriving as the first ended: %d requests, want 1", got)
		}
	})

	t.Run("azure", func(t *testing.T) {
		s := azFake(t)
		tok := azToken(t, s, "late-arriver", azAda("vso.code"))
		a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso")})
		restore := provider.SetTestHookAfterCacheMiss(lateArriver(func() {
			if _, err := a.CheckScopes(ctx, tok, "vso.code"); err != nil {
				t.Error(err)
			}
		}))
		defer restore()
		s.ResetCounts()
		if _, err := a.CheckScopes(ctx, tok, "vso.code"); err != nil {
			t.Fatal(err)
		}
		if got := s.TotalRequests(); got != 2 {
			t.Errorf("two checks of one token, the second arriving as the first ended: %d requests, want 2", got)
		}
	})
}
