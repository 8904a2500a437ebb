package providertest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// AzureDevOpsResourceID is the Microsoft Entra ID application (resource) ID
// of Azure DevOps: the audience of Entra access tokens for it.
const AzureDevOpsResourceID = "499b84ac-1321-427f-aa17-267ca6975798"

// AzureEntraTokenLifetime is how long an Entra access token the fake issues
// lasts ("Microsoft Entra tokens expire every hour").
const AzureEntraTokenLifetime = time.Hour

// AzureGlobalPATRetired is the message the fake answers a global PAT with
// once global PATs are retired ([AzureServer.RetireGlobalPATs]). Azure
// DevOps does not document its exact wording.
const AzureGlobalPATRetired = "Access Denied: Global personal access tokens are no longer supported. Use an organization-scoped personal access token or a Microsoft Entra ID token."

// azEntraState is the fake Azure DevOps' Entra side: the access tokens it
// issued, its clock and the global-PAT retirement date. Guarded by the
// server's mutex.
type azEntraState struct {
	issued       map[string]*azEntraToken // by secret
	now          func() time.Time
	globalPATEnd time.Time
	count        int
}

type azEntraToken struct {
	tok     *azTok
	expires time.Time
}

// SetClock sets the clock by which the server judges Entra tokens' expiry
// and the global-PAT retirement (nil: the real clock).
func (s *AzureServer) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entra.now = now
}

func (s *AzureServer) nowLocked() time.Time {
	if s.entra.now != nil {
		return s.entra.now()
	}
	return time.Now()
}

// TenantID is the Entra tenant of the server's hosted organizations: in the
// WWW-Authenticate authorization_uri and X-VSS-ResourceTenant of its 401s.
func (s *AzureServer) TenantID() string { return azUUID("tenant") }

// IssueEntraToken issues a Microsoft Entra ID access token for Azure DevOps
// for the identity id describes (a user, service principal or managed
// identity added to the organizations id.Orgs names; empty: all), as Entra's
// token endpoint would: a JWT whose aud is [AzureDevOpsResourceID], with iat,
// nbf and exp (now + [AzureEntraTokenLifetime] on the server's clock). Its
// Scopes are the identity's access; empty: full access, as a user's or a
// service principal's rights are not narrowed by the token. The server
// accepts the token as Bearer and as a Basic password (any user name) on
// REST and git until it expires, then answers as Azure DevOps does for an
// expired token (401 TF400813, or 203 and the sign-in page without
// X-TFS-FedAuthRedirect: Suppress).
func (s *AzureServer) IssueEntraToken(id AzureToken) (secret string, expires time.Time) {
	if len(id.Scopes) == 0 {
		id.Scopes = []string{"app_token"}
	}
	s.mu.Lock()
	now := s.nowLocked().Truncate(time.Second)
	s.mu.Unlock()
	expires = now.Add(AzureEntraTokenLifetime)
	tenant := s.TenantID()
	oid := azUUID("entra\x00" + id.UniqueName + "\x00" + id.DisplayName)
	if azIsUUID(id.ID) {
		oid = id.ID
	}
	id.ID = oid
	header, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "kid": "fakeKeyId0", "x5t": "fakeKeyId0"})
	claims, _ := json.Marshal(map[string]any{
		"aud": AzureDevOpsResourceID, "iss": "https://sts.windows.net/" + tenant + "/",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": expires.Unix(),
		"oid": oid, "tid": tenant, "sub": oid, "appid": azUUID("app\x00" + oid),
		"unique_name": id.UniqueName, "name": id.DisplayName, "ver": "1.0",
		"uti": azRandom(16), "scp": "user_impersonation",
	})
	secret = base64.RawURLEncoding.EncodeToString(header) + "." +
		base64.RawURLEncoding.EncodeToString(claims) + "." + azRandom(256)
	t := newAzTok(secret, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entra.issued == nil {
		s.entra.issued = make(map[string]*azEntraToken)
	}
	s.entra.issued[secret] = &azEntraToken{tok: t, expires: expires}
	s.entra.count++
	return secret, expires
}

// EntraTokensIssued returns how many Entra tokens [AzureServer.IssueEntraToken]
// has issued.
func (s *AzureServer) EntraTokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entra.count
}

// RetireGlobalPATs makes the server refuse global PATs (registered with no
// Orgs: valid for every organization) from the moment at on its clock, as
// Azure DevOps does from 2026-12-01: 401 with [AzureGlobalPATRetired] on
// REST and git. The zero time accepts them again.
func (s *AzureServer) RetireGlobalPATs(at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entra.globalPATEnd = at
}

// entraAuth authenticates a request that carries an Entra token the server
// issued, as Bearer or as a Basic password. ok is false when the request
// carries none: the PAT rules apply.
func (s *AzureServer) entraAuth(r *http.Request, org *azOrg) (t *azTok, res authResult, ok bool) {
	var secret string
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "bearer") {
		secret = strings.TrimSpace(rest)
	} else if _, pw, basic := r.BasicAuth(); basic {
		secret = pw
	}
	s.mu.Lock()
	e := s.entra.issued[secret]
	now := s.nowLocked()
	s.mu.Unlock()
	switch {
	case e == nil && strings.EqualFold(scheme, "bearer"):
		return nil, authBad, true // Bearer takes Entra tokens only, no PATs
	case e == nil:
		return nil, 0, false
	case !now.Before(e.expires) || e.tok.Revoked:
		return nil, authBad, true
	case !e.tok.validFor(org.name):
		return e.tok, authWrongOrg, true
	}
	return e.tok, authOK, true
}

// globalRetired reports whether t is a global PAT past its retirement.
func (s *AzureServer) globalRetired(t *azTok) bool {
	if t == nil || len(t.Orgs) != 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	end := s.entra.globalPATEnd
	return !end.IsZero() && !s.nowLocked().Before(end)
}

// expiredMessage is the 401 message for a token authenticate found
// expired: a global PAT past retirement, or an expired PAT.
func (s *AzureServer) expiredMessage(t *azTok) string {
	if s.globalRetired(t) {
		return AzureGlobalPATRetired
	}
	return azExpiredMessage
}

// serveDiscovery answers the anonymous HEAD (or GET) of an organization's
// root that clients send to find its Entra tenant: 401 with
// WWW-Authenticate: Bearer authorization_uri=… and X-VSS-ResourceTenant.
func (s *AzureServer) serveDiscovery(w http.ResponseWriter, r *http.Request, q *azReq) bool {
	if q.isGit || q.apiRaw != nil || q.project != "" || r.Header.Get("Authorization") != "" ||
		(r.Method != http.MethodHead && r.Method != http.MethodGet) {
		return false
	}
	p := strings.Trim(r.URL.Path, "/")
	if strings.Contains(p, "/") && !(q.org.onPrem && strings.Count(p, "/") == 1) {
		return false
	}
	s.challenge(w, q.org)
	w.WriteHeader(http.StatusUnauthorized)
	return true
}

func azRandom(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
