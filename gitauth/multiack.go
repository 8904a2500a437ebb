package gitauth

import (
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

var multiAckOnce sync.Once

// EnableMultiAck lets go-git v5 negotiate the multi_ack and
// multi_ack_detailed capabilities, which Azure DevOps requires (without them
// it refuses every fetch with TF401041). go-git's only hook for this is the
// process-wide transport.UnsupportedCapabilities list, read on every transfer
// without synchronisation: EnableMultiAck removes the two capabilities from
// it, once for the process, and leaves the rest of the list (thin-pack) as it
// was.
//
// EnableMultiAck also caps, for the process, what go-git reads of an HTTP
// answer that is not 2xx at 64 KiB: go-git reads such a refusal's body
// whole into its error, so a hostile host could make it hold any amount of
// memory. It does so by installing go-git's own HTTP transport, over a
// client that cuts those bodies, under the http and https schemes of
// go-git's client.Protocols, unless the program installed a transport of
// its own there (then that one stays, uncapped).
//
// [Clone], [Fetch] and [Push] call it before their first transfer, so most
// programs need not. A program that also runs go-git transfers of its own,
// concurrently with patgit's, calls it first thing (in main, before any
// goroutine starts a transfer): changing the list or the transports while
// a transfer reads them is a data race. Calls after the first do nothing
// and are safe from any goroutine.
//
// The change applies to every go-git user in the process and every server:
// go-git then asks GitHub and others for multi_ack_detailed too. go-git v5
// does not implement multi_ack responses fully; its authors warn that a
// fetch into an existing clone may then fail. [Fetch] detects that failure
// and recovers (see the package documentation). [Auth], [Probe], [Command]
// and [CredentialHelper] never change the list: a program that wants go-git's
// defaults uses them with go-git directly.
func EnableMultiAck() {
	installTransport()
	multiAckOnce.Do(func() {
		// Build a new slice rather than editing the old one in place: a
		// caller may hold the old slice.
		caps := make([]capability.Capability, 0, len(transport.UnsupportedCapabilities))
		for _, c := range transport.UnsupportedCapabilities {
			if c != capability.MultiACK && c != capability.MultiACKDetailed {
				caps = append(caps, c)
			}
		}
		transport.UnsupportedCapabilities = caps
	})
}

// MultiAckEnabled reports whether go-git will currently negotiate multi_ack:
// true once [EnableMultiAck] ran (or someone else removed the capabilities
// from transport.UnsupportedCapabilities). Like go-git's own reads of the
// list, it must not run while another goroutine changes the list.
func MultiAckEnabled() bool {
	caps := transport.UnsupportedCapabilities
	return !slices.Contains(caps, capability.MultiACK) && !slices.Contains(caps, capability.MultiACKDetailed)
}
