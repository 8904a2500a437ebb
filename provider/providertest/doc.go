// Package providertest serves fake GitHub ([NewGitHubServer]) and Azure
// DevOps ([NewAzureServer]) hosts on loopback for tests: their REST APIs, as
// far as patgit uses them, and real Git repositories over smart HTTP through
// git http-backend. [Token] makes synthetic tokens of every kind.
//
// # Faults
//
// Both fakes misbehave on demand, to test what a client does when the
// network or the host fails. SetFault installs one [Fault]:
//
//	s.SetFault(providertest.Fault{Kind: providertest.FaultStatus, Count: 2}) // two 503s, then normal answers
//	s.SetFault(providertest.Fault{Kind: providertest.FaultSlowHeaders, Route: "GET /user"})
//	s.SetFault(providertest.Fault{}) // behave again
//
// The kinds: slow headers, slow bodies, connection resets, error statuses
// (5xx bursts), redirects (to another host: see [OtherHost] and
// [Recorder]), redirect loops, truncated, oversized and HTML bodies. A fault
// hits every request, or those of one route (as the servers' Requests
// methods name them), all of them or the first Count. Requests a fault
// answers still count in Requests, so a test can count a client's retries;
// FaultHits counts the requests faults hit.
//
// # Latency and concurrency
//
// SetLatency delays every request (REST and git alike) by a fixed time, as
// a real host's round trip does, so that benchmarks and tests see round
// trips; MaxInFlight reports the most requests the server had in flight at
// once, to tell requests sent together from requests sent one after
// another.
//
// A [Recorder] is a second loopback server that records the credentials of
// what reaches it: redirect a fake there under another host name
// (Recorder.OtherURL, "localhost" rather than "127.0.0.1") and check that
// no credentials arrived.
package providertest
