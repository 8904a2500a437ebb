package providertest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// azClock is a fake clock for the Azure fake.
type azClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *azClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *azClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func azDo(t *testing.T, method, rawURL, auth string, suppress bool) azResp {
	t.Helper()
	req, _ := http.NewRequest(method, rawURL, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if suppress {
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return azResp{resp.StatusCode, resp.Header, []byte(b.String())}
}

func TestAzureEntraTokens(t *testing.T) {
	f := newAzFixture(t)
	clock := &azClock{t: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	f.srv.SetClock(clock.now)
	secret, expires := f.srv.IssueEntraToken(providertest.AzureToken{DisplayName: "build-sp", UniqueName: "build-sp@contoso.example"})
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Kind() != pat.AzureDevOpsEntra || !tok.ExpiresAt().Equal(expires) || !expires.Equal(clock.now().Add(time.Hour)) {
		t.Fatalf("kind %v, ExpiresAt %v, expires %v", tok.Kind(), tok.ExpiresAt(), expires)
	}
	cd := f.srv.OrgURL("contoso") + "/_apis/connectionData"
	basicAuth := func(user string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
	}
	for name, auth := range map[string]string{"Bearer": "Bearer " + secret, "Basic, empty user": basicAuth(""), "Basic, any user": basicAuth("contoso")} {
		r := azDo(t, http.MethodGet, cd, auth, true)
		var body struct {
			AuthenticatedUser struct {
				ProviderDisplayName string `json:"providerDisplayName"`
			} `json:"authenticatedUser"`
		}
		json.Unmarshal(r.body, &body)
		if r.status != 200 || body.AuthenticatedUser.ProviderDisplayName != "build-sp" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	// A PAT is not accepted as Bearer.
	if r := azDo(t, http.MethodGet, cd, "Bearer "+f.full, true); r.status != 401 {
		t.Errorf("PAT as Bearer: %d", r.status)
	}
	// Git accepts it as the Basic password.
	if err := f.srv.AddRepo("contoso", "Tools", "Tools", nil); err == nil {
		info := f.srv.OrgURL("contoso") + "/Tools/_git/Tools/info/refs?service=git-upload-pack"
		if r := azDo(t, http.MethodGet, info, basicAuth("contoso"), false); r.status != 200 {
			t.Errorf("git with an Entra token: %d", r.status)
		}
		clock.add(time.Hour)
		if r := azDo(t, http.MethodGet, info, basicAuth("contoso"), false); r.status != 401 {
			t.Errorf("git with an expired Entra token: %d", r.status)
		}
	} else {
		clock.add(time.Hour)
	}
	// Expired: 401 TF400813 with the Bearer challenge, or the sign-in page.
	r := azDo(t, http.MethodGet, cd, "Bearer "+secret, true)
	if r.status != 401 || !strings.Contains(string(r.body), "TF400813") ||
		!strings.Contains(strings.Join(r.header.Values("WWW-Authenticate"), "\n"), "Bearer authorization_uri=https://login.microsoftonline.com/"+f.srv.TenantID()) {
		t.Errorf("expired Entra token: %d %v %s", r.status, r.header, r.body)
	}
	if r := azDo(t, http.MethodGet, cd, "Bearer "+secret, false); r.status != 203 {
		t.Errorf("expired Entra token without Suppress: %d, want the 203 sign-in page", r.status)
	}
	if n := f.srv.EntraTokensIssued(); n != 1 {
		t.Errorf("EntraTokensIssued = %d", n)
	}
}

func TestAzureTenantDiscovery(t *testing.T) {
	f := newAzFixture(t)
	r := azDo(t, http.MethodHead, f.srv.OrgURL("contoso"), "", false)
	if r.status != 401 || r.header.Get("X-VSS-ResourceTenant") != f.srv.TenantID() ||
		!strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer authorization_uri=https://login.microsoftonline.com/") {
		t.Errorf("HEAD org: %d %v", r.status, r.header)
	}
}

func TestAzureGlobalPATRetirement(t *testing.T) {
	f := newAzFixture(t)
	clock := &azClock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	f.srv.SetClock(clock.now)
	f.srv.RetireGlobalPATs(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	scoped := providertest.Token(pat.AzureDevOps, "org-scoped")
	f.srv.AddToken(scoped, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}, Orgs: []string{"contoso"}})
	cd := f.srv.OrgURL("contoso") + "/_apis/connectionData"
	if r := azGet(t, http.MethodGet, cd, f.code, true); r.status != 200 {
		t.Fatalf("global PAT before the date: %d", r.status)
	}
	clock.add(24 * time.Hour)
	r := azGet(t, http.MethodGet, cd, f.code, true)
	if r.status != 401 || !strings.Contains(string(r.body), providertest.AzureGlobalPATRetired) {
		t.Errorf("global PAT after the date: %d %s", r.status, r.body)
	}
	if r := azGet(t, http.MethodGet, cd, scoped, true); r.status != 200 {
		t.Errorf("organization-scoped PAT after the date: %d", r.status)
	}
}
