package provider

// ghStandaloneScopes are the classic-token scopes that neither include nor
// are included by another scope (ghScopeChildren holds the rest).
var ghStandaloneScopes = []string{
	"admin:org_hook", "delete:packages", "delete_repo", "gist", "notifications",
	"site_admin", "workflow",
}

// ghKnownScopes lists every classic-token scope: the keys and children of
// ghScopeChildren and the standalone ones. repo and public_repo grant push
// access to the repositories they cover.
func ghKnownScopes() []ScopeInfo {
	seen := map[string]bool{}
	var out []ScopeInfo
	add := func(s string) {
		if seen[s] {
			return
		}
		seen[s] = true
		info := ScopeInfo{Name: s}
		if s == "repo" || s == "public_repo" {
			info.Git = "write"
		}
		out = append(out, info)
	}
	for parent, children := range ghScopeChildren {
		add(parent)
		for _, c := range children {
			add(c)
		}
	}
	for _, s := range ghStandaloneScopes {
		add(s)
	}
	return out
}
