package provider_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// TestZeroValues: every exported method of a zero GitHub or AzureDevOps,
// and of a nil pointer to one, returns an error (or an empty answer), never
// panics, with any token and with a nil context; so do checks run inside a
// shared flight, where a panic would end the process.
func TestZeroValues(t *testing.T) {
	t.Parallel()
	tokens := map[string]pat.Token{
		"zero":   {},
		"github": mustToken(t, providertest.Token(pat.GitHubClassic, "zero-value")),
		"ghs":    mustToken(t, providertest.Token(pat.GitHubInstallation, "zero-value")),
		"azure":  mustToken(t, providertest.Token(pat.AzureDevOps, "zero-value")),
	}
	repo := provider.Repo{Host: "github.com", Owner: "o", Project: "p", Name: "r"}
	providers := map[string]provider.Provider{
		"GitHub{}":       &provider.GitHub{},
		"(*GitHub)(nil)": (*provider.GitHub)(nil),
		"AzureDevOps{}":  &provider.AzureDevOps{},
		"(*Azure)(nil)":  (*provider.AzureDevOps)(nil),
	}
	for pname, p := range providers {
		for _, ctx := range []context.Context{context.Background(), nil} {
			for tname, tok := range tokens {
				name := fmt.Sprintf("%s/%s/ctx %v", pname, tname, ctx != nil)
				call := func(method string, f func() error) {
					t.Helper()
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s: %s panicked: %v", name, method, r)
						}
					}()
					if err := f(); err == nil {
						t.Errorf("%s: %s returned no error", name, method)
					}
				}
				call("CheckScopes", func() error {
					rep, err := p.CheckScopes(ctx, tok, "repo", "vso.code")
					if rep != nil {
						return errors.Join(err, errors.New("a Report"))
					}
					return err
				})
				call("BasicAuth", func() error {
					a, err := p.BasicAuth(ctx, tok)
					if a != nil {
						return errors.Join(err, errors.New("credentials"))
					}
					return err
				})
				call("AuthenticatedURL", func() error {
					u, err := p.AuthenticatedURL(ctx, repo, tok)
					if u != "" {
						return errors.Join(err, errors.New("a URL"))
					}
					return err
				})
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s: panicked: %v", pname, r)
					}
				}()
				p.Name()
				p.CloneURL(repo)
				p.ParseRepo("https://github.com/o/r")
				if g, ok := p.(*provider.GitHub); ok {
					g.Host()
					g.APIURL()
				}
			}()
		}
	}
}
