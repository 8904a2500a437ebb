package provider

// azMoreScopes are Azure DevOps PAT scopes that patgit has neither a probe
// nor a label for; a check reports them as unverified.
var azMoreScopes = []string{
	"vso.analytics", "vso.auditlog", "vso.auditstreams_manage", "vso.dashboards",
	"vso.dashboards_manage", "vso.environment_manage", "vso.extension", "vso.extension_manage",
	"vso.extension.data", "vso.extension.data_write", "vso.graph", "vso.graph_manage",
	"vso.identity", "vso.identity_manage", "vso.machinegroup_manage",
	"vso.memberentitlementmanagement", "vso.memberentitlementmanagement_write",
	"vso.notification", "vso.notification_diagnostics", "vso.notification_manage",
	"vso.notification_write", "vso.pipelineresources_manage", "vso.pipelineresources_use",
	"vso.profile", "vso.profile_write", "vso.release", "vso.release_execute",
	"vso.release_manage", "vso.security_manage", "vso.serviceendpoint",
	"vso.serviceendpoint_manage", "vso.serviceendpoint_query", "vso.symbols",
	"vso.symbols_manage", "vso.symbols_write", "vso.taskgroups_manage", "vso.taskgroups_read",
	"vso.taskgroups_write", "vso.test", "vso.test_write", "vso.threads_full",
	"vso.tokenadministration", "vso.tokens", "vso.variablegroups_manage",
	"vso.variablegroups_read", "vso.variablegroups_write", "vso.wiki", "vso.wiki_write",
}

// azKnownScopes lists the Azure DevOps PAT scopes: those with a label
// (azScopeLabels) and azMoreScopes. vso.code grants fetch; vso.code_write
// grants push. Higher code scopes grant push too, but a push does not prove
// them.
func azKnownScopes() []ScopeInfo {
	var out []ScopeInfo
	for s := range azScopeLabels {
		info := ScopeInfo{Name: s}
		switch s {
		case "vso.code":
			info.Git = "read"
		case "vso.code_write":
			info.Git = "write"
		}
		out = append(out, info)
	}
	for _, s := range azMoreScopes {
		if _, dup := azScopeLabels[s]; !dup {
			out = append(out, ScopeInfo{Name: s})
		}
	}
	return out
}
