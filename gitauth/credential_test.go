package gitauth

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

func TestCredentialHelper(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	ghHost := hostOf(t, f.gh.URL)
	azHost := hostOf(t, f.az.URL)
	azTok := providertest.Token(pat.AzureDevOps, "helper")
	ghTok := providertest.Token(pat.GitHubClassic, "helper")
	static := func(s string) pat.Source {
		tok, err := pat.New(s)
		if err != nil {
			t.Fatal(err)
		}
		return pat.Static(tok)
	}
	ghOpts := Options{Provider: f.ghCfg, Source: static(f.ghRead)}
	azOpts := Options{Provider: f.azCfg, Source: static(f.azRead)}
	cases := []struct {
		name    string
		op, in  string
		opts    Options
		want    string
		wantErr error // nil and want "": silent
	}{
		{"github get", "get", "protocol=http\nhost=" + ghHost + "\n\n", ghOpts,
			"protocol=http\nhost=" + ghHost + "\nusername=" + ghLogin + "\npassword=" + f.ghRead + "\n", nil},
		{"github get with path", "get", "protocol=http\nhost=" + ghHost + "\npath=octo/hello.git\n\n", ghOpts,
			"protocol=http\nhost=" + ghHost + "\npath=octo/hello.git\nusername=" + ghLogin + "\npassword=" + f.ghRead + "\n", nil},
		{"azure get names the organization", "get", "protocol=http\nhost=" + azHost + "\n\n", azOpts,
			"protocol=http\nhost=" + azHost + "\nusername=" + azOrg + "\npassword=" + f.azRead + "\n", nil},
		{"azure get keeps git's user name", "get", "protocol=http\nhost=" + azHost + "\nusername=someone\n\n", azOpts,
			"protocol=http\nhost=" + azHost + "\nusername=someone\npassword=" + f.azRead + "\n", nil},
		{"azure get with path", "get", "protocol=http\nhost=" + azHost + "\npath=contoso/My%20Project/_git/widgets\n\n", azOpts,
			"protocol=http\nhost=" + azHost + "\npath=contoso/My%20Project/_git/widgets\nusername=" + azOrg + "\npassword=" + f.azRead + "\n", nil},
		{"dev.azure.com", "get", "protocol=https\nhost=dev.azure.com\nusername=fabrikam\n", Options{Source: static(azTok)},
			"protocol=https\nhost=dev.azure.com\nusername=fabrikam\npassword=" + azTok + "\n", nil},
		{"visualstudio.com", "get", "protocol=https\nhost=fabrikam.visualstudio.com\n", Options{Source: static(azTok)},
			"protocol=https\nhost=fabrikam.visualstudio.com\nusername=fabrikam\npassword=" + azTok + "\n", nil},
		{"github.com with configured user name", "get", "protocol=https\nhost=github.com\n", Options{Provider: provider.Config{Username: "ada"}, Source: static(ghTok)},
			"protocol=https\nhost=github.com\nusername=ada\npassword=" + ghTok + "\n", nil},
		{"extra attributes are ignored", "get", "capability[]=authtype\nprotocol=https\nhost=dev.azure.com\nwwwauth[]=Basic realm=x\n", Options{Source: static(azTok)},
			"protocol=https\nhost=dev.azure.com\nusername=patgit\npassword=" + azTok + "\n", nil},
		{"unknown host", "get", "protocol=https\nhost=example.com\n", ghOpts, "", nil},
		{"unknown host with an Azure DevOps Server path", "get", "protocol=https\nhost=evil.example\npath=org/_git/repo\n", Options{Source: static(azTok)}, "", nil},
		{"look-alike host", "get", "protocol=https\nhost=github.com.evil.example\n", Options{Source: static(ghTok)}, "", nil},
		{"ssh", "get", "protocol=ssh\nhost=github.com\n", Options{Source: static(ghTok)}, "", nil},
		{"http to a remote host", "get", "protocol=http\nhost=github.com\n", Options{Source: static(ghTok)}, "", nil},
		{"no host", "get", "protocol=https\n", Options{Source: static(ghTok)}, "", nil},
		{"no token", "get", "protocol=https\nhost=github.com\n", Options{Source: pat.Env("PATGIT_TEST_UNSET_VARIABLE")}, "", nil},
		{"token of the other provider", "get", "protocol=https\nhost=dev.azure.com\n", Options{Source: static(ghTok)}, "", provider.ErrTokenMismatch},
		{"store", "store", "protocol=https\nhost=github.com\nusername=x\npassword=y\n\n", ghOpts, "", nil},
		{"erase", "erase", "protocol=https\nhost=github.com\n\n", ghOpts, "", nil},
		{"store ignores malformed input", "store", "not a credential", ghOpts, "", nil},
		{"unknown op", "list", "", ghOpts, "", errUnknownOp},
		{"malformed get", "get", "protocol https\n", ghOpts, "", pat.ErrProtocol},
		{"repeated key", "get", "host=a\nhost=b\n", ghOpts, "", pat.ErrProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := CredentialHelper(context.Background(), tc.op, strings.NewReader(tc.in), &out, tc.opts)
			switch {
			case tc.wantErr == errUnknownOp:
				if err == nil || !strings.Contains(err.Error(), `"list"`) {
					t.Errorf("err = %v; want an unsupported operation error", err)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v; want %v", err, tc.wantErr)
				}
			case err != nil:
				t.Errorf("err = %v; want nil", err)
			}
			testkit.NoLeak(t, "error", err, append(f.secrets(), azTok, ghTok)...)
			if out.String() != tc.want {
				t.Errorf("answer:\n%q\nwant:\n%q", out.String(), tc.want)
			}
		})
	}
}

var errUnknownOp = errors.New("unknown op")

func hostOf(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestCredentialHelperWithGit runs real git with this test binary as its
// credential helper (TestMain answers as the helper when GITAUTH_TEST_HELPER
// is set), taking the token from the conventional environment variables.
func TestCredentialHelperWithGit(t *testing.T) {
	f := newFixture(t)
	home := isolateGit(t)
	marker := userHelper(t, home)
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary:", err)
	}
	if strings.ContainsAny(exe, "'\n") {
		t.Skip("test binary path cannot be quoted for the shell")
	}
	cases := []struct {
		host, envVar, secret string
		cfg                  provider.Config
	}{
		{"github", "GH_ENTERPRISE_TOKEN", f.ghRead, f.ghCfg},
		{"azure", "AZURE_DEVOPS_EXT_PAT", f.azRead, f.azCfg},
	}
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			cmd := exec.Command("git", "clone", "-q", f.url(tc.host), dir)
			cmd.Env = append(os.Environ(),
				"GIT_CONFIG_COUNT=2",
				"GIT_CONFIG_KEY_0=credential.helper", "GIT_CONFIG_VALUE_0=",
				"GIT_CONFIG_KEY_1=credential.helper", "GIT_CONFIG_VALUE_1=!'"+exe+"'",
				envHelperMode+"=1",
				envHelperBase+"="+tc.cfg.BaseURL,
				tc.envVar+"="+tc.secret,
			)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git clone with the patgit helper: %v\n%s", err, out)
			}
			if got := readFile(t, filepath.Join(dir, "README.md")); got != "# hello\n" {
				t.Errorf("README.md = %q", got)
			}
			if cfg := readFile(t, filepath.Join(dir, ".git", "config")); strings.Contains(cfg, tc.secret) {
				t.Fatalf(".git/config holds the token")
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the user's helper was called although credential.helper was reset")
			}
		})
	}
}
