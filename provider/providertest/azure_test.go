package providertest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/core"
	azgit "github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// azFixture is a fake with one organization "contoso" and tokens:
// code (vso.code), write (vso.code_write), full (app_token), build
// (vso.build), pkg (vso.packaging), expired, scoped (valid only for
// "fabrikam").
type azFixture struct {
	srv                                            *providertest.AzureServer
	code, write, full, build, pkg, expired, scoped string
}

func newAzFixture(t *testing.T) *azFixture {
	t.Helper()
	srv, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	f := &azFixture{srv: srv}
	srv.AddOrg("contoso", false)
	srv.AddOrg("fabrikam", false)
	add := func(seed string, tok providertest.AzureToken) string {
		s := providertest.Token(pat.AzureDevOps, seed)
		srv.AddToken(s, tok)
		return s
	}
	ada := func(scopes ...string) providertest.AzureToken {
		return providertest.AzureToken{DisplayName: "Ada Lovelace", UniqueName: "ada@contoso.example", Scopes: scopes}
	}
	f.code = add("code", ada("vso.code"))
	f.write = add("write", ada("vso.code_write"))
	f.full = add("full", ada("app_token"))
	f.build = add("build", ada("vso.build"))
	f.pkg = add("pkg", ada("vso.packaging"))
	exp := ada("vso.code")
	exp.Expired = true
	f.expired = add("expired", exp)
	sc := ada("vso.code")
	sc.Orgs = []string{"fabrikam"}
	sc.ID = "0b8c5b0e-7c59-4f5b-9a59-3a1f8d2c4e11"
	f.scoped = add("scoped", sc)
	return f
}

type azResp struct {
	status int
	header http.Header
	body   []byte
}

func azGet(t *testing.T, method, rawURL, secret string, suppress bool) azResp {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		req.SetBasicAuth("", secret)
	}
	req.Header.Set("Accept", "application/json;api-version=7.1-preview.1")
	if suppress {
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return azResp{resp.StatusCode, resp.Header, b}
}

func TestAzureConnectionData(t *testing.T) {
	f := newAzFixture(t)
	r := azGet(t, "GET", f.srv.OrgURL("Contoso")+"/_apis/connectionData", f.code, true)
	if r.status != 200 {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	var cd location.ConnectionData
	if err := json.Unmarshal(r.body, &cd); err != nil {
		t.Fatalf("SDK model cannot decode connectionData: %v", err)
	}
	if cd.AuthenticatedUser == nil || cd.AuthenticatedUser.Id == nil || cd.InstanceId == nil || cd.DeploymentId == nil {
		t.Fatalf("missing ids: %s", r.body)
	}
	if got := *cd.AuthenticatedUser.ProviderDisplayName; got != "Ada Lovelace" {
		t.Errorf("providerDisplayName = %q", got)
	}
	if got := string(*cd.DeploymentType); got != "hosted" {
		t.Errorf("deploymentType = %q", got)
	}
	props, _ := cd.AuthenticatedUser.Properties.(map[string]any)
	acct, _ := props["Account"].(map[string]any)
	if acct["$value"] != "ada@contoso.example" {
		t.Errorf("Account property = %v", props)
	}
	if cd.AuthorizedUser == nil || *cd.AuthorizedUser.Id != *cd.AuthenticatedUser.Id {
		t.Errorf("authorizedUser differs from authenticatedUser")
	}
	if strings.Contains(string(r.body), f.code) {
		t.Error("body holds the token")
	}
}

func TestAzureRejections(t *testing.T) {
	f := newAzFixture(t)
	f.srv.AddOrg("public", true)
	bad := providertest.Token(pat.AzureDevOps, "unknown")
	cd := func(org string) string { return f.srv.OrgURL(org) + "/_apis/connectionData" }
	tests := []struct {
		name        string
		url, secret string
		suppress    bool
		status      int
		contentType string
		body        string            // substring
		headers     map[string]string // header → substring
	}{
		{"bad token, Suppress", cd("contoso"), bad, true, 401, "application/json",
			`"message":"TF400813: The user '' is not authorized to access this resource."`,
			map[string]string{"WWW-Authenticate": `Basic realm="https://`, "X-TFS-ProcessId": "-", "X-VSS-ResourceTenant": "-", "X-TFS-FedAuthRealm": "https://"}},
		{"bad token typeKey", cd("contoso"), bad, true, 401, "application/json", `"typeKey":"UnauthorizedRequestException"`, nil},
		{"no token, Suppress", cd("contoso"), "", true, 401, "application/json", "TF400813", nil},
		{"bad token, no Suppress", cd("contoso"), bad, false, 203, "text/html", "<title>Azure DevOps Services | Sign In</title>", nil},
		{"expired, Suppress", cd("contoso"), f.expired, true, 401, "application/json",
			`"message":"Access Denied: The Personal Access Token used has expired."`,
			map[string]string{"X-TFS-ServiceError": "Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired."}},
		{"expired typeKey", cd("contoso"), f.expired, true, 401, "application/json", `"typeKey":"AccessCheckException"`, nil},
		{"expired, no Suppress", cd("contoso"), f.expired, false, 203, "text/html", "Sign In", nil},
		{"org-scoped token on another org", cd("contoso"), f.scoped, true, 401, "application/json",
			"TF400813: The user '0b8c5b0e-7c59-4f5b-9a59-3a1f8d2c4e11' is not authorized", nil},
		{"org-scoped token on its org", cd("fabrikam"), f.scoped, true, 200, "application/json", "0b8c5b0e-7c59-4f5b-9a59-3a1f8d2c4e11", nil},
		{"public org, bad token", cd("public"), bad, true, 200, "application/json", `"id":"` + providertest.AzureAnonymousID + `"`, nil},
		{"public org, no token", cd("public"), "", true, 200, "application/json", providertest.AzureAnonymousID, nil},
		{"public org, bad token, repositories", f.srv.OrgURL("public") + "/_apis/git/repositories", bad, true, 401, "application/json", "TF400813", nil},
		{"unknown org", cd("nosuchorg"), f.code, true, 404, "application/json", "", nil},
		{"malformed api-version", cd("contoso") + "?api-version=seven", f.code, true, 400, "application/json", "REST API version of seven", nil},
		{"bad token on OPTIONS", f.srv.OrgURL("contoso") + "/_apis", bad, true, 401, "application/json", "TF400813", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "GET"
			if strings.HasSuffix(tt.url, "/_apis") {
				method = "OPTIONS"
			}
			r := azGet(t, method, tt.url, tt.secret, tt.suppress)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d; body %s", r.status, tt.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type = %q, want %s", ct, tt.contentType)
			}
			if !strings.Contains(string(r.body), tt.body) {
				t.Errorf("body %s\nwant it to contain %s", r.body, tt.body)
			}
			for h, want := range tt.headers {
				if got := strings.Join(r.header.Values(h), ", "); !strings.Contains(got, want) {
					t.Errorf("%s = %q, want it to contain %q", h, got, want)
				}
			}
		})
	}
}

func TestAzureScopeProtection(t *testing.T) {
	f := newAzFixture(t)
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	if err := f.srv.AddRepo("contoso", "Web", "site", nil); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, s := range []string{"vso.code", "vso.code_full", "vso.build", "vso.build_execute", "vso.work_full", "vso.packaging_manage", "vso.project_manage", "vso.profile", "vso.agentpools", "app_token"} {
		sec := providertest.Token(pat.AzureDevOps, "scope "+s)
		f.srv.AddToken(sec, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{s}})
		tokens[s] = sec
	}
	org := f.srv.OrgURL("contoso")
	tests := []struct {
		path, route string
		allowed     []string // scopes that get 200; every other gets 401
	}{
		{"/_apis/git/repositories", "GET git/repositories", []string{"vso.code", "vso.code_full", "app_token"}},
		{"/Web/_apis/git/repositories", "GET git/repositories", []string{"vso.code", "vso.code_full", "app_token"}},
		{"/Web/_apis/git/repositories/site", "GET git/repository", []string{"vso.code", "vso.code_full", "app_token"}},
		{"/Web/_apis/git/repositories/SITE/refs", "GET git/refs", []string{"vso.code", "vso.code_full", "app_token"}},
		{"/Web/_apis/build/builds", "GET build/builds", []string{"vso.build", "vso.build_execute", "app_token"}},
		{"/_apis/build/resourceusage", "GET build/resourceusage", []string{"vso.build", "vso.build_execute", "app_token"}},
		{"/_apis/wit/fields", "GET wit/fields", []string{"vso.work_full", "app_token"}},
		{"/_apis/wit/workitemrelationtypes", "GET wit/workitemrelationtypes", []string{"vso.work_full", "app_token"}},
		{"/_apis/packaging/feeds", "GET packaging/feeds", []string{"vso.packaging_manage", "app_token"}},
		{"/_apis/teams", "GET teams", []string{"vso.project_manage", "app_token"}},
		// The specification accepts vso.profile for the project list, and
		// vso.code, vso.build, vso.work and vso.packaging inherit it.
		{"/_apis/projects", "GET projects", []string{"vso.code", "vso.code_full", "vso.build", "vso.build_execute", "vso.work_full", "vso.packaging_manage", "vso.project_manage", "vso.profile", "app_token"}},
		{"/_apis/distributedtask/pools", "GET distributedtask/pools", []string{"vso.agentpools", "app_token"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f.srv.ResetCounts()
			for scope, sec := range tokens {
				want := 401
				for _, a := range tt.allowed {
					if a == scope {
						want = 200
					}
				}
				r := azGet(t, "GET", org+tt.path, sec, true)
				if r.status != want {
					t.Errorf("%s: status = %d, want %d; body %s", scope, r.status, want, r.body)
				}
				if want == 401 && !strings.Contains(string(r.body), "TF400813: The user '") {
					t.Errorf("%s: 401 body %s", scope, r.body)
				}
			}
			if got := f.srv.Requests(tt.route); got != len(tokens) {
				t.Errorf("Requests(%q) = %d, want %d", tt.route, got, len(tokens))
			}
		})
	}
	t.Run("unknown repository", func(t *testing.T) {
		r := azGet(t, "GET", org+"/Web/_apis/git/repositories/nope", tokens["vso.code"], true)
		if r.status != 404 || !strings.Contains(string(r.body), "TF401019") {
			t.Errorf("status %d body %s", r.status, r.body)
		}
	})
	t.Run("unknown project", func(t *testing.T) {
		r := azGet(t, "GET", org+"/Nope/_apis/git/repositories", tokens["vso.code"], true)
		if r.status != 404 || !strings.Contains(string(r.body), "TF200016") {
			t.Errorf("status %d body %s", r.status, r.body)
		}
	})
	t.Run("repository list", func(t *testing.T) {
		r := azGet(t, "GET", org+"/_apis/git/repositories", tokens["vso.code"], true)
		var list struct {
			Count int `json:"count"`
			Value []struct {
				Name      string `json:"name"`
				RemoteURL string `json:"remoteUrl"`
			} `json:"value"`
		}
		if err := json.Unmarshal(r.body, &list); err != nil || list.Count != 1 {
			t.Fatalf("%v %s", err, r.body)
		}
		if want := org + "/Web/_git/site"; list.Value[0].RemoteURL != want {
			t.Errorf("remoteUrl = %q, want %q", list.Value[0].RemoteURL, want)
		}
	})
	t.Run("refs", func(t *testing.T) {
		r := azGet(t, "GET", org+"/Web/_apis/git/repositories/site/refs", tokens["vso.code"], true)
		if !strings.Contains(string(r.body), `"name":"refs/heads/main"`) {
			t.Errorf("body %s", r.body)
		}
	})
}

func TestAzureCounters(t *testing.T) {
	f := newAzFixture(t)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", f.srv.OrgURL("contoso")+"/_apis/connectionData", nil)
			req.SetBasicAuth("", f.code)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	azGet(t, "OPTIONS", f.srv.OrgURL("contoso")+"/_apis", "", false)
	azGet(t, "GET", f.srv.OrgURL("contoso")+"/_apis/nothing/here", f.code, true)
	if got := f.srv.Requests("GET connectionData"); got != 20 {
		t.Errorf("connectionData = %d, want 20", got)
	}
	if got := f.srv.Requests("OPTIONS /_apis"); got != 1 {
		t.Errorf("OPTIONS = %d, want 1", got)
	}
	if got := f.srv.Requests("other"); got != 1 {
		t.Errorf("other = %d, want 1", got)
	}
	if got := f.srv.TotalRequests(); got != 22 {
		t.Errorf("total = %d, want 22", got)
	}
	f.srv.ResetCounts()
	if f.srv.TotalRequests() != 0 || f.srv.Requests("GET connectionData") != 0 {
		t.Error("ResetCounts left counts")
	}
}

func TestAzureCollection(t *testing.T) {
	srv, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	coll := srv.AddCollection("DefaultCollection")
	if want := srv.URL + "/tfs/DefaultCollection"; coll != want {
		t.Fatalf("AddCollection = %q, want %q", coll, want)
	}
	onprem := "onprem-token-of-any-shape"
	srv.AddToken(onprem, providertest.AzureToken{DisplayName: "CONTOSO\\ada", Scopes: []string{"vso.code"}})
	r := azGet(t, "GET", coll+"/_apis/connectionData", onprem, true)
	if r.status != 200 || !strings.Contains(string(r.body), `"deploymentType":"onPremises"`) {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	r = azGet(t, "GET", coll+"/_apis/connectionData", "wrong", true)
	if r.status != 401 || !strings.Contains(strings.Join(r.header.Values("WWW-Authenticate"), ","), "NTLM") {
		t.Errorf("status %d WWW-Authenticate %q", r.status, r.header.Values("WWW-Authenticate"))
	}
	// Not served at the root: a collection lives under the virtual directory.
	if r := azGet(t, "GET", srv.URL+"/DefaultCollection/_apis/connectionData", onprem, true); r.status != 404 {
		t.Errorf("root path status %d", r.status)
	}

	// The Go SDK against the collection: ResourceAreas is empty on a server,
	// so the git client uses the collection URL.
	conn := azuredevops.NewPatConnection(coll, onprem)
	ctx := context.Background()
	gc, err := azgit.NewClient(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	repos, err := gc.GetRepositories(ctx, azgit.GetRepositoriesArgs{})
	if err != nil || repos == nil {
		t.Fatalf("GetRepositories: %v", err)
	}
}

func TestAzureSDK(t *testing.T) {
	f := newAzFixture(t)
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	if err := f.srv.AddRepo("contoso", "My Project", "My Repo", nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn := azuredevops.NewPatConnection(f.srv.OrgURL("Contoso"), f.code)

	lc := location.NewClient(ctx, conn)
	cd, err := lc.GetConnectionData(ctx, location.GetConnectionDataArgs{})
	if err != nil {
		t.Fatalf("GetConnectionData: %v", err)
	}
	if cd.AuthenticatedUser == nil || *cd.AuthenticatedUser.ProviderDisplayName != "Ada Lovelace" {
		t.Errorf("user = %+v", cd.AuthenticatedUser)
	}

	gc, err := azgit.NewClient(ctx, conn)
	if err != nil {
		t.Fatalf("git.NewClient: %v", err)
	}
	project := "My Project"
	repos, err := gc.GetRepositories(ctx, azgit.GetRepositoriesArgs{Project: &project})
	if err != nil {
		t.Fatalf("GetRepositories: %v", err)
	}
	if len(*repos) != 1 || *(*repos)[0].Name != "My Repo" {
		t.Errorf("repositories = %+v", *repos)
	}
	name := "my repo"
	repo, err := gc.GetRepository(ctx, azgit.GetRepositoryArgs{Project: &project, RepositoryId: &name})
	if err != nil || *repo.Name != "My Repo" {
		t.Errorf("GetRepository: %v", err)
	}
	refs, err := gc.GetRefs(ctx, azgit.GetRefsArgs{Project: &project, RepositoryId: &name})
	if err != nil || len(refs.Value) != 1 || *refs.Value[0].Name != "refs/heads/main" {
		t.Errorf("GetRefs: %v %+v", err, refs)
	}

	cc, err := core.NewClient(ctx, conn)
	if err != nil {
		t.Fatalf("core.NewClient: %v", err)
	}
	projects, err := cc.GetProjects(ctx, core.GetProjectsArgs{})
	if err != nil || len(projects.Value) != 1 || *projects.Value[0].Name != "My Project" {
		t.Errorf("GetProjects: %v %+v", err, projects)
	}
	// OPTIONS is cached per base URL for the process, ResourceAreas per
	// Connection.
	if f.srv.Requests("OPTIONS /_apis") != 1 || f.srv.Requests("GET ResourceAreas") != 1 {
		t.Errorf("discovery requests: OPTIONS %d, ResourceAreas %d", f.srv.Requests("OPTIONS /_apis"), f.srv.Requests("GET ResourceAreas"))
	}

	// A bad token: the SDK's first call (OPTIONS, not yet cached for this
	// base URL) fails with the TF400813 WrappedError.
	badConn := azuredevops.NewPatConnection(f.srv.OrgURL("fabrikam"), providertest.Token(pat.AzureDevOps, "unknown"))
	_, err = location.NewClient(ctx, badConn).GetConnectionData(ctx, location.GetConnectionDataArgs{})
	var bad azuredevops.WrappedError
	if !errors.As(err, &bad) || bad.StatusCode == nil || *bad.StatusCode != 401 || *bad.Message != "TF400813: The user '' is not authorized to access this resource." {
		t.Errorf("GetConnectionData with a bad token: %v", err)
	}

	// A token without vso.code: the SDK sees a 401 WrappedError.
	build := azuredevops.NewPatConnection(f.srv.OrgURL("contoso"), f.build)
	gb, err := azgit.NewClient(ctx, build)
	if err != nil {
		t.Fatal(err)
	}
	_, err = gb.GetRepositories(ctx, azgit.GetRepositoriesArgs{})
	var we azuredevops.WrappedError
	if !errors.As(err, &we) || we.StatusCode == nil || *we.StatusCode != 401 || !strings.Contains(*we.Message, "TF400813") {
		t.Errorf("GetRepositories without vso.code: %v", err)
	}
}

// gitCmd runs git with no user configuration and the token in an extra
// header (never in a URL).
func gitCmd(t *testing.T, dir, secret string, args ...string) (string, error) {
	t.Helper()
	full := []string{}
	if secret != "" {
		full = append(full, "-c", "http.extraHeader=Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(":"+secret)))
	}
	full = append(full, args...)
	cmd := exec.Command("git", full...)
	cmd.Dir = dir
	cmd.Env = []string{
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "HOME=" + t.TempDir(),
		"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "PATH=" + os.Getenv("PATH"),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid",
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func TestAzureGitCLI(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	f := newAzFixture(t)
	if err := f.srv.AddRepo("contoso", "My Project", "My Repo", map[string]string{"hello.txt": "hi\n"}); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.AddRepo("contoso", "Tools", "Tools", nil); err != nil {
		t.Fatal(err)
	}
	org := f.srv.OrgURL("contoso")
	repoURL := org + "/My%20Project/_git/My%20Repo"

	t.Run("clone", func(t *testing.T) {
		dir := t.TempDir()
		out, err := gitCmd(t, dir, f.code, "clone", "-q", repoURL, "w")
		if err != nil {
			t.Fatalf("clone: %v\n%s", err, out)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "w", "hello.txt")); err != nil || string(b) != "hi\n" {
			t.Errorf("hello.txt = %q, %v", b, err)
		}
		if f.srv.Requests("git upload-pack") < 1 {
			t.Error("no upload-pack request counted")
		}
	})
	t.Run("case-insensitive and shorthand", func(t *testing.T) {
		for _, u := range []string{org + "/my%20project/_git/MY%20REPO", org + "/_git/tools", f.srv.URL + "/CONTOSO/Tools/_git/Tools"} {
			if out, err := gitCmd(t, t.TempDir(), f.code, "ls-remote", u); err != nil || !strings.Contains(out, "refs/heads/main") {
				t.Errorf("ls-remote %s: %v\n%s", u, err, out)
			}
		}
	})
	t.Run("push needs vso.code_write", func(t *testing.T) {
		dir := t.TempDir()
		if out, err := gitCmd(t, dir, f.code, "clone", "-q", repoURL, "w"); err != nil {
			t.Fatalf("clone: %v\n%s", err, out)
		}
		w := filepath.Join(dir, "w")
		os.WriteFile(filepath.Join(w, "new.txt"), []byte("new\n"), 0o644)
		if out, err := gitCmd(t, w, "", "add", "new.txt"); err != nil {
			t.Fatal(out)
		}
		if out, err := gitCmd(t, w, "", "commit", "-q", "-m", "new"); err != nil {
			t.Fatal(out)
		}
		f.srv.ResetCounts()
		out, err := gitCmd(t, w, f.code, "push", "-q", "origin", "main")
		if err == nil {
			t.Fatalf("push with a read-only token succeeded:\n%s", out)
		}
		// git answers a 401 by asking for credentials, which it may not.
		if !strings.Contains(out, "Authentication failed") && !strings.Contains(out, "could not read Username") {
			t.Errorf("push output: %s", out)
		}
		if f.srv.Requests("git info/refs") < 1 {
			t.Error("push did not reach info/refs")
		}
		if out, err := gitCmd(t, w, f.write, "push", "-q", "origin", "main"); err != nil {
			t.Fatalf("push with vso.code_write: %v\n%s", err, out)
		}
	})
	t.Run("unknown repository", func(t *testing.T) {
		for _, u := range []string{org + "/My%20Project/_git/nope", repoURL + ".git"} {
			out, err := gitCmd(t, t.TempDir(), f.code, "ls-remote", u)
			if err == nil || !strings.Contains(out, "TF401019") {
				t.Errorf("ls-remote %s: err %v\n%s", u, err, out)
			}
		}
		r := azGet(t, "GET", repoURL+".git/info/refs?service=git-upload-pack", f.code, false)
		if r.status != 404 || !strings.Contains(string(r.body), "TF401019: The Git repository with name or identifier My Repo.git does not exist") {
			t.Errorf("status %d body %s", r.status, r.body)
		}
	})
	t.Run("bad and expired tokens", func(t *testing.T) {
		for _, sec := range []string{providertest.Token(pat.AzureDevOps, "unknown"), f.expired, f.build, f.scoped, ""} {
			r := azGet(t, "GET", repoURL+"/info/refs?service=git-upload-pack", sec, false)
			if r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), "Basic realm=") && !strings.Contains(strings.Join(r.header.Values("WWW-Authenticate"), ","), "Basic realm=") {
				t.Errorf("status %d, WWW-Authenticate %q", r.status, r.header.Values("WWW-Authenticate"))
			}
		}
		r := azGet(t, "GET", repoURL+"/info/refs?service=git-upload-pack", f.expired, false)
		if !strings.Contains(r.header.Get("X-TFS-ServiceError"), "expired") {
			t.Errorf("X-TFS-ServiceError = %q", r.header.Get("X-TFS-ServiceError"))
		}
	})
	t.Run("any user name", func(t *testing.T) {
		req, _ := http.NewRequest("GET", repoURL+"/info/refs?service=git-upload-pack", nil)
		req.SetBasicAuth("whoever", f.code)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

func TestAzureGoGitNeedsMultiAck(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	f := newAzFixture(t)
	if err := f.srv.AddRepo("contoso", "Web", "site", nil); err != nil {
		t.Fatal(err)
	}
	url := f.srv.OrgURL("contoso") + "/Web/_git/site"
	_, err := git.PlainClone(t.TempDir(), false, &git.CloneOptions{URL: url, Auth: &githttp.BasicAuth{Password: f.code}})
	if err == nil {
		t.Fatal("go-git with default capabilities cloned; the fake must refuse clients without multi_ack")
	}
	var ue *plumbing.UnexpectedError
	if !errors.As(err, &ue) {
		t.Fatalf("error %T %v, want *plumbing.UnexpectedError", err, err)
	}
	var he *githttp.Err
	if !errors.As(ue.Err, &he) || he.Response.StatusCode != 400 || !strings.Contains(he.Reason, "TF401041: The Git protocol sent is not as expected (Clients must support multi-ack.).") {
		t.Errorf("error %v", err)
	}
	if strings.Contains(err.Error(), f.code) {
		t.Error("error holds the token")
	}
	if f.srv.Requests("git info/refs") != 1 || f.srv.Requests("git upload-pack") != 1 {
		t.Errorf("requests: info/refs %d, upload-pack %d", f.srv.Requests("git info/refs"), f.srv.Requests("git upload-pack"))
	}
}

// The upload-pack gate reads gzip-encoded bodies, as the git CLI sends them.
func TestAzureUploadPackGzip(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	f := newAzFixture(t)
	if err := f.srv.AddRepo("contoso", "Web", "site", nil); err != nil {
		t.Fatal(err)
	}
	repo := f.srv.OrgURL("contoso") + "/Web/_git/site"
	r := azGet(t, "GET", f.srv.OrgURL("contoso")+"/Web/_apis/git/repositories/site/refs", f.code, true)
	var refs struct {
		Value []struct{ ObjectID string }
	}
	if err := json.Unmarshal(r.body, &refs); err != nil || len(refs.Value) != 1 {
		t.Fatalf("refs: %v %s", err, r.body)
	}
	pkt := func(s string) string { return fmt.Sprintf("%04x%s", len(s)+4, s) }
	for _, tt := range []struct {
		caps   string
		gz     bool
		status int
	}{
		{"multi_ack_detailed side-band-64k ofs-delta", true, 200},
		{"multi_ack side-band-64k", false, 200},
		{"side-band-64k ofs-delta agent=go-git/5.x", true, 400},
		{"side-band-64k ofs-delta", false, 400},
	} {
		body := pkt("want "+refs.Value[0].ObjectID+" "+tt.caps+"\n") + "0000" + pkt("done\n")
		var buf bytes.Buffer
		if tt.gz {
			zw := gzip.NewWriter(&buf)
			io.WriteString(zw, body)
			zw.Close()
		} else {
			buf.WriteString(body)
		}
		req, _ := http.NewRequest("POST", repo+"/git-upload-pack", &buf)
		req.SetBasicAuth("", f.code)
		req.Header.Set("Content-Type", "application/x-git-upload-pack-request")
		if tt.gz {
			req.Header.Set("Content-Encoding", "gzip")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%q gzip=%v: status %d, want %d: %s", tt.caps, tt.gz, resp.StatusCode, tt.status, out)
		}
		if tt.status == 400 && string(out) != "TF401041: The Git protocol sent is not as expected (Clients must support multi-ack.)." {
			t.Errorf("400 body %q", out)
		}
		if tt.status == 200 && resp.Header.Get("Content-Type") != "application/x-git-upload-pack-result" {
			t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
		}
	}
}
