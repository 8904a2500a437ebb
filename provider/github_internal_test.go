package provider

import (
	"slices"
	"testing"
	"time"
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

func TestParseRetryAfter(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	past := time.Now().Add(-time.Hour).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	tests := []struct {
		in     string
		ok     bool
		lo, hi time.Duration
	}{
		{"", false, 0, 0},
		{"soon", false, 0, 0},
		{"-5", false, 0, 0},
		{"0", true, 0, 0},
		{"60", true, time.Minute, time.Minute},
		{future, true, 80 * time.Second, 91 * time.Second},
		{past, true, 0, 0},
	}
	for _, tt := range tests {
		d, ok := parseRetryAfter(tt.in)
		if ok != tt.ok || d < tt.lo || d > tt.hi {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v in [%v, %v]", tt.in, d, ok, tt.ok, tt.lo, tt.hi)
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
