package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/patgit/patgit/examples/internal/bintest"
	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// fakes are the servers and tokens the tests of check use.
type fakes struct {
	gh, ghRemote, az, azRemote, azRoot string
	ghServer                           *providertest.GitHubServer
	azServer                           *providertest.AzureServer
	secrets                            []string
}

// token makes a generated token known to the test's leak scan.
func (f *fakes) token(kind pat.Kind, seed string) string {
	s := providertest.Token(kind, seed)
	f.secrets = append(f.secrets, s)
	return s
}

// Tokens of the fakes, by what they may do.
var (
	writeHello = map[string]providertest.Access{"octo/hello": providertest.AccessWrite}
	readHello  = map[string]providertest.Access{"octo/hello": providertest.AccessRead}
)

func startFakes(t *testing.T) *fakes {
	t.Helper()
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Close)
	if err := gh.AddRepo("octo", "hello", nil); err != nil {
		t.Fatal(err)
	}
	az, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(az.Close)
	if err := az.AddRepo("contoso", "Web", "site", nil); err != nil {
		t.Fatal(err)
	}
	return &fakes{
		gh: gh.URL, ghRemote: gh.URL + "/octo/hello.git", ghServer: gh, azServer: az,
		az: az.OrgURL("contoso"), azRoot: az.URL, azRemote: az.OrgURL("contoso") + "/Web/_git/site",
	}
}

// A case is one run of check: its environment, flags, and what it must say.
type checkCase struct {
	name string
	env  []string
	args []string
	code int
	kind string   // the JSON error_kind
	says []string // in the table output
	not  []string // never in the table output
}

func TestCheck(t *testing.T) {
	f := startFakes(t)
	ghs := f.ghServer

	writer := f.token(pat.GitHubClassic, "check-writer")
	narrow := f.token(pat.GitHubClassic, "check-narrow")
	revoked := f.token(pat.GitHubClassic, "check-revoked")
	expired := f.token(pat.GitHubClassic, "check-expired")
	fgReader := f.token(pat.GitHubFineGrained, "check-fg-reader")
	fgWriter := f.token(pat.GitHubFineGrained, "check-fg-writer")
	limited := f.token(pat.GitHubClassic, "check-limited")
	sso := f.token(pat.GitHubClassic, "check-sso")
	ghs.AddToken(writer, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: writeHello, Expiration: "2099-01-01 00:00:00 UTC"})
	ghs.AddToken(narrow, providertest.GitHubToken{Login: "octocat", Scopes: []string{"public_repo"}, Repos: readHello})
	ghs.AddToken(revoked, providertest.GitHubToken{Login: "octocat", Revoked: true})
	ghs.AddToken(expired, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Expiration: "2020-01-01 00:00:00 UTC"})
	ghs.AddToken(fgReader, providertest.GitHubToken{Login: "octocat", Repos: readHello})
	ghs.AddToken(fgWriter, providertest.GitHubToken{Login: "octocat", Repos: writeHello})
	ghs.AddToken(limited, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: writeHello, RateLimit: providertest.RateLimitPrimary429})
	ghs.AddToken(sso, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: writeHello, SSOOrgs: []string{"octo"}})

	azWriter := f.token(pat.AzureDevOps, "check-az-writer")
	azReader := f.token(pat.AzureDevOps, "check-az-reader")
	azWork := f.token(pat.AzureDevOps, "check-az-work")
	azLegacy := providertest.LegacyAzureToken("check-az-legacy")
	f.secrets = append(f.secrets, azLegacy)
	azServer := f.azServer
	azServer.AddToken(azWriter, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code_write"}})
	azServer.AddToken(azReader, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	azServer.AddToken(azWork, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.work"}})
	azServer.AddToken(azLegacy, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code_write"}})

	ghEnv := func(secret string) []string { return []string{"GH_ENTERPRISE_TOKEN=" + secret} }
	azEnv := func(secret string) []string { return []string{"AZURE_DEVOPS_EXT_PAT=" + secret} }
	gh2 := []string{"-base-url", f.gh}
	az2 := []string{"-base-url", f.az}
	args := func(base []string, rest ...string) []string { return append(append([]string{}, base...), rest...) }

	cases := []checkCase{
		// GitHub: proof, or no 0.
		{"valid classic", ghEnv(writer), args(gh2, "-need", "repo", "-write", f.ghRemote), 0, "",
			[]string{"proven:      repo", "scopes:      repo", "read:        ok", "write:       ok", "result:      ok", "GitHub classic token ghp_********"}, nil},
		{"missing scope", ghEnv(narrow), args(gh2, "-need", "repo", f.ghRemote), 1, "missing_scope",
			[]string{"missing:     repo", "lacks the scope 'repo'", "add it"}, []string{"add them", "read:"}},
		{"two missing scopes", ghEnv(narrow), args(gh2, "-need", "repo,workflow", f.ghRemote), 1, "missing_scope",
			[]string{"lacks the scopes 'repo' and 'workflow'"}, nil},
		{"fine-grained, unprovable scope", ghEnv(fgReader), args(gh2, "-need", "workflow", f.ghRemote), 4, "unverified",
			[]string{"unverified:  workflow", "could not prove the scope 'workflow' either way", "a GitHub fine-grained token", "the probes below are the proof"}, nil},
		{"fine-grained, repo proven by a push probe", ghEnv(fgWriter), args(gh2, "-need", "repo", f.ghRemote), 0, "",
			[]string{"proven:      repo", "write:       ok"}, nil},
		{"fine-grained, repo refused by the push probe", ghEnv(fgReader), args(gh2, "-need", "repo", f.ghRemote), 1, "access_denied",
			[]string{"write:       denied", "may not push", "'repo'"}, nil},
		{"read-only classic asked to write", ghEnv(narrow), args(gh2, "-write", f.ghRemote), 1, "access_denied",
			[]string{"write:       denied", "may read octo/hello, but may not push to it"}, nil},
		{"no such repository", ghEnv(writer), args(gh2, f.gh+"/octo/nope.git"), 1, "access_denied",
			[]string{"read:        denied", "may not read octo/nope"}, nil},
		{"revoked", ghEnv(revoked), args(gh2, f.ghRemote), 1, "unauthorized", nil,
			[]string{"scopes:", "expires:", "read:", "user:"}},
		{"expired", ghEnv(expired), args(gh2, f.ghRemote), 1, "unauthorized", nil, []string{"scopes:", "expires:"}},
		{"rate limited", ghEnv(limited), args(gh2, f.ghRemote), 3, "rate_limited", nil, []string{"scopes:"}},
		{"SSO", ghEnv(sso), args(gh2, f.ghRemote), 1, "sso_required", nil, nil},
		{"Azure scope asked of GitHub", ghEnv(writer), args(gh2, "-need", "vso.code", f.ghRemote), 2, "bad_input",
			[]string{"-need 'vso.code' is not a GitHub scope; GitHub scopes are: ", "repo, "}, []string{"token:"}},

		// Bad input of every kind.
		{"malformed URL", ghEnv(writer), []string{"https//x"}, 2, "bad_input", []string{"not a URL"}, nil},
		{"http to a host that is not loopback", ghEnv(writer), []string{"http://github.example.com/o/r"}, 2, "bad_input", []string{"plain http"}, nil},
		{"unknown host", ghEnv(writer), []string{"https://git.example.com/o/r"}, 2, "bad_input", []string{"-base-url"}, nil},
		{"unknown loopback host keeps http", ghEnv(writer), []string{"http://127.0.0.1:9/o/r"}, 2, "bad_input",
			[]string{"-base-url", "http://127.0.0.1:9"}, []string{"https://127.0.0.1"}},
		{"missing token", nil, args(gh2, f.ghRemote), 1, "no_token", []string{"GH_ENTERPRISE_TOKEN"}, []string{"token:"}},
		{"empty variable", ghEnv(""), args(gh2, f.ghRemote), 1, "no_token", []string{"GH_ENTERPRISE_TOKEN empty"}, nil},
		{"wrong-provider token", azEnv(writer), args(az2, f.azRemote), 2, "bad_input", []string{"a GitHub classic token cannot"}, nil},
		{"truncated token", ghEnv(writer[:len(writer)-3]), args(gh2, f.ghRemote), 2, "bad_input", []string{"truncated"}, []string{"scopes:", "expires:"}},
		{"unreachable host", ghEnv(writer), []string{"-base-url", "http://127.0.0.1:1", "http://127.0.0.1:1/octo/hello.git"}, 3, "network",
			[]string{"127.0.0.1:1"}, []string{"scopes:", "expires:", "https://127.0.0.1"}},

		// Azure DevOps.
		{"Azure write proven by a push probe", azEnv(azWriter), args(az2, "-need", "vso.code_write", f.azRemote), 0, "",
			[]string{"proven:      vso.code_write", "write:       ok", "Azure DevOps token"}, nil},
		{"Azure legacy token", azEnv(azLegacy), args(az2, "-need", "vso.code,vso.code_write", f.azRemote), 0, "", []string{"proven:      vso.code, vso.code_write"}, nil},
		{"Azure read proven by the API", azEnv(azReader), args(az2, "-need", "vso.code", f.azRemote), 0, "", []string{"proven:      vso.code"}, []string{"write:"}},
		{"Azure read-only token asked to write", azEnv(azReader), args(az2, "-need", "vso.code_write", f.azRemote), 1, "access_denied",
			[]string{"write:       denied", "lacks the scope 'vso.code_write'"}, nil},
		{"Azure unprovable scope", azEnv(azWriter), args(az2, "-need", "vso.code_manage", f.azRemote), 4, "unverified",
			[]string{"unverified:  vso.code_manage", "an Azure DevOps token"}, nil},
		{"Azure scope proven missing", azEnv(azWork), args(az2, "-need", "vso.code", f.azRemote), 1, "missing_scope", []string{"lacks the scope 'vso.code'"}, nil},
		{"GitHub scope asked of Azure", azEnv(azWriter), args(az2, "-need", "repo", f.azRemote), 2, "bad_input",
			[]string{"-need 'repo' is not an Azure DevOps scope; Azure DevOps scopes are: ", "vso.code, "}, nil},
		{"two GitHub scopes asked of Azure", nil, args(az2, "-need", "repo", "-need", "workflow", f.azRemote), 2, "bad_input",
			[]string{"-need 'repo' and 'workflow' are not Azure DevOps scopes"}, nil},
		{"Azure DevOps Server at a server root, with -provider", azEnv(azWriter), []string{"-base-url", f.azRoot, "-provider", "azure-devops", "-need", "vso.code_write", f.azRoot + "/contoso/Web/_git/site"}, 0, "",
			[]string{"proven:      vso.code_write"}, nil},
		{"unknown -provider", azEnv(azWriter), []string{"-base-url", f.azRoot, "-provider", "bogus", f.azRemote}, 2, "bad_input", []string{`-provider "bogus"`}, nil},
		{"Azure Pipelines configures itself", []string{"SYSTEM_COLLECTIONURI=" + f.az + "/", "SYSTEM_ACCESSTOKEN=" + azWriter}, []string{"-need", "vso.code_write", f.azRemote}, 0, "",
			[]string{"from env SYSTEM_ACCESSTOKEN", "proven:      vso.code_write"}, nil},
		{"Azure without a token", nil, args(az2, f.azRemote), 1, "no_token", []string{"AZURE_DEVOPS_EXT_PAT"}, nil},
	}
	bin := bintest.Build(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := bintest.Env(t, tc.env...)
			table := bintest.Run(t, bin, env, "", tc.args...)
			if table.Code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", table.Code, tc.code, table.Out())
			}
			for _, s := range tc.says {
				if !strings.Contains(table.Stdout, s) {
					t.Errorf("output lacks %q:\n%s", s, table.Stdout)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(table.Stdout, s) {
					t.Errorf("output has %q:\n%s", s, table.Stdout)
				}
			}
			checkWords(t, table.Out())
			testkit.NoLeak(t, "output", table.Out(), f.secrets...)

			js := bintest.Run(t, bin, env, "", append([]string{"-json"}, tc.args...)...)
			if js.Code != tc.code {
				t.Fatalf("-json: exit %d, want %d:\n%s", js.Code, tc.code, js.Out())
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(js.Stdout), &v); err != nil {
				t.Fatalf("-json output is not one JSON object: %v\n%s", err, js.Stdout)
			}
			if v["error_kind"] != tc.kind || v["exit_status"] != float64(tc.code) {
				t.Errorf("error_kind %q, exit_status %v; want %q, %d:\n%s", v["error_kind"], v["exit_status"], tc.kind, tc.code, js.Stdout)
			}
			for k, x := range v {
				if x == nil {
					t.Errorf("-json has %q: null:\n%s", k, js.Stdout)
				}
			}
			if _, ok := v["token_kind"]; !ok {
				for _, k := range []string{"scopes", "expires_at", "user"} {
					if _, ok := v[k]; ok {
						t.Errorf("-json has %q though the token was never checked:\n%s", k, js.Stdout)
					}
				}
			}
			testkit.NoLeak(t, "output", js.Out(), f.secrets...)
		})
	}
}

// libraryWords are the library's own names and spellings that no program
// output may show.
var libraryWords = regexp.MustCompile(`Config\.|Options\.|(?:^|[:;] |error: +)(?:gitauth|pat|provider|github [^ ]+|azure-devops [^ ]+): |\ba (azure|Azure|unknown)|\bgithub-classic token|\(azure-devops\)`)

// checkWords fails the test when out speaks the library's language.
func checkWords(t *testing.T, out string) {
	t.Helper()
	if m := libraryWords.FindString(out); m != "" {
		t.Errorf("output has %q:\n%s", m, out)
	}
}

// Usage errors say what was wrong before the usage, on stderr.
func TestCheckUsage(t *testing.T) {
	bin := bintest.Build(t)
	for _, tc := range []struct {
		args    []string
		problem string
	}{
		{nil, "check: no repository URL given"},
		{[]string{"https://github.com/o/r", "https://github.com/o/s"}, "check: want one repository URL, got 2 arguments"},
		{[]string{"https://github.com/o/r", "-json"}, "check: flags go before the URL: -json"},
		{[]string{"-bogus", "https://github.com/o/r"}, "flag provided but not defined: -bogus"},
	} {
		res := bintest.Run(t, bin, bintest.Env(t), "", tc.args...)
		if res.Code != 2 || !strings.HasPrefix(res.Stderr, tc.problem) || !strings.Contains(res.Stderr, usageLine) || res.Stdout != "" {
			t.Errorf("check %q: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q, then the usage", tc.args, res.Code, res.Stdout, res.Stderr, tc.problem)
		}
	}
	if res := bintest.Run(t, bin, bintest.Env(t), "", "-h"); res.Code != 0 || !strings.Contains(res.Stderr, usageLine) {
		t.Errorf("check -h: exit %d:\n%s", res.Code, res.Out())
	}
}

// A host that keeps failing is "network or host trouble" (exit 3).
func TestCheckServerError(t *testing.T) {
	f := startFakes(t)
	secret := f.token(pat.GitHubClassic, "check-5xx")
	f.ghServer.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: writeHello})
	bin := bintest.Build(t)
	for _, tc := range []struct {
		name  string
		fault providertest.Fault
	}{
		{"API 503", providertest.Fault{Kind: providertest.FaultStatus, Status: http.StatusServiceUnavailable, Route: "GET /user"}},
		{"git 503", providertest.Fault{Kind: providertest.FaultStatus, Status: http.StatusServiceUnavailable, Route: "git info/refs"}},
		{"git 500", providertest.Fault{Kind: providertest.FaultStatus, Status: http.StatusInternalServerError, Route: "git info/refs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.ghServer.SetFault(tc.fault)
			defer f.ghServer.SetFault(providertest.Fault{})
			res := bintest.Run(t, bin, bintest.Env(t, "GH_ENTERPRISE_TOKEN="+secret), "", "-json", "-base-url", f.gh, f.ghRemote)
			if res.Code != 3 || !strings.Contains(res.Stdout, `"error_kind": "network"`) {
				t.Fatalf("exit %d, want 3 and error_kind network:\n%s", res.Code, res.Out())
			}
			testkit.NoLeak(t, "output", res.Out(), f.secrets...)
		})
	}
}

// check never exits 0 without proof, for every kind of GitHub token the fake
// issues: with a scope nothing proves, it says 4 (or 1 when the host
// disclosed the scopes and the scope is missing); with a push proven, 0.
func TestCheckEveryGitHubKind(t *testing.T) {
	f := startFakes(t)
	bin := bintest.Build(t)
	for _, kind := range []pat.Kind{pat.GitHubClassic, pat.GitHubOAuth, pat.GitHubFineGrained, pat.GitHubUser, pat.GitHubInstallation} {
		t.Run(kind.String(), func(t *testing.T) {
			secret := f.token(kind, "every-kind")
			f.ghServer.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: writeHello})
			env := bintest.Env(t, "GH_ENTERPRISE_TOKEN="+secret)
			disclosed := kind == pat.GitHubClassic || kind == pat.GitHubOAuth
			res := bintest.Run(t, bin, env, "", "-base-url", f.gh, "-need", "workflow", f.ghRemote)
			if want := map[bool]int{true: 1, false: 4}[disclosed]; res.Code != want {
				t.Errorf("-need workflow: exit %d, want %d:\n%s", res.Code, want, res.Out())
			}
			res = bintest.Run(t, bin, env, "", "-base-url", f.gh, "-need", "repo", f.ghRemote)
			if res.Code != 0 || !strings.Contains(res.Stdout, "proven:      repo") {
				t.Errorf("-need repo: exit %d, want 0 with repo proven:\n%s", res.Code, res.Out())
			}
			testkit.NoLeak(t, "output", res.Out(), f.secrets...)
		})
	}
}
