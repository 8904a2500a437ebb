package providertest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/patgit/patgit/pat"
)

// GitHub's credential revocation API, as github.com serves it.
const (
	// GitHubRevokeLimit is how many revocation requests one client may send
	// in an hour.
	GitHubRevokeLimit = 60
	// GitHubRevokeBatch is how many credentials one request may list.
	GitHubRevokeBatch = 1000

	ghDocsRevoke    = "https://docs.github.com/rest/credentials/revoke#revoke-a-list-of-credentials"
	ghRevokeRefused = "Validation failed, or the endpoint has been spammed."
)

// revokeWindow counts one client's revocation requests in the current hour.
type revokeWindow struct {
	start time.Time
	used  int
}

// SetClock makes the server read the time from now (nil: the real clock),
// so tests can move past a rate-limit window without sleeping. It applies
// to the revocation API's hourly limit.
func (s *GitHubServer) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

func (s *GitHubServer) now() time.Time {
	s.mu.Lock()
	c := s.clock
	s.mu.Unlock()
	if c == nil {
		return time.Now()
	}
	return c()
}

// Revoked reports whether secret has been revoked (by the revocation API or
// GitHubToken.Revoked).
func (s *GitHubServer) Revoked(secret string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[secret]
	return t != nil && t.Revoked
}

// serveRevoke is POST /credentials/revoke as github.com answers it:
//   - any Authorization header: 403 (github.com takes unauthenticated
//     requests only; GitHub documents the status, not its message);
//   - the 61st request of a client (by IP address) within an hour: 422
//     with X-RateLimit-Remaining: 0 and the reset time;
//   - a body that is not {"credentials": [...]} with 1 to 1000 strings:
//     422 "Validation failed, or the endpoint has been spammed.";
//   - else 202, and every listed token the server knows of a kind the API
//     takes (ghp_, github_pat_, gho_, ghu_, ghr_; not ghs_) is revoked: 401
//     on the API and on git from then on.
func (s *GitHubServer) serveRevoke(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Del("X-GitHub-Enterprise-Version") // github.com's behaviour
	if r.Method != http.MethodPost {
		ghJSONError(w, http.StatusNotFound, "Not Found", ghDocsRest)
		return
	}
	if r.Header.Get("Authorization") != "" {
		ghJSONError(w, http.StatusForbidden, "This endpoint does not accept authenticated requests.", ghDocsRevoke)
		return
	}
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	now := s.now()
	s.mu.Lock()
	if s.revokeUse == nil {
		s.revokeUse = make(map[string]*revokeWindow)
	}
	win := s.revokeUse[client]
	if win == nil || !now.Before(win.start.Add(time.Hour)) {
		win = &revokeWindow{start: now}
		s.revokeUse[client] = win
	}
	win.used++
	used, reset := win.used, win.start.Add(time.Hour)
	s.mu.Unlock()
	remaining := max(GitHubRevokeLimit-used, 0)
	h.Set("X-RateLimit-Limit", strconv.Itoa(GitHubRevokeLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(min(used, GitHubRevokeLimit)))
	h.Set("X-RateLimit-Resource", "core")
	if used > GitHubRevokeLimit {
		h.Set("X-RateLimit-Remaining", "0")
		ghJSONError(w, http.StatusUnprocessableEntity, ghRevokeRefused, ghDocsRevoke)
		return
	}
	var body struct {
		Credentials []string `json:"credentials"`
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(raw, &body) != nil || len(body.Credentials) == 0 || len(body.Credentials) > GitHubRevokeBatch {
		ghJSONError(w, http.StatusUnprocessableEntity, ghRevokeRefused, ghDocsRevoke)
		return
	}
	s.mu.Lock()
	for _, c := range body.Credentials {
		switch pat.Identify(c) {
		case pat.GitHubClassic, pat.GitHubFineGrained, pat.GitHubOAuth, pat.GitHubUser, pat.GitHubRefresh:
			if t := s.tokens[c]; t != nil {
				t.Revoked = true
			}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "{}\n")
}
