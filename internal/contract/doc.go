// Package contract holds black-box tests of patgit's public API: the
// promises of the exported names and their documentation in pat, provider
// and gitauth, checked from outside against the fake hosts of
// provider/providertest. It has no code of its own.
package contract
