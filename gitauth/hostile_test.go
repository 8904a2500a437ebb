package gitauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// hostileText is server text that echoes secret in every encoding, wrapped
// in escape sequences and control characters.
func hostileText(secret string) string {
	var pct strings.Builder
	for i := 0; i < len(secret); i++ {
		fmt.Fprintf(&pct, "%%%02x", secret[i])
	}
	return strings.Join([]string{
		"raw " + secret,
		"\x1b[31mred " + secret + "\x1b[0m",
		"basic " + base64.StdEncoding.EncodeToString([]byte("octocat:"+secret)),
		"url " + base64.RawURLEncoding.EncodeToString([]byte("xy:"+secret)),
		"pct " + pct.String(),
		"split " + secret[:10] + "\x00\x07" + secret[10:],
	}, "\n")
}

// writes splits text into writes of n bytes.
func writes(w interface{ Write([]byte) (int, error) }, text string, n int) {
	for len(text) > 0 {
		k := min(n, len(text))
		w.Write([]byte(text[:k]))
		text = text[k:]
	}
}

func TestProgressScrubsServerText(t *testing.T) {
	secret, tok := testkit.Token(t, pat.GitHubClassic, "progress")
	for _, chunk := range []int{1, 3, 7, 64, 1 << 20} {
		var out bytes.Buffer
		p := newProgress(&out, tok)
		text := "Counting objects:  50% (1/2)\rCounting objects: 100% (2/2), done.\n" + hostileText(secret) + "\nremote: last line, no end"
		writes(p, text, chunk)
		p.Flush()
		got := out.String()
		testkit.NoLeak(t, fmt.Sprintf("progress (writes of %d)", chunk), got, secret)
		if !strings.HasPrefix(got, "Counting objects: 50% (1/2)\rCounting objects: 100% (2/2), done.\n") {
			t.Errorf("progress lines lost their \\r/\\n structure: %q", got)
		}
		if !strings.HasSuffix(got, "remote: last line, no end") {
			t.Errorf("Flush lost the last line: %q", got)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 && r != '\r' && r != '\n' }) {
			t.Errorf("control characters passed: %q", got)
		}
		if !strings.Contains(got, "ghp_********") {
			t.Errorf("no mask in %q", got)
		}
	}
}

func TestProgressCapsLines(t *testing.T) {
	secret, tok := testkit.Token(t, pat.AzureDevOps, "progress-cap")
	// A token at every position around the point where a long line stops
	// being held: no piece of it may pass.
	for pad := maxProgressLine - 8; pad < maxProgressLine+4*len(secret); pad += 7 {
		var out bytes.Buffer
		p := newProgress(&out, tok)
		line := strings.Repeat("x", pad) + secret + strings.Repeat("y", 1<<16) + "\n"
		writes(p, line, 4096)
		writes(p, "next\n", 4096)
		got := out.String()
		testkit.NoLeak(t, fmt.Sprintf("capped line, token at %d", pad), got, secret)
		first, rest, _ := strings.Cut(got, "\n")
		if len(first) > maxProgressLine || rest != "next\n" {
			t.Fatalf("pad %d: first line %d bytes (max %d), rest %q", pad, len(first), maxProgressLine, rest)
		}
	}
	// An endless line costs no more than the cap and the slack.
	var out bytes.Buffer
	p := newProgress(&out, tok)
	chunk := []byte(strings.Repeat("z", 1<<16))
	for range 256 { // 16 MiB
		p.Write(chunk)
	}
	if cap(p.buf) > 2*p.limit {
		t.Errorf("held %d bytes for one endless line; limit %d", cap(p.buf), p.limit)
	}
	if newProgress(nil, tok) != nil {
		t.Error("newProgress(nil) is not nil")
	}
}

func TestServerTextOneMask(t *testing.T) {
	secret, tok := testkit.Token(t, pat.GitHubClassic, "one-mask")
	tg := &target{op: "clone", remote: "https://github.com/o/r.git", repo: "o/r", tokens: []pat.Token{tok}}
	for _, line := range strings.Split(hostileText(secret), "\n") {
		d := tg.detail(line)
		testkit.NoLeak(t, "detail", d, secret)
		if strings.Contains(d, "REDACTED") || !strings.Contains(d, "********") {
			t.Errorf("detail(%q) = %q: want pat's mask", line, d)
		}
		err := tg.mapError(errors.New("unexpected client error: " + line + "\nsecond line"))
		testkit.NoLeak(t, "mapError", err, secret)
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("mapError kept a line break: %q", err)
		}
	}
}

// TestProgressHostileServer clones, pushes and fetches against fakes that
// echo the credentials in sideband progress lines.
func TestProgressHostileServer(t *testing.T) {
	f := newFixture(t)
	for _, host := range []string{"github", "azure"} {
		t.Run(host, func(t *testing.T) {
			secret := f.ghWrite
			hostile := f.gh.SetHostile
			if host == "azure" {
				secret, hostile = f.azWrite, f.az.SetHostile
			}
			hostile(providertest.Hostile{Echo: true})
			defer hostile(providertest.Hostile{})
			opts := f.opts(t, host, secret)
			var progress bytes.Buffer
			a, err := Clone(context.Background(), f.url(host), filepath.Join(t.TempDir(), "a"), opts, &git.CloneOptions{Progress: &progress})
			if err != nil {
				t.Fatal(err)
			}
			dirB := filepath.Join(t.TempDir(), "b")
			b, err := Clone(context.Background(), f.url(host), dirB, opts, &git.CloneOptions{Progress: &progress})
			if err != nil {
				t.Fatal(err)
			}
			commitFile(t, a, "hostile-"+host+".txt", "x\n")
			if err := Push(context.Background(), a, f.url(host), opts, &git.PushOptions{Progress: &progress}); err != nil {
				t.Fatal(err)
			}
			if err := Fetch(context.Background(), b, f.url(host), opts, &git.FetchOptions{Progress: &progress}); err != nil {
				t.Fatal(err)
			}
			out := progress.String()
			if strings.Count(out, "you sent") < 4 {
				t.Errorf("the fake echoed less than expected (clone, clone, push, fetch): %q", out)
			}
			testkit.NoLeak(t, "progress", out, f.secrets()...)
			testkit.NoLeakInDir(t, dirB, f.secrets()...)
		})
	}
}

// endless answers every request with status and a body of size bytes,
// written until the client stops reading.
func endless(status int, size int64) http.Handler {
	chunk := bytes.Repeat([]byte("refused, and here is why: "), 2520) // 64 KiB
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.WriteHeader(status)
		for n := int64(0); n < size; n += int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
}

// TestRefusalBodyCapped: go-git reads a refusal's body whole into its
// error; gitauth's transport cuts it at 64 KiB, so a 256 MiB body costs
// next to nothing.
func TestRefusalBodyCapped(t *testing.T) {
	secret, tok := testkit.Token(t, pat.GitHubClassic, "huge-body")
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusInternalServerError} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := httptest.NewServer(endless(status, 256<<20))
			defer srv.Close()
			opts := Options{Provider: provider.Config{BaseURL: srv.URL, Username: "octocat"}, Source: pat.Static(tok)}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Clone(context.Background(), srv.URL+"/o/r.git", "", opts, nil)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("Clone succeeded against a refusing server")
			}
			testkit.NoLeak(t, "error", err, secret)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("HTTP %d with a 256 MiB body: %v, %d KiB allocated, %s", status, err, alloc>>10, elapsed)
			if alloc > 16<<20 {
				t.Errorf("a 256 MiB refusal cost %d MiB of allocations; want < 16 MiB", alloc>>20)
			}
			if len(err.Error()) > 2*maxMessage {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}
}
