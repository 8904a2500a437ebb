package provider

import "slices"

// A ScopeInfo describes one scope that tokens of a provider may carry.
type ScopeInfo struct {
	// Name is the scope's name as the host spells it: "repo",
	// "vso.code_write".
	Name string
	// Git is the git access to a repository that the scope grants there:
	// "read" (fetch), "write" (push), or "" when the scope says nothing
	// about git access. When a check cannot prove the scope (a host that
	// does not disclose a token's scopes, a write scope a read cannot prove),
	// a successful gitauth.Probe of that access proves it for that
	// repository, and a refused one proves the token cannot use it there.
	Git string
}

// Scopes returns the scopes that tokens of the provider named providerName
// ("github", "azure-devops") may carry, sorted by name; nil for a name it
// does not know. Programs use it to refuse a scope name the host would
// never grant (a GitHub scope asked of an Azure DevOps token) before
// checking anything.
func Scopes(providerName string) []ScopeInfo {
	f := familyNamed(providerName)
	if f == nil || f.scopes == nil {
		return nil
	}
	list := f.scopes()
	slices.SortFunc(list, func(a, b ScopeInfo) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return list
}
