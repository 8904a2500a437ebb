package provider

import (
	"slices"
	"testing"
)

func TestGHParseScopes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{" ", []string{}},
		{"repo", []string{"repo"}},
		{"repo, read:org", []string{"repo", "read:org"}},
		{" ,repo ,, gist,", []string{"repo", "gist"}},
	}
	for _, tt := range tests {
		got := ghParseScopes(tt.in)
		if got == nil || !slices.Equal(got, tt.want) {
			t.Errorf("ghParseScopes(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestGHScopeHierarchyAcyclic(t *testing.T) {
	// Every scope reachable from a parent must not lead back to it.
	for parent := range ghScopeChildren {
		for _, child := range ghScopeChildren[parent] {
			if ghScopeCovers(child, parent) {
				t.Errorf("%s covers its parent %s", child, parent)
			}
		}
	}
	for _, no := range []string{"workflow", "read:org", "delete_repo", "admin:org_hook", "gist"} {
		if ghScopeCovers("repo", no) {
			t.Errorf("repo covers %s", no)
		}
	}
}
