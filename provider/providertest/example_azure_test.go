package providertest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// A fake Azure DevOps organization: validate a token the way Microsoft's
// tools do, with GET {org}/_apis/connectionData.
func ExampleNewAzureServer() {
	srv, err := providertest.NewAzureServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.AddOrg("contoso", false)
	secret := providertest.Token(pat.AzureDevOps, "example")
	srv.AddToken(secret, providertest.AzureToken{DisplayName: "Ada Lovelace", Scopes: []string{"vso.code"}})

	for _, s := range []string{secret, "not-a-token"} {
		req, _ := http.NewRequest("GET", srv.OrgURL("contoso")+"/_apis/connectionData", nil)
		req.SetBasicAuth("", s)
		req.Header.Set("Accept", "application/json;api-version=7.1-preview.1")
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		var body struct {
			Message           string
			AuthenticatedUser struct{ ProviderDisplayName string }
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, body.AuthenticatedUser.ProviderDisplayName+body.Message)
	}
	fmt.Println(srv.Requests("GET connectionData"), "requests")
	// Output:
	// 200 Ada Lovelace
	// 401 TF400813: The user '' is not authorized to access this resource.
	// 2 requests
}
