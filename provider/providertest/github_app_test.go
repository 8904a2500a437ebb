package providertest_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// appJWT signs claims (raw JSON) with key, as RS256.
func appJWT(t *testing.T, key *rsa.PrivateKey, claims string) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	signing := enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims))
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + enc(sig)
}

type appFixture struct {
	srv *providertest.GitHubServer
	key *rsa.PrivateKey
	mu  sync.Mutex
	now time.Time
}

func newAppFixture(t *testing.T) *appFixture {
	t.Helper()
	key, _, err := providertest.GitHubAppKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &appFixture{srv: newGitHub(t), key: key, now: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	f.srv.SetClock(func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now })
	if err := f.srv.AddApp(providertest.GitHubApp{ID: 9, ClientID: "Iv23liFAKE", PublicKey: &key.PublicKey,
		Installations: []providertest.GitHubInstallation{
			{ID: 31, Account: "acme", Repositories: []string{"widgets"}, Permissions: map[string]string{"contents": "read", "metadata": "read"}},
			{ID: 32, Account: "bob", User: true, Permissions: map[string]string{"metadata": "read"}},
		}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *appFixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *appFixture) jwt(t *testing.T, iss string, iatOff, expOff time.Duration) string {
	f.mu.Lock()
	now := f.now
	f.mu.Unlock()
	c, _ := json.Marshal(map[string]any{"iss": iss, "iat": now.Add(iatOff).Unix(), "exp": now.Add(expOff).Unix()})
	return appJWT(t, f.key, string(c))
}

func (f *appFixture) post(t *testing.T, auth, path, body string, header ...string) ghResp {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.APIURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", auth)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return ghResp{resp.StatusCode, resp.Header, b.String()}
}

func TestGitHubServerAppJWT(t *testing.T) {
	f := newAppFixture(t)
	key2, _ := rsa.GenerateKey(rand.Reader, 2048)
	good := f.jwt(t, "Iv23liFAKE", -time.Minute, 9*time.Minute)
	enc := base64.RawURLEncoding.EncodeToString
	for _, tt := range []struct {
		name string
		auth string
		code int
		msg  string
	}{
		{"client ID", "Bearer " + good, 200, ""},
		{"app ID", "Bearer " + f.jwt(t, "9", -time.Minute, 9*time.Minute), 200, ""},
		{"numeric iss", "Bearer " + appJWT(t, f.key, `{"iss":9,"iat":`+itoa(f.now.Unix()-60)+`,"exp":`+itoa(f.now.Unix()+540)+`}`), 200, ""},
		{"token scheme", "token " + good, 401, providertest.GitHubJWTUndecodable},
		{"no JWT", "", 401, providertest.GitHubJWTUndecodable},
		{"exp 11 minutes ahead", "Bearer " + f.jwt(t, "9", 0, 11*time.Minute), 401, providertest.GitHubJWTExpTooFar},
		{"expired", "Bearer " + f.jwt(t, "9", -11*time.Minute, -time.Minute), 401, providertest.GitHubJWTExpInvalid},
		{"fractional iat", "Bearer " + appJWT(t, f.key, `{"iss":"9","iat":`+itoa(f.now.Unix())+`.5,"exp":`+itoa(f.now.Unix()+300)+`}`), 401, providertest.GitHubJWTIatInvalid},
		{"iat in the future", "Bearer " + f.jwt(t, "9", 5*time.Minute, 9*time.Minute), 401, providertest.GitHubJWTIatInvalid},
		{"string exp", "Bearer " + appJWT(t, f.key, `{"iss":"9","iat":`+itoa(f.now.Unix())+`,"exp":"`+itoa(f.now.Unix()+300)+`"}`), 401, providertest.GitHubJWTExpInvalid},
		{"other key", "Bearer " + appJWT(t, key2, `{"iss":"9","iat":`+itoa(f.now.Unix())+`,"exp":`+itoa(f.now.Unix()+300)+`}`), 401, providertest.GitHubJWTUndecodable},
		{"unknown app", "Bearer " + f.jwt(t, "10", 0, 5*time.Minute), 401, providertest.GitHubJWTUndecodable},
		{"alg none", "Bearer " + enc([]byte(`{"alg":"none"}`)) + "." + strings.Split(good, ".")[1] + ".", 401, providertest.GitHubJWTUndecodable},
		{"garbage", "Bearer a.b.c", 401, providertest.GitHubJWTUndecodable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ghGet(t, http.MethodGet, f.srv.APIURL+"app/installations", tt.auth)
			if r.code != tt.code || !strings.Contains(r.body, tt.msg) {
				t.Fatalf("%d %s, want %d %q", r.code, r.body, tt.code, tt.msg)
			}
		})
	}
	// A JWT ages like any other: valid now, refused ten minutes later.
	f.advance(10 * time.Minute)
	if r := ghGet(t, http.MethodGet, f.srv.APIURL+"app/installations", "Bearer "+good); r.code != 401 {
		t.Errorf("a JWT past its exp: %d", r.code)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestGitHubServerAppInstallations(t *testing.T) {
	f := newAppFixture(t)
	if err := f.srv.AddRepo("acme", "widgets", nil); err != nil {
		t.Skip(err)
	}
	f.srv.AddRepo("acme", "secret", nil)
	auth := "Bearer " + f.jwt(t, "9", -time.Minute, 8*time.Minute)
	for path, want := range map[string]int{
		"repos/acme/widgets/installation": 200,
		"repos/acme/secret/installation":  404, // not selected
		"repos/acme/nothing/installation": 404,
		"orgs/acme/installation":          200,
		"users/acme/installation":         404, // an organization
		"users/bob/installation":          200,
		"orgs/bob/installation":           404,
		"orgs/other/installation":         404,
	} {
		if r := ghGet(t, http.MethodGet, f.srv.APIURL+path, auth); r.code != want {
			t.Errorf("GET %s: %d, want %d", path, r.code, want)
		}
	}
	r := ghGet(t, http.MethodGet, f.srv.APIURL+"repos/acme/widgets/installation", auth)
	var in struct {
		ID int64 `json:"id"`
	}
	if json.Unmarshal([]byte(r.body), &in) != nil || in.ID != 31 {
		t.Errorf("installation answer %s", r.body)
	}
	if n := f.srv.Requests("GET /repos/{owner}/{repo}/installation"); n != 4 {
		t.Errorf("counter = %d, want 4", n)
	}
}

func TestGitHubServerAppMint(t *testing.T) {
	f := newAppFixture(t)
	if err := f.srv.AddRepo("acme", "widgets", nil); err != nil {
		t.Skip(err)
	}
	f.srv.AddRepo("acme", "secret", nil)
	auth := "Bearer " + f.jwt(t, "9", -time.Minute, 8*time.Minute)
	for _, tt := range []struct {
		name, path, body string
		code             int
		msg              string
	}{
		{"whole installation", "app/installations/31/access_tokens", "", 201, `"repository_selection":"selected"`},
		{"narrowed", "app/installations/31/access_tokens", `{"repositories":["widgets"],"permissions":{"contents":"read"}}`, 201, `"permissions":{"contents":"read"}`},
		{"repository not selected", "app/installations/31/access_tokens", `{"repositories":["secret"]}`, 422, providertest.GitHubAppReposDenied},
		{"permission above the installation's", "app/installations/31/access_tokens", `{"permissions":{"contents":"write"}}`, 422, providertest.GitHubAppPermsDenied},
		{"unknown installation", "app/installations/99/access_tokens", "", 404, "Not Found"},
		{"bad JSON", "app/installations/31/access_tokens", `{"repositories":`, 400, "Problems parsing JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := f.post(t, auth, tt.path, tt.body)
			if r.code != tt.code || !strings.Contains(r.body, tt.msg) {
				t.Fatalf("%d %s, want %d %q", r.code, r.body, tt.code, tt.msg)
			}
		})
	}
	// The minted token: an hour, read-only git, no push, /installation/repositories.
	r := f.post(t, auth, "app/installations/31/access_tokens", "")
	var tok struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	json.Unmarshal([]byte(r.body), &tok)
	if pat.Identify(tok.Token) != pat.GitHubInstallation || len(tok.Token) != 40 || !tok.ExpiresAt.Equal(f.now.Add(time.Hour)) {
		t.Fatalf("minted %d characters, kind %v, expires %v", len(tok.Token), pat.Identify(tok.Token), tok.ExpiresAt)
	}
	info := f.srv.URL + "/acme/widgets.git/info/refs?service="
	for _, tt := range []struct {
		svc, auth string
		code      int
	}{
		{"git-upload-pack", basic("x-access-token", tok.Token), 200},
		{"git-upload-pack", basic("someone", tok.Token), 401},
		{"git-upload-pack", "Bearer " + tok.Token, 401},
		{"git-receive-pack", basic("x-access-token", tok.Token), 403},
	} {
		if r := ghGet(t, http.MethodGet, info+tt.svc, tt.auth); r.code != tt.code {
			t.Errorf("%s with %.20s…: %d, want %d", tt.svc, tt.auth, r.code, tt.code)
		}
	}
	if r := ghGet(t, http.MethodGet, f.srv.APIURL+"installation/repositories", "token "+tok.Token); r.code != 200 {
		t.Errorf("installation/repositories: %d", r.code)
	}
	f.advance(time.Hour)
	if r := ghGet(t, http.MethodGet, info+"git-upload-pack", basic("x-access-token", tok.Token)); r.code != 401 {
		t.Errorf("expired token on git: %d, want 401", r.code)
	}
	if r := ghGet(t, http.MethodGet, f.srv.APIURL+"installation/repositories", "token "+tok.Token); r.code != 401 {
		t.Errorf("expired token on REST: %d, want 401", r.code)
	}

	// No contents permission: git answers 403, as GitHub does.
	auth = "Bearer " + f.jwt(t, "9", -time.Minute, 8*time.Minute)
	r = f.post(t, auth, "app/installations/31/access_tokens", `{"permissions":{"metadata":"read"}}`)
	json.Unmarshal([]byte(r.body), &tok)
	if r := ghGet(t, http.MethodGet, info+"git-upload-pack", basic("x-access-token", tok.Token)); r.code != 403 || !strings.Contains(r.body, "Write access to repository not granted.") {
		t.Errorf("token without contents: %d %s", r.code, r.body)
	}

	// Revocation with the token itself.
	r = f.post(t, auth, "app/installations/31/access_tokens", "")
	json.Unmarshal([]byte(r.body), &tok)
	req, _ := http.NewRequest(http.MethodDelete, f.srv.APIURL+"installation/token", nil)
	req.Header.Set("Authorization", "token "+tok.Token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	if r := ghGet(t, http.MethodGet, info+"git-upload-pack", basic("x-access-token", tok.Token)); r.code != 401 {
		t.Errorf("revoked token on git: %d", r.code)
	}
}

func TestGitHubServerAppStateless(t *testing.T) {
	f := newAppFixture(t)
	auth := "Bearer " + f.jwt(t, "9", -time.Minute, 8*time.Minute)
	shape := regexp.MustCompile(`^ghs_9_[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$`)
	for _, tt := range []struct {
		server bool
		header string
		long   bool
	}{
		{false, "", false}, {false, "enabled", true}, {true, "", true}, {true, "disabled", false},
	} {
		f.srv.SetStatelessTokens(tt.server)
		var hdr []string
		if tt.header != "" {
			hdr = []string{"X-GitHub-Stateless-S2S-Token", tt.header}
		}
		r := f.post(t, auth, "app/installations/31/access_tokens", "", hdr...)
		var tok struct {
			Token string `json:"token"`
		}
		json.Unmarshal([]byte(r.body), &tok)
		if long := len(tok.Token) > 40; long != tt.long {
			t.Errorf("server %v, header %q: %d characters", tt.server, tt.header, len(tok.Token))
		}
		if tt.long {
			if !shape.MatchString(tok.Token) || len(tok.Token) < 450 || len(tok.Token) > 600 {
				t.Errorf("long token shape: %d characters", len(tok.Token))
			}
			p, _ := pat.New(tok.Token)
			if !p.ExpiresAt().Equal(f.now.Add(time.Hour)) {
				t.Errorf("exp claim = %v, want %v", p.ExpiresAt(), f.now.Add(time.Hour))
			}
		}
	}
	if n := f.srv.MintedTokens(); n != 4 {
		t.Errorf("MintedTokens = %d", n)
	}
}
