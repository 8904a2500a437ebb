package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/patgit/patgit/provider/providertest"
)

// fakeCredential stands in for DefaultAzureCredential: it gets its tokens
// from the fake Azure DevOps, as Entra's token endpoint would issue them.
type fakeCredential struct {
	srv   *providertest.AzureServer
	mu    sync.Mutex
	calls int
	fail  error
}

func (c *fakeCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	c.calls++
	fail := c.fail
	c.mu.Unlock()
	if fail != nil {
		return azcore.AccessToken{}, fail
	}
	if !slices.Equal(opts.Scopes, []string{azureDevOpsScope}) {
		return azcore.AccessToken{}, errors.New("wrong scope")
	}
	tok, exp := c.srv.IssueEntraToken(providertest.AzureToken{DisplayName: "build-sp", UniqueName: "build-sp@contoso.example", Orgs: []string{"contoso"}})
	return azcore.AccessToken{Token: tok, ExpiresOn: exp}, nil
}

func newFake(t *testing.T) (*providertest.AzureServer, *fakeCredential) {
	t.Helper()
	srv, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddOrg("contoso", false)
	if err := srv.AddRepo("contoso", "Tools", "Tools", map[string]string{"README.md": "tools\n"}); err != nil {
		t.Skipf("the fake cannot serve git: %v", err)
	}
	return srv, &fakeCredential{srv: srv}
}

func TestCloneWithEntraToken(t *testing.T) {
	srv, cred := newFake(t)
	dir := filepath.Join(t.TempDir(), "tools")
	var out, errOut bytes.Buffer
	url := srv.OrgURL("contoso") + "/Tools/_git/Tools"
	if code := run(context.Background(), []string{"-q", "-base-url", srv.OrgURL("contoso"), url, dir}, &out, &errOut, cred); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if cred.calls != 1 {
		t.Errorf("GetToken called %d times, want 1", cred.calls)
	}
	var check bytes.Buffer
	if code := run(context.Background(), []string{"-check", "-base-url", srv.OrgURL("contoso"), url}, &check, &errOut, cred); code != 0 {
		t.Fatalf("-check exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(check.String(), "azure-devops-entra") || !strings.Contains(check.String(), "build-sp") {
		t.Errorf("-check printed %q", check.String())
	}
}

func TestEntraSourceReusesAndRetries(t *testing.T) {
	srv, cred := newFake(t)
	_ = srv
	cred.fail = errors.New("AADSTS7000215: Invalid client secret provided")
	src := EntraSource(cred)
	if _, err := src.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("error = %v", err)
	}
	cred.mu.Lock()
	cred.fail = nil
	cred.mu.Unlock()
	a, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := src.Token(context.Background())
	if a.Secret() != b.Secret() || cred.calls != 2 {
		t.Errorf("calls %d, same token %v: a failure is retried, a good token reused", cred.calls, a.Secret() == b.Secret())
	}
	if d := time.Until(a.ExpiresAt()); d < 50*time.Minute || d > time.Hour {
		t.Errorf("ExpiresAt in %v, want about an hour", d)
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), nil, &out, &errOut, &fakeCredential{}); code != 2 {
		t.Errorf("no arguments: exit %d", code)
	}
}
