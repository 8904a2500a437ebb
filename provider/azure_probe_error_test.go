package provider_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// Once connectionData has validated the token, a scope probe that fails
// (here: the server keeps answering 503) leaves its scope unverified and the
// Report still comes back, with the error naming the host.
func TestAzureCheckScopesProbeFailureKeepsReport(t *testing.T) {
	srv, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.AddOrg("contoso", false)
	secret := providertest.Token(pat.AzureDevOps, "probe-failure")
	srv.AddToken(secret, providertest.AzureToken{DisplayName: "Ada", UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}})
	srv.SetFault(providertest.Fault{Kind: providertest.FaultStatus, Route: "GET git/repositories", Status: 503})

	az, err := provider.NewAzureDevOps(provider.Config{BaseURL: srv.OrgURL("contoso"), CacheTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := pat.New(secret)
	rep, err := az.CheckScopes(context.Background(), tok, "vso.code")
	var hostErr *provider.HostError
	if !errors.As(err, &hostErr) {
		t.Fatalf("err = %v, want a *provider.HostError", err)
	}
	if rep == nil {
		t.Fatal("Report is nil although the token was validated")
	}
	if rep.User != "ada@contoso.example" || !slices.Equal(rep.Unverified, []string{"vso.code"}) || len(rep.Missing) != 0 {
		t.Errorf("Report = %+v, want user ada@contoso.example and vso.code unverified", rep)
	}
}
