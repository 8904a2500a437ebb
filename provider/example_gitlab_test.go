package provider_test

import (
	"fmt"
	"log"

	"github.com/patgit/patgit/provider"
)

// A self-managed GitLab below a relative URL root: every URL form names the
// same project, its namespace (subgroups included) in Owner. The root comes
// from Config.BaseURL only.
func ExampleNewGitLab() {
	g, err := provider.NewGitLab(provider.Config{BaseURL: "https://git.example.com/gitlab"})
	if err != nil {
		log.Fatal(err)
	}
	for _, raw := range []string{
		"https://git.example.com/gitlab/acme/platform/tools/cli.git",
		"https://git.example.com/gitlab/acme/platform/tools/cli/-/merge_requests/7",
		"git@git.example.com:acme/platform/tools/cli.git",
		"ssh://git@git.example.com:2222/acme/platform/tools/cli.git",
		"https://git.example.com/acme/platform/tools/cli.git",
	} {
		repo, err := g.ParseRepo(raw)
		if err != nil {
			fmt.Println("refused:", raw)
			continue
		}
		fmt.Println(repo.Owner, repo.Name, g.CloneURL(repo))
	}
	// Output:
	// acme/platform/tools cli https://git.example.com/gitlab/acme/platform/tools/cli.git
	// acme/platform/tools cli https://git.example.com/gitlab/acme/platform/tools/cli.git
	// acme/platform/tools cli https://git.example.com/gitlab/acme/platform/tools/cli.git
	// acme/platform/tools cli https://git.example.com/gitlab/acme/platform/tools/cli.git
	// refused: https://git.example.com/acme/platform/tools/cli.git
}
