package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

func TestClone(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	az, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	defer az.Close()
	if err := az.AddRepo("contoso", "Web", "site", map[string]string{"a.txt": "a\n"}); err != nil {
		t.Fatal(err)
	}
	secret := providertest.Token(pat.AzureDevOps, "clone-example")
	az.AddToken(secret, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	t.Setenv("AZURE_DEVOPS_EXT_PAT", secret)
	dir := filepath.Join(t.TempDir(), "site")
	var stdout, stderr bytes.Buffer
	remote := az.OrgURL("contoso") + "/Web/_git/site"
	if code := run(context.Background(), []string{"-depth", "1", "-base-url", az.OrgURL("contoso"), remote, dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
	if strings.Contains(string(cfg), secret) || strings.Contains(stdout.String()+stderr.String(), secret) {
		t.Fatal("token in .git/config or output")
	}
	if code := run(context.Background(), []string{"only-one-arg"}, &stdout, &stderr); code != 2 {
		t.Errorf("usage error: exit %d, want 2", code)
	}
}
