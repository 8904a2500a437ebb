package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patgit/patgit/examples/internal/bintest"
	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// fakeAzure starts a fake Azure DevOps with contoso/Web/site and a token
// that may read it.
func fakeAzure(t *testing.T) (srv *providertest.AzureServer, remote, secret string) {
	t.Helper()
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	az, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(az.Close)
	files := map[string]string{"a.txt": "a\n"}
	for i := range 200 {
		files[filepath.Join("many", "f"+string(rune('a'+i%26))+strings.Repeat("x", i))] = strings.Repeat("line\n", i)
	}
	if err := az.AddRepo("contoso", "Web", "site", files); err != nil {
		t.Fatal(err)
	}
	secret = providertest.Token(pat.AzureDevOps, "clone-example")
	az.AddToken(secret, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	return az, az.OrgURL("contoso") + "/Web/_git/site", secret
}

func TestClone(t *testing.T) {
	az, remote, secret := fakeAzure(t)
	ghSecret := providertest.Token(pat.GitHubClassic, "clone-wrong-provider")
	base := []string{"-base-url", az.OrgURL("contoso")}
	bin := bintest.Build(t)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		says string
		not  string
	}{
		{"cloned", []string{"AZURE_DEVOPS_EXT_PAT=" + secret}, []string{"-depth", "1", remote}, 0, "cloned", "\r"},
		{"no such repository", []string{"AZURE_DEVOPS_EXT_PAT=" + secret}, []string{az.OrgURL("contoso") + "/Web/_git/nope"}, 1, "clone: " + az.OrgURL("contoso") + "/Web/_git/nope: ", "clone: clone"},
		{"missing token", nil, []string{remote}, 1, "AZURE_DEVOPS_EXT_PAT", "gitauth"},
		{"empty variable", []string{"AZURE_DEVOPS_EXT_PAT="}, []string{remote}, 1, "AZURE_DEVOPS_EXT_PAT empty", "gitauth"},
		{"wrong-provider token", []string{"AZURE_DEVOPS_EXT_PAT=" + ghSecret}, []string{remote}, 2, "a GitHub classic token", "github-classic"},
		{"malformed URL", nil, []string{"https//x"}, 2, "not a URL", "gitauth"},
		{"http to a host that is not loopback", nil, []string{"http://dev.azure.example/o/p/_git/r"}, 2, "http", "gitauth"},
		{"unknown host", nil, []string{"https://git.example.com/o/r"}, 2, "-base-url", "Config."},
		{"unknown loopback host keeps http", nil, []string{"http://127.0.0.1:9/o/r"}, 2, "http://127.0.0.1:9", "https://127.0.0.1"},
		{"unreachable host", []string{"GH_ENTERPRISE_TOKEN=" + providertest.Token(pat.GitHubClassic, "clone-unreachable")}, []string{"-base-url", "http://127.0.0.1:1", "http://127.0.0.1:1/o/r.git"}, 3, "127.0.0.1:1", "gitauth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "site")
			args := append(append([]string{}, base...), tc.args...)
			if tc.name == "unreachable host" {
				args = tc.args
			}
			res := bintest.Run(t, bin, bintest.Env(t, tc.env...), "", append(args, dir)...)
			if res.Code != tc.code || !strings.Contains(res.Out(), tc.says) || strings.Contains(res.Out(), tc.not) {
				t.Fatalf("exit %d, want %d with %q and without %q:\n%s", res.Code, tc.code, tc.says, tc.not, res.Out())
			}
			testkit.NoLeak(t, "output", res.Out(), secret, ghSecret)
			if tc.code != 0 {
				return
			}
			if _, err := os.Stat(filepath.Join(dir, "a.txt")); err != nil {
				t.Fatal(err)
			}
			testkit.NoLeakInDir(t, dir, secret)
			if !strings.Contains(res.Stderr, "\n") || strings.Contains(res.Stderr, "\r") {
				t.Errorf("progress to a pipe is not whole lines:\n%q", res.Stderr)
			}
		})
	}
}

// Usage errors say what was wrong before the usage.
func TestCloneUsage(t *testing.T) {
	bin := bintest.Build(t)
	for _, tc := range []struct {
		args    []string
		problem string
	}{
		{[]string{"-depth", "-3", "https://github.com/o/r", "dir"}, "clone: -depth must be 0 (full history) or more, not -3"},
		{[]string{"https://github.com/o/r"}, "clone: want a repository URL and a directory, got 1 argument"},
		{nil, "clone: want a repository URL and a directory, got 0 arguments"},
		{[]string{"https://github.com/o/r", "dir", "-q"}, "clone: flags go before the URL: -q"},
	} {
		res := bintest.Run(t, bin, bintest.Env(t), "", tc.args...)
		if res.Code != 2 || !strings.HasPrefix(res.Stderr, tc.problem+"\n"+usageLine) {
			t.Errorf("clone %q: exit %d:\n%s\nwant exit 2, %q, then the usage", tc.args, res.Code, res.Out(), tc.problem)
		}
	}
}

// On a terminal, progress is updated in place; elsewhere it is whole lines.
func TestCloneProgress(t *testing.T) {
	az, remote, secret := fakeAzure(t)
	t.Setenv("AZURE_DEVOPS_EXT_PAT", secret)
	for _, terminal := range []bool{true, false} {
		var stdout, stderr bytes.Buffer
		dir := filepath.Join(t.TempDir(), "site")
		if code := run(context.Background(), []string{"-base-url", az.OrgURL("contoso"), remote, dir}, &stdout, &stderr, terminal); code != 0 {
			t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
		}
		if got := strings.Contains(stderr.String(), "\r"); got != terminal {
			t.Errorf("terminal %v: carriage returns in progress: %v\n%q", terminal, got, stderr.String())
		}
		if !strings.Contains(stderr.String(), "done.\n") {
			t.Errorf("terminal %v: progress lacks the final lines:\n%q", terminal, stderr.String())
		}
	}
}
