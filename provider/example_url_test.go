package provider_test

import (
	"errors"
	"fmt"

	"github.com/patgit/patgit/provider"
)

// ForURL picks the provider from the URL and names the repository the same
// way whatever form the URL takes.
func ExampleForURL() {
	for _, raw := range []string{
		"git@github.com:octocat/Hello-World.git",
		"https://github.com/octocat/Hello-World/tree/main/docs",
		"octocorp@octocorp.ghe.com:octocat/Hello-World.git",
		"https://contoso@dev.azure.com/contoso/My%20Project/_git/My%20Repo",
		"git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber",
		"https://contoso.visualstudio.com/DefaultCollection/_git/Scripts",
	} {
		p, repo, err := provider.ForURL(raw, provider.Config{})
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-12s %-22s %s\n", p.Name(), repo, p.CloneURL(repo))
	}

	// Look-alike hosts are refused.
	_, _, err := provider.ForURL("https://dev.azure.com.evil.example/contoso/Fabrikam/_git/Fiber", provider.Config{})
	fmt.Println(errors.Is(err, provider.ErrUnsupportedURL))

	// Output:
	// github       octocat/Hello-World    https://github.com/octocat/Hello-World.git
	// github       octocat/Hello-World    https://github.com/octocat/Hello-World.git
	// github       octocat/Hello-World    https://octocorp.ghe.com/octocat/Hello-World.git
	// azure-devops contoso/My Project/My Repo https://dev.azure.com/contoso/My%20Project/_git/My%20Repo
	// azure-devops contoso/Fabrikam/Fiber https://dev.azure.com/contoso/Fabrikam/_git/Fiber
	// azure-devops contoso/Scripts/Scripts https://contoso.visualstudio.com/Scripts/_git/Scripts
	// true
}

// A GitHub Enterprise Server is recognised once Config.BaseURL names it.
func ExampleForURL_enterpriseServer() {
	cfg := provider.Config{BaseURL: "https://ghe.example.com"}
	p, repo, err := provider.ForURL("git@ghe.example.com:octocat/Hello-World.git", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name(), repo.Host, repo, p.CloneURL(repo))

	_, _, err = provider.ForURL("https://ghe.example.com/octocat/Hello-World", provider.Config{})
	fmt.Println(err)
	// Output:
	// github ghe.example.com octocat/Hello-World https://ghe.example.com/octocat/Hello-World.git
	// unsupported repository URL: https://ghe.example.com/octocat/Hello-World: ghe.example.com is not a known GitHub or Azure DevOps host; set Config.BaseURL to https://ghe.example.com for GitHub Enterprise Server, or to the collection URL, e.g. https://ghe.example.com/tfs/DefaultCollection, for Azure DevOps Server (and Config.Name to one of "github", "azure-devops" when BaseURL alone does not say which)
}
