package providertest_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"github.com/patgit/patgit/provider/providertest"
)

// A fake self-managed GitLab below a relative URL root: register a token,
// then ask /personal_access_tokens/self as of GitLab (and, with git
// installed, clone projects added with AddProject). Pass s.URL as
// provider.Config.BaseURL, with Config.Name "gitlab".
func ExampleNewGitLabServerAt() {
	s, err := providertest.NewGitLabServerAt("/gitlab")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	secret := providertest.GitLabPersonalToken("example")
	s.AddToken(secret, providertest.GitLabToken{
		Username:  "ada",
		Scopes:    []string{"read_api", "write_repository"},
		ExpiresAt: "2030-01-02",
		Groups:    map[string]providertest.GitLabRole{"acme/platform": providertest.GitLabDeveloper},
	})

	req, err := http.NewRequest("GET", s.APIURL+"personal_access_tokens/self", nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var self struct {
		Scopes    []string `json:"scopes"`
		ExpiresAt string   `json:"expires_at"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&self); err != nil {
		log.Fatal(err)
	}

	fmt.Println(resp.Status)
	fmt.Println("scopes:", self.Scopes)
	fmt.Println("expires at 00:00 UTC on", self.ExpiresAt)
	fmt.Println("requests:", s.Requests("GET /personal_access_tokens/self"))
	// Output:
	// 200 OK
	// scopes: [read_api write_repository]
	// expires at 00:00 UTC on 2030-01-02
	// requests: 1
}
