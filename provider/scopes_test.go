package provider

import (
	"maps"
	"slices"
	"testing"
)

func TestScopes(t *testing.T) {
	for _, tc := range []struct {
		provider string
		must     []string // every scope the provider's own tables name
		git      map[string]string
	}{
		{"github", append(slices.Collect(maps.Keys(ghScopeChildren)), "workflow", "delete_repo", "read:org", "public_repo"),
			map[string]string{"repo": "write", "public_repo": "write", "workflow": "", "read:org": ""}},
		{"azure-devops", append(slices.Collect(maps.Keys(azScopeLabels)), slices.Collect(maps.Keys(azProbes))...),
			map[string]string{"vso.code": "read", "vso.code_write": "write", "vso.code_manage": "", "vso.build": ""}},
	} {
		list := Scopes(tc.provider)
		names := make([]string, len(list))
		for i, s := range list {
			names[i] = s.Name
		}
		if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
			t.Errorf("Scopes(%q) is not sorted and unique: %v", tc.provider, names)
		}
		for _, s := range tc.must {
			if !slices.Contains(names, s) {
				t.Errorf("Scopes(%q) lacks %q", tc.provider, s)
			}
		}
		for scope, git := range tc.git {
			if i := slices.Index(names, scope); i < 0 || list[i].Git != git {
				t.Errorf("Scopes(%q): %q missing or not granting git %q", tc.provider, scope, git)
			}
		}
	}
	if got := Scopes("bitbucket"); got != nil {
		t.Errorf("Scopes of an unknown provider = %v, want nil", got)
	}
}
