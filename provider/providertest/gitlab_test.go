package providertest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

func newGitLab(t *testing.T, root string) *providertest.GitLabServer {
	t.Helper()
	s, err := providertest.NewGitLabServerAt(root)
	if err != nil {
		t.Fatalf("NewGitLabServerAt(%q): %v", root, err)
	}
	t.Cleanup(s.Close)
	return s
}

// glGet sends one request with the given headers to the fake GitLab.
func glGet(t *testing.T, method, url string, hdr map[string]string) ghResp {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return ghResp{resp.StatusCode, resp.Header, b.String()}
}

func TestGitLabTokenShapes(t *testing.T) {
	t.Parallel()
	p := providertest.GitLabPersonalToken("a")
	if p != providertest.GitLabPersonalToken("a") || p == providertest.GitLabPersonalToken("b") {
		t.Fatalf("not deterministic per seed")
	}
	if !strings.HasPrefix(p, "glpat-") || strings.Count(p, ".") != 2 || !strings.Contains(p, ".01.") {
		t.Fatalf("routable shape: %s", p)
	}
	body, sum := p[:len(p)-7], p[len(p)-7:]
	want := strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 36)
	want = strings.Repeat("0", 7-len(want)) + want
	if sum != want {
		t.Errorf("checksum %s, want %s", sum, want)
	}
	// The length field is the base-36 length of the base64 part.
	b64 := strings.TrimPrefix(body[:strings.Index(body, ".")], "glpat-")
	if l := body[len(body)-2:]; l != fmt.Sprintf("%02s", strconv.FormatInt(int64(len(b64)), 36)) {
		t.Errorf("length field %s for %d characters", l, len(b64))
	}
	raw, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil || int(raw[len(raw)-1]) != len(raw)-17 || !strings.HasPrefix(string(raw[16:]), "o:1\nu:") {
		t.Errorf("payload %q, %v", raw, err)
	}
	if l := providertest.GitLabLegacyPersonalToken("a"); len(l) != 26 || strings.ContainsAny(l[6:], "lIO0") {
		t.Errorf("legacy: %s", l)
	}
	if d := providertest.GitLabDeployToken("a"); len(d) != 25 || !strings.HasPrefix(d, "gldt-") {
		t.Errorf("deploy: %s", d)
	}
	exp := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	j := providertest.GitLabJobToken("a", exp)
	parts := strings.Split(strings.TrimPrefix(j, "glcbt-"), ".")
	if !strings.HasPrefix(j, "glcbt-") || len(parts) != 3 {
		t.Fatalf("job: %s", j)
	}
	var claims struct{ Exp int64 }
	if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err != nil || json.Unmarshal(b, &claims) != nil || claims.Exp != exp.Unix() {
		t.Errorf("job claims %s: %+v %v", parts[1], claims, err)
	}
	for secret, kind := range map[string]pat.Kind{p: pat.GitLabPersonal, providertest.GitLabLegacyPersonalToken("a"): pat.GitLabPersonal,
		providertest.GitLabDeployToken("a"): pat.GitLabDeploy, j: pat.GitLabJob} {
		tok, err := pat.New(secret)
		if err != nil || tok.Kind() != kind || tok.Validate() != nil {
			t.Errorf("%s: kind %v, validate %v, %v", secret[:8], tok.Kind(), tok.Validate(), err)
		}
		if providertest.Token(kind, "a") != map[pat.Kind]string{pat.GitLabPersonal: p, pat.GitLabDeploy: providertest.GitLabDeployToken("a"), pat.GitLabJob: providertest.GitLabJobToken("a", time.Time{})}[kind] {
			t.Errorf("Token(%v) differs from its GitLab generator", kind)
		}
	}
	if tok, _ := pat.New(j); !tok.ExpiresAt().Equal(exp) {
		t.Errorf("job token ExpiresAt %v, want %v", tok.ExpiresAt(), exp)
	}
	if o := providertest.GitLabOAuthToken("a"); len(o) != 64 || pat.Identify(o) != pat.Unknown {
		t.Errorf("oauth: %s", o)
	}
}

func TestGitLabServerSelfAndUser(t *testing.T) {
	t.Parallel()
	s := newGitLab(t, "")
	now := time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC)
	var mu sync.Mutex
	s.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	personal := providertest.GitLabPersonalToken("self")
	s.AddToken(personal, providertest.GitLabToken{Username: "ada", Name: "ci", Scopes: []string{"read_api", "write_repository"}, ExpiresAt: "2026-07-01"})
	repoOnly := providertest.GitLabPersonalToken("repo-only")
	s.AddToken(repoOnly, providertest.GitLabToken{Username: "bob", Scopes: []string{"read_repository"}})
	oauth := providertest.GitLabOAuthToken("self")
	s.AddToken(oauth, providertest.GitLabToken{Type: providertest.GitLabOAuth, Username: "carol", Scopes: []string{"read_user"}})
	revoked := providertest.GitLabPersonalToken("revoked")
	s.AddToken(revoked, providertest.GitLabToken{Revoked: true, Scopes: []string{"api"}})
	deploy := providertest.GitLabDeployToken("self")
	s.AddToken(deploy, providertest.GitLabToken{Type: providertest.GitLabDeploy, Scopes: []string{"read_repository"}})

	r := glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{"PRIVATE-TOKEN": personal})
	if r.code != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("self: %d %s", r.code, r.body)
	}
	var self struct {
		Name      string   `json:"name"`
		Scopes    []string `json:"scopes"`
		ExpiresAt *string  `json:"expires_at"`
		Revoked   bool     `json:"revoked"`
		Active    bool     `json:"active"`
		UserID    int      `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(r.body), &self); err != nil || self.Name != "ci" || strings.Join(self.Scopes, ",") != "read_api,write_repository" ||
		self.ExpiresAt == nil || *self.ExpiresAt != "2026-07-01" || self.Revoked || !self.Active || self.UserID == 0 {
		t.Errorf("self body %s: %+v %v", r.body, self, err)
	}
	if r.header.Get("RateLimit-Remaining") == "" {
		t.Errorf("no RateLimit-* on a success, as gitlab.com sends")
	}
	// Any scope may call /self, and a token without expiry says null.
	r = glGet(t, "GET", s.APIURL+"personal_access_tokens/self?private_token="+repoOnly, nil)
	if r.code != 200 || !strings.Contains(r.body, `"expires_at":null`) {
		t.Errorf("self with read_repository, private_token=: %d %s", r.code, r.body)
	}
	// Bearer takes personal and OAuth tokens; /self refuses OAuth ones.
	if r = glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{"Authorization": "Bearer " + personal}); r.code != 200 {
		t.Errorf("Bearer PAT: %d", r.code)
	}
	r = glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{"Authorization": "Bearer " + oauth})
	if r.code != 400 || r.body != `{"message":"400 Bad request - This endpoint requires token type to be a personal access token"}`+"\n" {
		t.Errorf("OAuth on /self: %d %s", r.code, r.body)
	}
	// /user: api, read_api or read_user.
	r = glGet(t, "GET", s.APIURL+"user", map[string]string{"PRIVATE-TOKEN": personal})
	var u struct {
		Username string `json:"username"`
		ID       int    `json:"id"`
	}
	if json.Unmarshal([]byte(r.body), &u); r.code != 200 || u.Username != "ada" || u.ID != self.UserID {
		t.Errorf("user: %d %s", r.code, r.body)
	}
	if r = glGet(t, "GET", s.APIURL+"user", map[string]string{"Authorization": "Bearer " + oauth}); r.code != 200 || !strings.Contains(r.body, `"username":"carol"`) {
		t.Errorf("OAuth user: %d %s", r.code, r.body)
	}
	r = glGet(t, "GET", s.APIURL+"user", map[string]string{"PRIVATE-TOKEN": repoOnly})
	if r.code != 403 || r.body != `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api read_user"}`+"\n" ||
		r.header.Get("WWW-Authenticate") != "" {
		t.Errorf("user without scope: %d %s", r.code, r.body)
	}
	const unauthorized = `{"message":"401 Unauthorized"}` + "\n"
	for name, hdr := range map[string]map[string]string{
		"none":                   nil,
		"unknown":                {"PRIVATE-TOKEN": providertest.GitLabPersonalToken("nope")},
		"basic is not for API":   {"Authorization": basic("ada", personal)},
		"deploy token":           {"PRIVATE-TOKEN": deploy},
		"OAuth in PRIVATE-TOKEN": {"PRIVATE-TOKEN": oauth},
	} {
		r = glGet(t, "GET", s.APIURL+"personal_access_tokens/self", hdr)
		if r.code != 401 || r.body != unauthorized || r.header.Get("WWW-Authenticate") != "" {
			t.Errorf("%s: %d %q %q", name, r.code, r.body, r.header.Get("WWW-Authenticate"))
		}
	}
	r = glGet(t, "GET", s.APIURL+"user", map[string]string{"PRIVATE-TOKEN": revoked})
	if r.code != 401 || !strings.Contains(r.body, `"error":"invalid_token"`) || !strings.Contains(r.body, "Token was revoked.") ||
		!strings.HasPrefix(r.header.Get("WWW-Authenticate"), `Bearer realm="Protected by OAuth 2.0", error="invalid_token"`) {
		t.Errorf("revoked: %d %s %q", r.code, r.body, r.header.Get("WWW-Authenticate"))
	}
	// At 00:00 UTC on its expires_at date the token is expired.
	mu.Lock()
	now = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	mu.Unlock()
	r = glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{"PRIVATE-TOKEN": personal})
	if r.code != 401 || r.body != `{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}`+"\n" {
		t.Errorf("expired: %d %s", r.code, r.body)
	}
	if n := s.Requests("GET /personal_access_tokens/self"); n != 10 {
		t.Errorf("self requests = %d", n)
	}
}

func TestGitLabServerJobAndProjects(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := newGitLab(t, "")
	if err := s.AddProject("acme/platform/tools/cli", providertest.GitLabProjectOptions{}); err != nil {
		t.Fatal(err)
	}
	job := providertest.GitLabJobToken("job", time.Time{})
	s.AddToken(job, providertest.GitLabToken{Type: providertest.GitLabJob, Username: "runner-user", JobProject: "acme/app"})
	done := providertest.GitLabJobToken("done", time.Time{})
	s.AddToken(done, providertest.GitLabToken{Type: providertest.GitLabJob, JobFinished: true})
	personal := providertest.GitLabPersonalToken("proj")
	s.AddToken(personal, providertest.GitLabToken{Scopes: []string{"read_api"}, Groups: map[string]providertest.GitLabRole{"acme/platform": providertest.GitLabReporter}})
	other := providertest.GitLabPersonalToken("proj-other")
	s.AddToken(other, providertest.GitLabToken{Scopes: []string{"api"}})
	repoOnly := providertest.GitLabPersonalToken("proj-repo")
	s.AddToken(repoOnly, providertest.GitLabToken{Scopes: []string{"read_repository"}})

	r := glGet(t, "GET", s.APIURL+"job", map[string]string{"JOB-TOKEN": job})
	if r.code != 200 || !strings.Contains(r.body, `"username":"runner-user"`) || !strings.Contains(r.body, `"status":"running"`) {
		t.Errorf("job: %d %s", r.code, r.body)
	}
	if r = glGet(t, "GET", s.APIURL+"job?job_token="+job, nil); r.code != 200 {
		t.Errorf("job_token=: %d", r.code)
	}
	for name, hdr := range map[string]map[string]string{
		"finished job":         {"JOB-TOKEN": done},
		"job token as PAT":     {"PRIVATE-TOKEN": job},
		"job token as Bearer":  {"Authorization": "Bearer " + job},
		"PAT on the job route": {"PRIVATE-TOKEN": personal},
		"PAT as a job token":   {"JOB-TOKEN": personal},
	} {
		if r = glGet(t, "GET", s.APIURL+"job", hdr); r.code != 401 {
			t.Errorf("%s: %d %s", name, r.code, r.body)
		}
	}
	if r = glGet(t, "GET", s.APIURL+"user", map[string]string{"JOB-TOKEN": job}); r.code != 401 {
		t.Errorf("job token on /user: %d", r.code)
	}
	enc := s.APIURL + "projects/acme%2Fplatform%2Ftools%2Fcli"
	r = glGet(t, "GET", enc, map[string]string{"PRIVATE-TOKEN": personal})
	var p struct {
		ID   int    `json:"id"`
		Path string `json:"path_with_namespace"`
		NS   struct {
			FullPath string `json:"full_path"`
		} `json:"namespace"`
	}
	if json.Unmarshal([]byte(r.body), &p); r.code != 200 || p.Path != "acme/platform/tools/cli" || p.NS.FullPath != "acme/platform/tools" {
		t.Fatalf("project: %d %s", r.code, r.body)
	}
	if r = glGet(t, "GET", s.APIURL+"projects/"+strconv.Itoa(p.ID), map[string]string{"PRIVATE-TOKEN": personal}); r.code != 200 {
		t.Errorf("project by id: %d %s", r.code, r.body)
	}
	if r = glGet(t, "GET", enc, map[string]string{"PRIVATE-TOKEN": other}); r.code != 404 || r.body != `{"message":"404 Project Not Found"}`+"\n" {
		t.Errorf("invisible project: %d %s", r.code, r.body)
	}
	if r = glGet(t, "GET", enc, map[string]string{"PRIVATE-TOKEN": repoOnly}); r.code != 403 || !strings.Contains(r.body, `"scope":"api read_api"`) {
		t.Errorf("project without read_api: %d %s", r.code, r.body)
	}
	if r = glGet(t, "GET", s.APIURL+"nothing/here", map[string]string{"PRIVATE-TOKEN": personal}); r.code != 404 || r.body != `{"error":"404 Not Found"}`+"\n" {
		t.Errorf("unknown route: %d %s", r.code, r.body)
	}
}

func TestGitLabServerRateLimits(t *testing.T) {
	t.Parallel()
	s := newGitLab(t, "")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	for _, tc := range []struct {
		mode    providertest.GitLabRateLimit
		headers bool
		body    string
	}{
		{providertest.GitLabRateLimitThrottle, true, "Retry later\n"},
		{providertest.GitLabRateLimitBare, false, "Retry later\n"},
		{providertest.GitLabRateLimitEndpoint, false, `{"message":{"error":"This endpoint has been requested too many times. Try again later."}}` + "\n"},
	} {
		secret := providertest.GitLabPersonalToken("rl" + strconv.Itoa(int(tc.mode)))
		s.AddToken(secret, providertest.GitLabToken{Scopes: []string{"api"}, RateLimit: tc.mode})
		r := glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{"PRIVATE-TOKEN": secret})
		if r.code != 429 || r.body != tc.body {
			t.Errorf("mode %d: %d %q", tc.mode, r.code, r.body)
		}
		want := map[string]string{
			"RateLimit-Name": "throttle_authenticated_api", "RateLimit-Limit": "2000", "RateLimit-Observed": "2001",
			"RateLimit-Remaining": "0", "RateLimit-Reset": strconv.FormatInt(now.Add(providertest.GitLabRetryAfter).Unix(), 10),
			"RateLimit-ResetTime": now.Add(providertest.GitLabRetryAfter).Format(http.TimeFormat), "Retry-After": "42",
		}
		for k, v := range want {
			if got := r.header.Get(k); tc.headers && got != v || !tc.headers && got != "" {
				t.Errorf("mode %d: %s = %q", tc.mode, k, got)
			}
		}
	}
}

func TestGitLabServerGitHTTP(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := newGitLab(t, "")
	deep := "g1/g2/g3/g4/g5/g6/g7/g8/g9/g10/g11/g12/g13/g14/g15/g16/g17/g18/g19/g20/g21/deep"
	for _, p := range []string{"acme/hello", "acme/sub/tool", "acme/public", "other/secret", deep} {
		if err := s.AddProject(p, providertest.GitLabProjectOptions{Public: p == "acme/public"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddProject(deep+"x/y", providertest.GitLabProjectOptions{}); err == nil {
		t.Errorf("a project with 22 ancestors was accepted")
	}
	tok := func(seed string, tt providertest.GitLabToken) string {
		secret := providertest.GitLabPersonalToken(seed)
		switch tt.Type {
		case providertest.GitLabDeploy:
			secret = providertest.GitLabDeployToken(seed)
		case providertest.GitLabJob:
			secret = providertest.GitLabJobToken(seed, time.Time{})
		case providertest.GitLabOAuth:
			secret = providertest.GitLabOAuthToken(seed)
		}
		s.AddToken(secret, tt)
		return secret
	}
	acme := map[string]providertest.GitLabRole{"acme": providertest.GitLabDeveloper}
	readAPI := tok("read_api", providertest.GitLabToken{Scopes: []string{"read_api"}, Groups: acme})
	writer := tok("writer", providertest.GitLabToken{Scopes: []string{"write_repository"}, Groups: acme, Projects: map[string]providertest.GitLabRole{deep: providertest.GitLabReporter}})
	userOnly := tok("read_user", providertest.GitLabToken{Scopes: []string{"read_user"}, Groups: acme})
	guest := tok("guest", providertest.GitLabToken{Scopes: []string{"api"}, Projects: map[string]providertest.GitLabRole{"acme/hello": providertest.GitLabGuest, "acme/sub/tool": providertest.GitLabReporter}})
	bot := tok("bot", providertest.GitLabToken{Type: providertest.GitLabProject, Scopes: []string{"read_repository"}, Projects: map[string]providertest.GitLabRole{"acme/hello": providertest.GitLabReporter}})
	deploy := tok("deploy", providertest.GitLabToken{Type: providertest.GitLabDeploy, Scopes: []string{"read_repository"}, Projects: map[string]providertest.GitLabRole{"acme/hello": providertest.GitLabReporter}})
	job := tok("job", providertest.GitLabToken{Type: providertest.GitLabJob, JobProject: "acme/app", Projects: map[string]providertest.GitLabRole{"acme/hello": providertest.GitLabDeveloper}})
	oauth := tok("oauth", providertest.GitLabToken{Type: providertest.GitLabOAuth, Scopes: []string{"api"}, Groups: acme})
	expired := tok("expired", providertest.GitLabToken{Scopes: []string{"api"}, Groups: acme, ExpiresAt: "2020-01-01"})
	deployUser := s.DeployUsername(deploy)
	if deployUser == "" || !strings.HasPrefix(deployUser, "gitlab+deploy-token-") {
		t.Fatalf("deploy user name %q", deployUser)
	}

	up := func(p string) string { return "/" + p + ".git/info/refs?service=git-upload-pack" }
	rp := func(p string) string { return "/" + p + ".git/info/refs?service=git-receive-pack" }
	denied := providertest.GitLabGitAccessDenied + s.HelpURL() + "\n"
	const notFound = providertest.GitLabGitNotFound + "\n"
	tests := []struct {
		name, path, auth string
		code             int
		body             string
	}{
		{"anonymous, private", up("acme/hello"), "", 401, denied},
		{"anonymous, missing", up("acme/missing"), "", 401, denied},
		{"anonymous, public", up("acme/public"), "", 200, ""},
		{"anonymous push, public", rp("acme/public"), "", 401, denied},
		{"bearer", up("acme/hello"), "Bearer " + readAPI, 401, denied},
		{"unknown token", up("acme/hello"), basic("oauth2", providertest.GitLabPersonalToken("nope")), 401, denied},
		{"expired", up("acme/hello"), basic("oauth2", expired), 401, denied},
		{"PAT, any user name", up("acme/hello"), basic("whoever", readAPI), 200, ""},
		{"PAT, empty user name", up("acme/hello"), basic("", readAPI), 200, ""},
		{"PAT as gitlab-ci-token", up("acme/hello"), basic("gitlab-ci-token", readAPI), 200, ""},
		{"read_api clones", up("acme/sub/tool"), basic("oauth2", readAPI), 200, ""},
		{"read_api cannot push", rp("acme/hello"), basic("oauth2", readAPI), 403, "You are not allowed to upload code.\n"},
		{"write_repository pushes", rp("acme/hello"), basic("oauth2", writer), 200, ""},
		{"scope before project", up("acme/missing"), basic("oauth2", userOnly), 403, "You are not allowed to download code.\n"},
		{"scope before project, push", rp("nowhere/missing"), basic("oauth2", readAPI), 403, "You are not allowed to upload code.\n"},
		{"missing project", up("acme/missing"), basic("oauth2", readAPI), 404, notFound},
		{"invisible project", up("other/secret"), basic("oauth2", readAPI), 404, notFound},
		{"guest cannot download", up("acme/hello"), basic("oauth2", guest), 403, "You are not allowed to download code from this project.\n"},
		{"reporter cannot push", rp("acme/sub/tool"), basic("oauth2", guest), 403, "You are not allowed to push code to this project.\n"},
		{"public project, no role", up("acme/public"), basic("oauth2", guest), 200, ""},
		{"21-segment namespace", up(deep), basic("oauth2", writer), 200, ""},
		{"bot", up("acme/hello"), basic("bot", bot), 200, ""},
		{"bot, other project", up("acme/sub/tool"), basic("bot", bot), 401, denied},
		{"deploy token, its user", up("acme/hello"), basic(deployUser, deploy), 200, ""},
		{"deploy token, oauth2", up("acme/hello"), basic("oauth2", deploy), 401, denied},
		{"deploy token, read only", rp("acme/hello"), basic(deployUser, deploy), 403, "You are not allowed to upload code.\n"},
		{"deploy token, other project", up("acme/sub/tool"), basic(deployUser, deploy), 401, denied},
		{"job token", up("acme/hello"), basic("gitlab-ci-token", job), 200, ""},
		{"job token, other user", up("acme/hello"), basic("oauth2", job), 401, denied},
		{"job token cannot push", rp("acme/hello"), basic("gitlab-ci-token", job), 403, "You are not allowed to upload code.\n"},
		{"job token, not allowed", up("acme/sub/tool"), basic("gitlab-ci-token", job), 403, "Authentication by CI/CD job token not allowed from acme/app to acme/sub/tool.\n"},
		{"OAuth as oauth2", up("acme/hello"), basic("oauth2", oauth), 200, ""},
		{"OAuth, other user", up("acme/hello"), basic("ada", oauth), 401, denied},
	}
	for _, tt := range tests {
		r := ghGet(t, "GET", s.URL+tt.path, tt.auth)
		if r.code != tt.code || (tt.body != "" && r.body != tt.body) {
			t.Errorf("%s: %d %q, want %d %q", tt.name, r.code, r.body, tt.code, tt.body)
		}
		if got := r.header.Get("Www-Authenticate"); (tt.code == 401) != (got == `Basic realm="GitLab"`) {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, got)
		}
		if tt.code != 200 && r.header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tt.name, r.header.Get("Content-Type"))
		}
	}
	if n := s.Requests("git info/refs"); n != len(tests) {
		t.Errorf("git info/refs requests = %d, want %d", n, len(tests))
	}

	// Without .git: GET info/refs is redirected, query kept; POST is not.
	r := glGet(t, "GET", s.URL+"/acme/sub/tool/info/refs?service=git-upload-pack", nil)
	if r.code != 301 || r.header.Get("Location") != s.URL+"/acme/sub/tool.git/info/refs?service=git-upload-pack" {
		t.Errorf("redirect: %d %q", r.code, r.header.Get("Location"))
	}
	if r = glGet(t, "POST", s.URL+"/acme/sub/tool/git-upload-pack", nil); r.code != 404 {
		t.Errorf("POST without .git: %d", r.code)
	}
	if r = glGet(t, "GET", s.URL+"/acme/sub/tool.git/info/refs", map[string]string{"Authorization": basic("oauth2", readAPI)}); r.code != 404 {
		t.Errorf("dumb protocol: %d", r.code)
	}
	if s.Requests("git redirect") != 1 {
		t.Errorf("git redirect requests = %d", s.Requests("git redirect"))
	}
}

func TestGitLabServerRelativeRoot(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := newGitLab(t, "/gitlab/")
	if s.Root != "/gitlab" || !strings.HasSuffix(s.URL, "/gitlab") || s.APIURL != s.URL+"/api/v4/" {
		t.Fatalf("root %q url %q api %q", s.Root, s.URL, s.APIURL)
	}
	if err := s.AddProject("group/project", providertest.GitLabProjectOptions{Files: map[string]string{"a.txt": "a\n"}}); err != nil {
		t.Fatal(err)
	}
	secret := providertest.GitLabPersonalToken("root")
	s.AddToken(secret, providertest.GitLabToken{Scopes: []string{"read_repository"}, Projects: map[string]providertest.GitLabRole{"group/project": providertest.GitLabReporter}})
	origin := strings.TrimSuffix(s.URL, "/gitlab")
	if r := glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{"PRIVATE-TOKEN": secret}); r.code != 200 {
		t.Errorf("self below the root: %d", r.code)
	}
	for _, p := range []string{"/api/v4/personal_access_tokens/self", "/group/project.git/info/refs?service=git-upload-pack", "/gitlabx/group/project.git/info/refs?service=git-upload-pack"} {
		if r := glGet(t, "GET", origin+p, map[string]string{"PRIVATE-TOKEN": secret, "Authorization": basic("oauth2", secret)}); r.code != 404 {
			t.Errorf("%s outside the root: %d", p, r.code)
		}
	}
	if r := glGet(t, "GET", s.URL+"/group/project/info/refs?service=git-upload-pack", nil); r.code != 301 ||
		r.header.Get("Location") != s.URL+"/group/project.git/info/refs?service=git-upload-pack" {
		t.Errorf("redirect below the root: %d %q", r.code, r.header.Get("Location"))
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "c")
	if out, err := gitCLI(t, tmp, "oauth2", secret, "clone", "-q", s.URL+"/group/project", dir); err != nil {
		t.Fatalf("clone through the 301: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a.txt")); err != nil || string(b) != "a\n" {
		t.Errorf("a.txt = %q, %v", b, err)
	}
}

func TestGitLabServerGitCLI(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := newGitLab(t, "")
	if err := s.AddProject("acme/sub/hello", providertest.GitLabProjectOptions{Files: map[string]string{"README.md": "hello\n"}, Protected: []string{"main", "release/*"}}); err != nil {
		t.Fatal(err)
	}
	proj := map[string]providertest.GitLabRole{"acme/sub/hello": providertest.GitLabDeveloper}
	readAPI := providertest.GitLabPersonalToken("cli-read-api")
	s.AddToken(readAPI, providertest.GitLabToken{Scopes: []string{"read_api"}, Projects: proj})
	dev := providertest.GitLabPersonalToken("cli-dev")
	s.AddToken(dev, providertest.GitLabToken{Scopes: []string{"write_repository"}, Projects: proj})
	maint := providertest.GitLabPersonalToken("cli-maint")
	s.AddToken(maint, providertest.GitLabToken{Scopes: []string{"api"}, Projects: map[string]providertest.GitLabRole{"acme/sub/hello": providertest.GitLabMaintainer}})
	job := providertest.GitLabJobToken("cli-job", time.Time{})
	s.AddToken(job, providertest.GitLabToken{Type: providertest.GitLabJob, Projects: proj})
	deploy := providertest.GitLabDeployToken("cli-deploy")
	s.AddToken(deploy, providertest.GitLabToken{Type: providertest.GitLabDeploy, Username: "gitlab+deploy-token-7", Scopes: []string{"read_repository"}, Projects: proj})
	repoURL := s.URL + "/acme/sub/hello.git"
	tmp := t.TempDir()
	work := filepath.Join(tmp, "work")

	if out, err := gitCLI(t, tmp, "oauth2", readAPI, "clone", "-q", repoURL, work); err != nil {
		t.Fatalf("clone with read_api: %v\n%s", err, out)
	}
	for _, c := range []struct{ name, user, token string }{
		{"job token", "gitlab-ci-token", job},
		{"deploy token", "gitlab+deploy-token-7", deploy},
		{"without .git", "oauth2", readAPI},
	} {
		u := repoURL
		if c.name == "without .git" {
			u = strings.TrimSuffix(repoURL, ".git")
		}
		if out, err := gitCLI(t, tmp, c.user, c.token, "ls-remote", u); err != nil || !strings.Contains(out, "refs/heads/main") {
			t.Errorf("%s: %v\n%s", c.name, err, out)
		}
	}
	if out, err := gitCLI(t, tmp, "", "", "ls-remote", withUser(repoURL, "gitlab+deploy-token-8", deploy)); err == nil || !strings.Contains(out, "HTTP Basic: Access denied.") {
		t.Errorf("deploy token with another user name: %v\n%s", err, out)
	}
	if out, err := gitCLI(t, tmp, "oauth2", readAPI, "ls-remote", s.URL+"/acme/sub/missing.git"); err == nil || !strings.Contains(out, "remote: "+providertest.GitLabGitNotFound) {
		t.Errorf("missing project: %v\n%s", err, out)
	}
	commit := func(msg string) {
		t.Helper()
		if out, err := gitCLI(t, work, "", "", "commit", "-q", "--allow-empty", "-m", msg); err != nil {
			t.Fatalf("commit: %v\n%s", err, out)
		}
	}
	commit("one")
	if out, err := gitCLI(t, work, "oauth2", readAPI, "push", "origin", "main"); err == nil || !strings.Contains(out, "You are not allowed to upload code.") {
		t.Errorf("push with read_api: %v\n%s", err, out)
	}
	out, err := gitCLI(t, work, "oauth2", dev, "push", "origin", "main")
	if err == nil || !strings.Contains(out, "remote: GitLab: You are not allowed to push code to protected branches on this project.") ||
		!strings.Contains(out, "pre-receive hook declined") {
		t.Errorf("developer push to protected main: %v\n%s", err, out)
	}
	if out, err := gitCLI(t, work, "oauth2", dev, "push", "origin", "main:release/1.0"); err == nil || !strings.Contains(out, "GitLab: You are not allowed to create protected branches on this project.") {
		t.Errorf("developer creates a protected branch (pattern): %v\n%s", err, out)
	}
	if out, err := gitCLI(t, work, "oauth2", dev, "push", "-q", "origin", "main:feature"); err != nil {
		t.Errorf("developer push to an unprotected branch: %v\n%s", err, out)
	}
	if out, err := gitCLI(t, work, "oauth2", maint, "push", "-q", "origin", "main"); err != nil {
		t.Errorf("maintainer push to protected main: %v\n%s", err, out)
	}
	if out, err := gitCLI(t, work, "", "", "reset", "-q", "--hard", "HEAD~1"); err != nil {
		t.Fatalf("reset: %v\n%s", err, out)
	}
	commit("rewritten")
	if out, err := gitCLI(t, work, "oauth2", maint, "push", "-f", "origin", "main"); err == nil || !strings.Contains(out, "GitLab: You are not allowed to force push code to a protected branch on this project.") {
		t.Errorf("maintainer force push: %v\n%s", err, out)
	}
	if out, err := gitCLI(t, work, "oauth2", maint, "push", "origin", ":main"); err == nil || !strings.Contains(out, "GitLab: The default branch of a project cannot be deleted.") {
		t.Errorf("delete main: %v\n%s", err, out)
	}
	// A client cannot make itself a maintainer with the hook's headers.
	forged := []string{"-c", "http.extraHeader=X-Providertest-Maintainer: 1", "-c", "http.extraHeader=X-Providertest-Protected: none"}
	if out, err := gitCLI(t, work, "oauth2", dev, append(forged, "push", "-f", "origin", "main")...); err == nil || !strings.Contains(out, "GitLab: You are not allowed to push code to protected branches") {
		t.Errorf("forged headers: %v\n%s", err, out)
	}
	if out, err := gitCLI(t, tmp, "", "", "ls-remote", withUser(repoURL, "oauth2", providertest.GitLabPersonalToken("cli-bad"))); err == nil ||
		!strings.Contains(out, "remote: HTTP Basic: Access denied.") || !strings.Contains(out, "Authentication failed") {
		t.Errorf("bad token: %v\n%s", err, out)
	}
}

// withUser puts credentials in a URL, so that git sends them at once and
// shows the body of the 401 (test servers only).
func withUser(rawURL, user, password string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

func TestGitLabServerLatency(t *testing.T) {
	t.Parallel()
	s := newGitLab(t, "")
	s.SetLatency(50 * time.Millisecond)
	start := time.Now()
	glGet(t, "GET", s.APIURL+"user", nil)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answer after %v", d)
	}
	s.SetLatency(0)
}

// TestGitLabServerHostile: the hostile mode echoes the token of GitLab's
// own headers (PRIVATE-TOKEN, JOB-TOKEN) and keeps serving below the root.
func TestGitLabServerHostile(t *testing.T) {
	s := newGitLab(t, "/gitlab")
	secret := providertest.GitLabPersonalToken("hostile")
	s.AddToken(secret, providertest.GitLabToken{Username: "ada", Scopes: []string{"api"}})
	scan := testkit.NewScanner(secret)
	for _, hdr := range []string{"PRIVATE-TOKEN", "JOB-TOKEN"} {
		s.SetHostile(providertest.Hostile{Refuse: http.StatusUnauthorized})
		r := glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{hdr: secret})
		if r.code != 401 || len(scan.String("body", r.body)) == 0 || len(scan.String("header", r.header.Get("WWW-Authenticate"))) == 0 {
			t.Errorf("%s: refuse does not echo: %d", hdr, r.code)
		}
		s.SetHostile(providertest.Hostile{Redirect: true})
		r = glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{hdr: secret})
		if r.code != 302 || len(scan.String("Location", r.header.Get("Location"))) == 0 {
			t.Errorf("%s: redirect %d %q", hdr, r.code, r.header.Get("Location"))
		}
		// Following it reaches the route it came from, below the root.
		r = glGet(t, "GET", strings.TrimSuffix(s.URL, "/gitlab")+r.header.Get("Location"), map[string]string{"PRIVATE-TOKEN": secret})
		if r.code != 200 || !strings.Contains(r.body, `"scopes":["api"]`) {
			t.Errorf("%s: followed redirect %d %s", hdr, r.code, r.body)
		}
	}
	s.SetHostile(providertest.Hostile{})
	if r := glGet(t, "GET", s.APIURL+"personal_access_tokens/self", map[string]string{"PRIVATE-TOKEN": secret}); r.code != 200 || len(scan.String("headers", fmt.Sprint(r.header))) != 0 {
		t.Errorf("after SetHostile(Hostile{}): %d", r.code)
	}
}
