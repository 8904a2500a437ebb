package gitauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// An unknown server whose path looks like Azure DevOps Server's must never be
// handed the environment's tokens: a look-alike URL would otherwise collect
// AZURE_DEVOPS_EXT_PAT.
func TestResolveUnconfiguredHostIgnoresEnvironment(t *testing.T) {
	secret := providertest.Token(pat.AzureDevOps, "unconfigured-host")
	t.Setenv("AZURE_DEVOPS_EXT_PAT", secret)
	t.Setenv("SYSTEM_ACCESSTOKEN", secret)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_COUNT", "0")

	_, err := gitauth.Resolve(context.Background(), "https://tfs.attacker.example/tfs/Coll/Proj/_git/repo", gitauth.Options{})
	if !errors.Is(err, pat.ErrNotFound) {
		t.Fatalf("Resolve = %v, want an error matching pat.ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "not used for tfs.attacker.example") {
		t.Errorf("error does not say why the environment was skipped: %v", err)
	}

	// The same host, once configured, does use the environment.
	r, err := gitauth.Resolve(context.Background(), "https://tfs.attacker.example/tfs/Coll/Proj/_git/repo",
		gitauth.Options{Provider: provider.Config{BaseURL: "https://tfs.attacker.example/tfs/Coll"}})
	if err != nil {
		t.Fatalf("configured host: %v", err)
	}
	if r.Token.Origin() != "env AZURE_DEVOPS_EXT_PAT" {
		t.Errorf("configured host: token from %q, want env AZURE_DEVOPS_EXT_PAT", r.Token.Origin())
	}
}
