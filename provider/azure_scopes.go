package provider

import "strings"

// Azure DevOps PAT scopes. A PAT cannot list its own scopes, so patgit proves
// a read scope by calling the cheapest read endpoint that needs it; a write
// scope inherits its read scope ("vso.code_write" grants "vso.code"), so a
// failed read proves the write scope missing too, while a successful read
// proves nothing about the write.

// azParent maps a scope to the scope it inherits from in its family, per
// the Azure DevOps scope table ("code_manage includes code_write").
var azParent = map[string]string{
	"vso.code_write":        "vso.code",
	"vso.code_manage":       "vso.code_write",
	"vso.code_full":         "vso.code_manage",
	"vso.build_execute":     "vso.build",
	"vso.work_write":        "vso.work",
	"vso.work_full":         "vso.work_write",
	"vso.packaging_write":   "vso.packaging",
	"vso.packaging_manage":  "vso.packaging_write",
	"vso.project_write":     "vso.project",
	"vso.project_manage":    "vso.project_write",
	"vso.agentpools_manage": "vso.agentpools",
}

// azProbe is a read request that succeeds only with its scope.
type azProbe struct {
	// path is relative to the organization's REST root (or to the feeds
	// host's organization root when feeds is set), with its query.
	path string
	// apiVersion is what Microsoft's Go SDK sends for that resource.
	apiVersion string
	// feeds marks Azure Artifacts routes, served by feeds.dev.azure.com on
	// Azure DevOps Services.
	feeds bool
}

// azProbes maps each provable read scope to its probe. The endpoints are
// organization-level GETs whose only required scope, in the REST
// specification's scope table, is the key:
//   - vso.code: GET _apis/git/repositories (Repositories_List).
//   - vso.build: GET _apis/build/resourceusage (a small summary object,
//     rather than a project's build list, which needs a project).
//   - vso.work: GET _apis/wit/workitemrelationtypes (a short fixed list).
//   - vso.packaging: GET _apis/packaging/feeds (Feed Management_Get Feeds).
//   - vso.project: GET _apis/teams (Teams_Get All Teams). Not _apis/projects:
//     the specification lets vso.profile list projects too, and vso.profile
//     is inherited from vso.packaging and others, so a 200 there would not
//     prove vso.project.
//   - vso.agentpools: GET _apis/distributedtask/pools.
var azProbes = map[string]azProbe{
	"vso.code":       {path: "_apis/git/repositories", apiVersion: "7.1-preview.1"},
	"vso.build":      {path: "_apis/build/resourceusage", apiVersion: "7.1-preview.2"},
	"vso.work":       {path: "_apis/wit/workitemrelationtypes", apiVersion: "7.1-preview.2"},
	"vso.packaging":  {path: "_apis/packaging/feeds", apiVersion: "7.1-preview.1", feeds: true},
	"vso.project":    {path: "_apis/teams?$top=1", apiVersion: "7.1-preview.3"},
	"vso.agentpools": {path: "_apis/distributedtask/pools", apiVersion: "7.1-preview.1"},
}

// azScopeLabels are the names the PAT page shows, for hints.
var azScopeLabels = map[string]string{
	"vso.code":              "Code (Read)",
	"vso.code_write":        "Code (Read & write)",
	"vso.code_manage":       "Code (Read, write, & manage)",
	"vso.code_full":         "Code (Full)",
	"vso.code_status":       "Code (Status)",
	"vso.build":             "Build (Read)",
	"vso.build_execute":     "Build (Read & execute)",
	"vso.work":              "Work Items (Read)",
	"vso.work_write":        "Work Items (Read & write)",
	"vso.work_full":         "Work Items (Read, write, & manage)",
	"vso.packaging":         "Packaging (Read)",
	"vso.packaging_write":   "Packaging (Read & write)",
	"vso.packaging_manage":  "Packaging (Read, write, & manage)",
	"vso.project":           "Project and Team (Read)",
	"vso.project_write":     "Project and Team (Read & write)",
	"vso.project_manage":    "Project and Team (Read, write, & manage)",
	"vso.agentpools":        "Agent Pools (Read)",
	"vso.agentpools_manage": "Agent Pools (Read & manage)",
	"app_token":             "Full access",
}

// azNormalizeScope lower-cases s and adds the "vso." prefix when s is a bare
// scope name ("code_write").
func azNormalizeScope(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s != "" && s != "app_token" && !strings.HasPrefix(s, "vso.") {
		if _, ok := azScopeLabels["vso."+s]; ok {
			return "vso." + s
		}
	}
	return s
}

// azReadScope returns the read scope at the root of s's family and whether a
// probe exists for it: "vso.code_write" → "vso.code", true.
func azReadScope(s string) (string, bool) {
	for i := 0; i < 8; i++ {
		if _, ok := azProbes[s]; ok {
			return s, true
		}
		p, ok := azParent[s]
		if !ok {
			return s, false
		}
		s = p
	}
	return s, false
}

// azScopeLabel returns "'vso.code' (Code (Read))", or just the quoted scope.
func azScopeLabel(s string) string {
	if l, ok := azScopeLabels[azNormalizeScope(s)]; ok {
		return "'" + s + "' (" + l + ")"
	}
	return "'" + s + "'"
}
