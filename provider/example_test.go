package provider_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// A classic token's scopes come from one request; GitHub's scope hierarchy
// is applied, so "repo" satisfies "public_repo".
func ExampleGitHub_CheckScopes() {
	srv, err := providertest.NewGitHubServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	secret := providertest.Token(pat.GitHubClassic, "example-check")
	srv.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo", "read:org"}})

	gh, err := provider.NewGitHub(provider.Config{BaseURL: srv.URL})
	if err != nil {
		panic(err)
	}
	tok, _ := pat.New(secret)
	report, err := gh.CheckScopes(context.Background(), tok, "public_repo", "read:org")
	fmt.Println(report.User, report.Kind, report.Scopes, report.Missing, err)
	fmt.Println("requests:", srv.Requests("GET /user"))

	_, err = gh.CheckScopes(context.Background(), tok, "workflow")
	var missing *provider.MissingScopeError
	fmt.Println(errors.As(err, &missing), missing.Missing)
	// Output:
	// octocat github-classic [repo read:org] [] <nil>
	// requests: 1
	// true [workflow]
}

// An Azure DevOps PAT cannot list its scopes: patgit validates it with
// connectionData and proves each read scope with one cheap request; a write
// scope that no read can prove is reported as unverified, never as granted.
func ExampleAzureDevOps_CheckScopes() {
	srv, err := providertest.NewAzureServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddOrg("contoso", false)
	secret := providertest.Token(pat.AzureDevOps, "example-check")
	srv.AddToken(secret, providertest.AzureToken{DisplayName: "Ada", UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}})

	az, err := provider.NewAzureDevOps(provider.Config{BaseURL: srv.OrgURL("contoso")})
	if err != nil {
		panic(err)
	}
	tok, _ := pat.New(secret)
	report, err := az.CheckScopes(context.Background(), tok, "vso.code", "vso.code_write")
	fmt.Println(report.User, report.Scopes == nil, report.Unverified, err)
	fmt.Println("requests:", srv.TotalRequests())

	_, err = az.CheckScopes(context.Background(), tok, "vso.build")
	fmt.Println(errors.Is(err, provider.ErrMissingScope))
	// Output:
	// ada@contoso.example true [vso.code_write] <nil>
	// requests: 2
	// true
}

// Tokens are refused before any request when they belong to the other
// provider.
func ExampleErrTokenMismatch() {
	az, _ := provider.NewAzureDevOps(provider.Config{BaseURL: "https://dev.azure.com/contoso"})
	tok, _ := pat.New(providertest.Token(pat.GitHubClassic, "example-mismatch"))
	_, err := az.CheckScopes(context.Background(), tok, "vso.code")
	fmt.Println(errors.Is(err, provider.ErrTokenMismatch))
	// Output: true
}
