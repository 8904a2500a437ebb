package provider

import (
	"strings"
)

const (
	azureHost    = "dev.azure.com"
	azureSSHHost = "ssh.dev.azure.com"
	vsSuffix     = ".visualstudio.com"
	vsSSHHost    = "vs-ssh.visualstudio.com"
)

// ParseRepo parses an Azure DevOps repository URL and returns the
// repository it names, with every name unescaped ("My Project").
//
// A provider for Azure DevOps Services (the zero Config, or a BaseURL on
// dev.azure.com or ORG.visualstudio.com) accepts every organization's URLs
// on those hosts:
//
//   - https://[ORG@]dev.azure.com/ORG/PROJECT/_git/REPO (the path's
//     organization wins over the user name);
//   - https://ORG.visualstudio.com/[DefaultCollection/]PROJECT[/TEAM]/_git/REPO
//     (DefaultCollection in any case);
//   - .../_git/REPO with no project, meaning the project named like the
//     repository;
//   - .../_git/_optimized/REPO and .../_git/_full/REPO;
//   - web URLs below a repository: .../_git/REPO?path=/src&version=GBmain,
//     .../_git/REPO/pullrequest/12, .../_git/REPO/commit/SHA;
//   - git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO and
//     ssh://git@ssh.dev.azure.com[:22]/v3/ORG/PROJECT/REPO (user "git");
//   - ORG@vs-ssh.visualstudio.com:v3/ORG/PROJECT/REPO (user: the
//     organization) and the older
//     ssh://ORG@vs-ssh.visualstudio.com:22/[DefaultCollection/]PROJECT/_ssh/REPO.
//
// ssh URLs map to the https host: dev.azure.com for ssh.dev.azure.com,
// ORG.visualstudio.com for vs-ssh.visualstudio.com. On visualstudio.com the
// organization is the host's label, in lower case.
//
// A provider for Azure DevOps Server (a BaseURL on any other host, e.g.
// https://tfs.example.com/tfs/DefaultCollection) accepts
// https://HOST/VDIR/COLLECTION/PROJECT[/TEAM]/_git/REPO on its host (and
// its ssh forms with "_git" or "_ssh"), where VDIR is the virtual
// directory of BaseURL ("tfs", Repo.VirtualDir) and COLLECTION, any
// collection of that server, becomes Repo.Owner. A BaseURL with no path (a
// server root) means the first segment is the collection.
//
// A ".git" suffix is part of the repository name: Azure DevOps looks the
// name up as written, so .../_git/repo.git names a repository "repo.git"
// (with none so named, the server answers 404 TF401019). ParseRepo does not
// strip it, so that a repository really named "x.git" stays reachable, and
// CloneURL never adds one.
//
// Errors wrap [ErrUnsupportedURL], or [ErrInsecureURL] for http:// to a host
// that is not loopback; they never hold the URL's user information.
func (a *AzureDevOps) ParseRepo(rawURL string) (Repo, error) {
	if err := a.ready(); err != nil {
		return Repo{}, err
	}
	r, err := lexRemote(rawURL)
	if err != nil {
		return Repo{}, err
	}
	return a.parse(&r)
}

// hosted reports whether a serves Azure DevOps Services.
func (a *AzureDevOps) hosted() bool {
	if a.base == nil {
		return true
	}
	h := hostOnly(a.host)
	_, vs := vsOrg(h)
	return h == azureHost || vs
}

func (a *AzureDevOps) parse(r *remote) (Repo, error) {
	if err := r.checkTransport(); err != nil {
		return Repo{}, err
	}
	if a.hosted() {
		return parseAzureHosted(r)
	}
	if r.scheme == "ssh" {
		// The ssh port of a server is its administrator's choice.
		if r.hostname != hostOnly(a.host) {
			return Repo{}, a.otherServer(r)
		}
	} else if r.host != a.host {
		return Repo{}, a.otherServer(r)
	}
	segs := r.segs
	if a.vdir != "" {
		vd := strings.Split(a.vdir, "/")
		switch {
		case len(segs) >= len(vd) && equalFoldSegs(segs[:len(vd)], vd):
			segs = segs[len(vd):]
		case r.scheme != "ssh":
			// Over ssh the virtual directory may be absent (UNVERIFIED which
			// form servers show); over https it is required.
			return Repo{}, r.fail("want %s://%s/%sCOLLECTION/PROJECT/_git/REPO (the virtual directory of Config.BaseURL)", a.scheme, a.host, escapeSegments(a.vdir))
		}
	}
	if len(segs) == 0 || strings.HasPrefix(segs[0], "_") {
		return Repo{}, r.fail("no collection; want %s://%s/%sCOLLECTION/PROJECT/_git/REPO", a.scheme, a.host, escapeSegments(a.vdir))
	}
	marker := "_git"
	if r.scheme == "ssh" && !hasSegment(segs, "_git") {
		marker = "_ssh"
	}
	project, name, err := azureTail(r, segs[1:], marker, 2, r.scheme != "ssh")
	if err != nil {
		return Repo{}, err
	}
	repo := Repo{Host: a.host, Owner: segs[0], Project: project, Name: name, VirtualDir: a.vdir}
	if err := cloneURLFits(r, repo, a); err != nil {
		return Repo{}, err
	}
	return repo, nil
}

// cloneURLFits refuses a repository whose clone URL would be longer than
// MaxURLLength: percent-encoding can make it up to three times as long as
// the names in the URL read, and every accepted repository's clone URL must
// parse again. a builds it only when a bound on its length (each byte of a
// name escapes to at most three) is over the limit.
func cloneURLFits(r *remote, repo Repo, a *AzureDevOps) error {
	project := repo.Project
	if project == "" {
		project = repo.Name
	}
	bound := len("https://") + len(repo.Host) + len("/DefaultCollection/") + len("/_git/") + 8 +
		3*(len(repo.VirtualDir)+len(repo.Owner)+len(project)+len(repo.Name))
	if bound <= MaxURLLength {
		return nil
	}
	if n := len(a.CloneURL(repo)); n > MaxURLLength {
		return r.fail("the repository's clone URL would be %d bytes long; the limit is %d", n, MaxURLLength)
	}
	return nil
}

func (a *AzureDevOps) otherServer(r *remote) error {
	return r.fail("this Azure DevOps provider serves %s; use provider.ForURL, or set Config.BaseURL to the repository's collection URL", a.host)
}

// isAzureHostedName reports whether a lower-case host name is one of Azure
// DevOps Services' hosts.
func isAzureHostedName(h string) bool {
	switch h {
	case azureHost, azureSSHHost, vsSSHHost:
		return true
	}
	_, ok := vsOrg(h)
	return ok
}

// vsOrg returns ORG of the host name ORG.visualstudio.com: exactly one
// label, a valid organization name, not "vs-ssh".
func vsOrg(h string) (string, bool) {
	org, ok := strings.CutSuffix(h, vsSuffix)
	if !ok || org == "vs-ssh" || !validOrg(org) {
		return "", false
	}
	return org, true
}

// validOrg reports whether s is a possible Azure DevOps Services
// organization name: 1 to 50 ASCII letters, digits and hyphens, starting
// and ending with a letter or digit.
func validOrg(s string) bool {
	if s == "" || len(s) > 50 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// servicesCloneURLs builds the clone URLs of Azure DevOps Services
// repositories, whose Repo.Host says everything: the zero provider.
var servicesCloneURLs AzureDevOps

// parseAzureHosted parses a URL of Azure DevOps Services.
func parseAzureHosted(r *remote) (Repo, error) {
	repo, err := parseAzureHostedForm(r)
	if err != nil {
		return Repo{}, err
	}
	if err := cloneURLFits(r, repo, &servicesCloneURLs); err != nil {
		return Repo{}, err
	}
	return repo, nil
}

// parseAzureHostedForm reads r's path by the rules of its Azure DevOps
// Services host.
func parseAzureHostedForm(r *remote) (Repo, error) {
	const httpsForm = "https://dev.azure.com/ORG/PROJECT/_git/REPO"
	h := r.hostname
	org, vs := vsOrg(h)
	switch {
	case r.scheme != "ssh" && h == azureHost:
		if r.host != azureHost {
			return Repo{}, r.fail("dev.azure.com takes no port; want %s", httpsForm)
		}
		if len(r.segs) == 0 || strings.HasPrefix(r.segs[0], "_") {
			return Repo{}, r.fail("no organization in the path; want %s", httpsForm)
		}
		if !validOrg(r.segs[0]) {
			return Repo{}, r.fail("%q is not an organization name (letters, digits and '-'); want %s", r.segs[0], httpsForm)
		}
		project, name, err := azureTail(r, r.segs[1:], "_git", 1, true)
		if err != nil {
			return Repo{}, err
		}
		return Repo{Host: azureHost, Owner: r.segs[0], Project: project, Name: name}, nil

	case r.scheme != "ssh" && vs:
		if r.host != h {
			return Repo{}, r.fail("%s takes no port; want https://%s/PROJECT/_git/REPO", h, h)
		}
		segs := r.segs
		if len(segs) > 0 && strings.EqualFold(segs[0], "DefaultCollection") {
			segs = segs[1:]
		}
		project, name, err := azureTail(r, segs, "_git", 2, true)
		if err != nil {
			return Repo{}, err
		}
		return Repo{Host: h, Owner: org, Project: project, Name: name}, nil

	case r.scheme == "ssh" && h == azureSSHHost:
		if !r.sshPort22() {
			return Repo{}, r.fail("ssh to %s uses port 22", h)
		}
		if r.user != "git" {
			return Repo{}, r.fail("the ssh user of %s is \"git\"; want git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO", h)
		}
		org, project, name, err := azureV3(r)
		if err != nil {
			return Repo{}, err
		}
		return Repo{Host: azureHost, Owner: org, Project: project, Name: name}, nil

	case r.scheme == "ssh" && h == vsSSHHost:
		if !r.sshPort22() {
			return Repo{}, r.fail("ssh to %s uses port 22", h)
		}
		if _, ok := vsOrg(strings.ToLower(r.user) + vsSuffix); !ok {
			return Repo{}, r.fail("the ssh user of %s is the organization; want ORG@vs-ssh.visualstudio.com:v3/ORG/PROJECT/REPO", h)
		}
		if len(r.segs) > 0 && strings.EqualFold(r.segs[0], "v3") {
			org, project, name, err := azureV3(r)
			if err != nil {
				return Repo{}, err
			}
			if !strings.EqualFold(org, r.user) {
				return Repo{}, r.fail("the ssh user of %s must be the organization of the path", h)
			}
			org = strings.ToLower(org)
			return Repo{Host: org + vsSuffix, Owner: org, Project: project, Name: name}, nil
		}
		// The older form: ORG@vs-ssh.visualstudio.com:22/[DefaultCollection/]PROJECT/_ssh/REPO.
		segs := r.segs
		if len(segs) > 0 && strings.EqualFold(segs[0], "DefaultCollection") {
			segs = segs[1:]
		}
		project, name, err := azureTail(r, segs, "_ssh", 2, false)
		if err != nil {
			return Repo{}, err
		}
		org := strings.ToLower(r.user)
		return Repo{Host: org + vsSuffix, Owner: org, Project: project, Name: name}, nil

	case r.scheme == "ssh" && (h == azureHost || vs):
		return Repo{}, r.fail("Azure DevOps serves ssh at ssh.dev.azure.com; want git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO")
	case h == azureSSHHost || h == vsSSHHost:
		return Repo{}, r.fail("%s serves ssh only; want %s", h, httpsForm)
	}
	return Repo{}, r.fail("%s is not an Azure DevOps Services host (dev.azure.com, ORG.visualstudio.com); for Azure DevOps Server set Config.BaseURL to the collection URL, or use provider.ForURL", r.host)
}

// azureV3 parses the path v3/ORG/PROJECT/[_full/|_optimized/]REPO of the
// ssh forms.
func azureV3(r *remote) (org, project, name string, err error) {
	const want = "want git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO"
	s := r.segs
	if len(s) == 0 || !strings.EqualFold(s[0], "v3") {
		return "", "", "", r.fail("%s", want)
	}
	s = s[1:]
	if len(s) == 4 && limitedRefs(s[2]) {
		s = []string{s[0], s[1], s[3]}
	}
	if len(s) != 3 {
		return "", "", "", r.fail("%s", want)
	}
	if !validOrg(s[0]) {
		return "", "", "", r.fail("%q is not an organization name (letters, digits and '-'); %s", s[0], want)
	}
	if err := azureNames(r, s[1], s[2]); err != nil {
		return "", "", "", err
	}
	return s[0], s[1], s[2], nil
}

// azureTail parses [PROJECT[/TEAM]]/MARKER/[_full/|_optimized/]REPO[/...]:
// at most maxBefore segments before the marker ("_git" or "_ssh"), and
// more segments after the repository (a web URL) only when tail is set. With
// no project, the project is named like the repository.
func azureTail(r *remote, segs []string, marker string, maxBefore int, tail bool) (project, name string, err error) {
	i := -1
	for k, s := range segs {
		if strings.EqualFold(s, marker) {
			i = k
			break
		}
	}
	switch {
	case i < 0:
		return "", "", r.fail("no /%s/ segment; want .../PROJECT/%s/REPO", marker, marker)
	case i > maxBefore:
		if maxBefore == 1 {
			return "", "", r.fail("too many segments before /%s/ (dev.azure.com URLs have no team segment); want https://dev.azure.com/ORG/PROJECT/_git/REPO", marker)
		}
		return "", "", r.fail("too many segments before /%s/; want .../PROJECT/%s/REPO", marker, marker)
	}
	j := i + 1
	if j < len(segs) && limitedRefs(segs[j]) {
		j++
	}
	if j >= len(segs) {
		return "", "", r.fail("no repository name after /%s/", marker)
	}
	if !tail && j+1 < len(segs) {
		return "", "", r.fail("unexpected segments after the repository name")
	}
	name, project = segs[j], segs[j]
	if i >= 1 {
		project = segs[0]
	}
	if i == 2 && strings.HasPrefix(segs[1], "_") {
		return "", "", r.fail("%q is not a team name; want .../PROJECT/%s/REPO", segs[1], marker)
	}
	if err := azureNames(r, project, name); err != nil {
		return "", "", err
	}
	return project, name, nil
}

// azureNames refuses project and repository names that Azure DevOps does
// not allow and that show a misread URL: names starting with '_' (routes such
// as _git, _apis or _build).
func azureNames(r *remote, project, name string) error {
	if strings.HasPrefix(project, "_") {
		return r.fail("%q is not a project name (Azure DevOps project names do not start with '_')", project)
	}
	if strings.HasPrefix(name, "_") {
		return r.fail("%q is not a repository name (Azure DevOps repository names do not start with '_')", name)
	}
	return nil
}

func limitedRefs(s string) bool {
	return strings.EqualFold(s, "_full") || strings.EqualFold(s, "_optimized")
}

// CloneURL returns the canonical https clone URL of r, never with ".git"
// and never with user information: https://dev.azure.com/ORG/PROJECT/_git/REPO,
// https://ORG.visualstudio.com/PROJECT/_git/REPO, or
// SCHEME://HOST/VDIR/COLLECTION/PROJECT/_git/REPO on Azure DevOps Server
// (http only for the loopback host of Config.BaseURL). Names are escaped
// with [url.PathEscape] ("My Project" becomes "My%20Project"; '@' becomes
// "%40"); the project is
// always written, the repository's name when r.Project is empty. An empty
// r.Host means the provider's host (dev.azure.com for the zero Config).
func (a *AzureDevOps) CloneURL(r Repo) string {
	if a == nil {
		return ""
	}
	host := r.Host
	if host == "" {
		host = a.host
		if host == "" {
			host = azureHost
		}
	}
	scheme := "https"
	if strings.EqualFold(host, a.host) {
		scheme = a.scheme
	}
	project := r.Project
	if project == "" {
		project = r.Name
	}
	var b strings.Builder
	b.Grow(len(scheme) + len(host) + len(r.VirtualDir) + len(r.Owner) + 2*len(project) + 2*len(r.Name) + 16)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	b.WriteByte('/')
	if _, vs := vsOrg(hostOnly(strings.ToLower(host))); vs {
		// A project named DefaultCollection would otherwise read as the
		// collection segment that visualstudio.com URLs may carry.
		if strings.EqualFold(project, "DefaultCollection") {
			b.WriteString("DefaultCollection/")
		}
	} else {
		vdir, owner := r.VirtualDir, r.Owner
		if strings.EqualFold(host, a.host) {
			if vdir == "" {
				vdir = a.vdir
			}
			if owner == "" {
				owner = a.org
			}
		}
		b.WriteString(escapeSegments(vdir))
		b.WriteString(escapeName(owner))
		b.WriteByte('/')
	}
	b.WriteString(escapeName(project))
	b.WriteString("/_git/")
	b.WriteString(escapeName(r.Name))
	return b.String()
}
