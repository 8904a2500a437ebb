package bench

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// exchange is one request a recorder saw: whether it carried credentials
// and the status it got.
type exchange struct {
	route  string
	auth   bool
	status int
}

// recorder sits in front of a fake server and records every exchange.
type recorder struct {
	mu   sync.Mutex
	seen []exchange
}

func (r *recorder) record(e exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, e)
}

func (r *recorder) take() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.seen
	r.seen = nil
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets git http-backend's streamed answers through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// recordingProxy serves target's answers from a loopback server of its
// own and records every exchange.
func recordingProxy(tb testing.TB, target string) (string, *recorder) {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		proxy.ServeHTTP(sw, r)
		route := r.Method + " " + r.URL.Path
		if q := r.URL.Query().Get("service"); q != "" {
			route += "?service=" + q
		}
		rec.record(exchange{route: route, auth: r.Header.Get("Authorization") != "", status: sw.status})
	}))
	tb.Cleanup(srv.Close)
	return srv.URL, rec
}

// gitVersion returns git's version as numbers, e.g. [2 39 5].
func gitVersion(tb testing.TB) (string, []int) {
	tb.Helper()
	out, err := exec.Command("git", "--version").Output()
	if err != nil {
		tb.Fatal(err)
	}
	text := strings.TrimSpace(string(out))
	m := regexp.MustCompile(`(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(text)
	if m == nil {
		tb.Fatalf("cannot read git's version from %q", text)
	}
	var v []int
	for _, s := range m[1:] {
		n, _ := strconv.Atoi(s)
		v = append(v, n)
	}
	return text, v
}

// TestBudgetCommandRequests counts what a clone costs through
// gitauth.Command against plain git with an Authorization header: HTTP
// requests, those sent without credentials (answered 401), and the runs
// of the credential helper. git before 2.46 asks the helper only after a
// 401, one round trip more than plain git; from 2.46, the
// http.<remote>.proactiveAuth Command sets makes the first request carry
// the credentials, and Command costs plain git's requests. A line of the
// verbose output ("command-requests: ...") is the row BENCHMARKS.md shows
// for the git on PATH.
func TestBudgetCommandRequests(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	version, v := gitVersion(t)
	proactive := v[0] > 2 || (v[0] == 2 && v[1] >= 46)
	e := newGitHub(t)
	e.addSmall(t)
	base, rec := recordingProxy(t, e.srv.URL)
	repoURL := base + "/" + ghOwner + "/" + ghSmall + ".git"
	tok, err := pat.New(e.secret)
	mustCheck(t, err)
	opts := gitauth.Options{Provider: provider.Config{BaseURL: base, Username: ghLogin}, Source: pat.Static(tok)}
	root := t.TempDir()
	trace := filepath.Join(root, "trace")

	run := func(name string, cmd *exec.Cmd) []exchange {
		t.Helper()
		rec.take()
		os.Remove(trace)
		cmd.Env = append(cmd.Environ(), "GIT_TRACE="+trace)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		return rec.take()
	}
	header := "http.extraHeader=Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(ghLogin+":"+e.secret))
	plain := run("git clone", exec.Command("git", "-c", header, "clone", "-q", repoURL, filepath.Join(root, "plain")))
	cmd, err := gitauth.Command(background, repoURL, opts, "clone", "-q", repoURL, filepath.Join(root, "command"))
	mustCheck(t, err)
	viaCommand := run("Command", cmd)
	helperRuns := helperOps(t, trace)

	unauth := 0
	for _, x := range viaCommand {
		if !x.auth {
			unauth++
			if x.status != http.StatusUnauthorized {
				t.Errorf("request %s without credentials answered %d", x.route, x.status)
			}
		}
	}
	t.Logf("command-requests: %s | %d | %d | %d | %s", version, len(plain), len(viaCommand), unauth, strings.Join(helperRuns, ", "))
	want, wantUnauth := len(plain)+1, 1
	if proactive {
		want, wantUnauth = len(plain), 0
	}
	if len(viaCommand) != want || unauth != wantUnauth {
		t.Errorf("%s: Command made %d requests, %d without credentials; want %d and %d (plain git: %d)\n%v",
			version, len(viaCommand), unauth, want, wantUnauth, len(plain), viaCommand)
	}
	if len(helperRuns) == 0 || helperRuns[0] != "get" {
		t.Errorf("helper runs %q; want get first", helperRuns)
	}
	if !proactive {
		return
	}
	// Control: the same command with proactiveAuth turned off pays the 401,
	// so the setting is what removes it.
	cmd, err = gitauth.Command(background, repoURL, opts, "clone", "-q", repoURL, filepath.Join(root, "control"))
	mustCheck(t, err)
	turnedOff := false
	for _, kv := range cmd.Env {
		if name, value, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "GIT_CONFIG_KEY_") && strings.HasSuffix(value, ".proactiveAuth") {
			n := strings.TrimPrefix(name, "GIT_CONFIG_KEY_")
			for j, kv2 := range cmd.Env {
				if strings.HasPrefix(kv2, "GIT_CONFIG_VALUE_"+n+"=") {
					cmd.Env[j] = "GIT_CONFIG_VALUE_" + n + "=none"
					turnedOff = true
				}
			}
		}
	}
	if !turnedOff {
		t.Fatal("Command sets no proactiveAuth")
	}
	control := run("Command without proactiveAuth", cmd)
	unauth = 0
	for _, x := range control {
		if !x.auth {
			unauth++
		}
	}
	if len(control) != len(plain)+1 || unauth != 1 {
		t.Errorf("control without proactiveAuth: %d requests, %d without credentials; want %d and 1", len(control), unauth, len(plain)+1)
	}
}

// helperOps returns the operations (get, store, erase) of the credential
// helper runs GIT_TRACE recorded, in order.
func helperOps(t *testing.T, trace string) []string {
	t.Helper()
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if !bytes.Contains(line, []byte("run_command:")) || !bytes.Contains(line, []byte(gitauth.EnvToken)) {
			continue
		}
		for _, op := range []string{"get", "store", "erase"} {
			if bytes.HasSuffix(bytes.TrimRight(line, "' "), []byte(" "+op)) {
				ops = append(ops, op)
			}
		}
	}
	if len(ops) == 0 {
		t.Logf("no helper run in GIT_TRACE:\n%s", b)
	}
	return ops
}
