package providertest_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/patgit/patgit/provider/providertest"
)

// latencyServer is what the latency and in-flight tests need of a fake.
type latencyServer interface {
	SetLatency(time.Duration)
	MaxInFlight() int
	ResetCounts()
	TotalRequests() int
}

// TestLatencyAndInFlight: SetLatency delays API and git requests alike;
// MaxInFlight counts requests that overlap, and only those.
func TestLatencyAndInFlight(t *testing.T) {
	t.Parallel()
	gh := newGitHub(t)
	az, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(az.Close)
	az.AddOrg("contoso", false)
	for _, tc := range []struct {
		name string
		s    latencyServer
		urls []string // an API route and a git route
	}{
		{"github", gh, []string{gh.APIURL + "user", gh.URL + "/o/r.git/info/refs?service=git-upload-pack"}},
		{"azure", az, []string{az.OrgURL("contoso") + "/_apis/connectionData", az.OrgURL("contoso") + "/p/_git/r/info/refs?service=git-upload-pack"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const latency = 300 * time.Millisecond
			tc.s.SetLatency(latency)
			get := func(u string) time.Duration {
				start := time.Now()
				resp, err := http.Get(u)
				if err != nil {
					t.Error(err)
					return 0
				}
				resp.Body.Close()
				return time.Since(start)
			}
			tc.s.ResetCounts()
			for _, u := range tc.urls {
				if d := get(u); d < latency {
					t.Errorf("%s answered in %v, before the latency of %v", u, d, latency)
				}
			}
			if n := tc.s.MaxInFlight(); n != 1 {
				t.Errorf("requests one after another: MaxInFlight = %d, want 1", n)
			}
			tc.s.ResetCounts()
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(func() { get(tc.urls[0]) })
			}
			wg.Wait()
			if n := tc.s.MaxInFlight(); n != 3 || tc.s.TotalRequests() != 3 {
				t.Errorf("three concurrent requests: MaxInFlight = %d, total %d; want 3, 3", n, tc.s.TotalRequests())
			}
			tc.s.SetLatency(0)
			if d := get(tc.urls[0]); d >= latency {
				t.Errorf("latency 0: answered in %v", d)
			}
		})
	}
}
