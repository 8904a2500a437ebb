// Package checkcache is the one check cache of patgit's providers: results of
// token checks, reused for a time-to-live, with concurrent checks of one key
// sharing one flight (singleflight). Keys are hashes: neither the cache nor
// its flights hold a secret.
package checkcache

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Key identifies one check: a SHA-256 over everything that changes its
// answer (the token, the provider, the API root, the user name, the request).
type Key [32]byte

// KeyOf hashes parts, each length-prefixed so that no two lists of parts
// share a key.
func KeyOf(parts ...string) Key {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	var k Key
	h.Sum(k[:0])
	return k
}

// DefaultMaxEntries bounds a Cache made with a zero MaxEntries.
const DefaultMaxEntries = 4096

// Cache holds check results for a while and shares flights. The zero value
// is ready to use; it is safe for concurrent use.
type Cache struct {
	// Now is the clock (nil: time.Now); tests inject one instead of
	// sleeping for a TTL.
	Now func() time.Time
	// MaxEntries bounds the entries kept (0: DefaultMaxEntries): when full,
	// expired entries are swept, and if none expired, all are dropped.
	MaxEntries int
	// AfterMiss, when set (by tests), runs after a lookup missed and before
	// the caller joins or starts a flight: the window in which another
	// caller's flight can end and store its result.
	AfterMiss func()

	mu      sync.Mutex
	entries map[Key]entry
	group   singleflight.Group
}

type entry struct {
	val     any
	expires time.Time
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Get returns the unexpired value stored for key.
func (c *Cache) Get(key Key) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	return e.val, true
}

// Put stores val for ttl; ttl <= 0 stores nothing.
func (c *Cache) Put(key Key, val any, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.entries == nil {
		c.entries = make(map[Key]entry)
	}
	limit := c.MaxEntries
	if limit <= 0 {
		limit = DefaultMaxEntries
	}
	if len(c.entries) >= limit {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= limit {
			clear(c.entries)
		}
	}
	c.entries[key] = entry{val: val, expires: now.Add(ttl)}
}

// Do returns the value stored for key, else the result of fetch, run once
// for every concurrent caller of the same key and stored for ttl when it
// succeeds (errors are never stored; ttl <= 0 stores nothing). A nil ctx is
// context.Background.
//
// The flight is detached from the cancellation of the caller that starts it
// (the leader), so that callers sharing it are not cancelled with the
// leader; it is bounded by the leader's deadline and by timeout (<= 0: no
// bound of its own). Each caller stops waiting when its own ctx ends; a
// caller whose shared flight ended with the leader's deadline, while its
// own has not passed, tries again (at most maxRetries times). The flight
// looks the key up again before fetching: a caller that missed just as
// another flight stored its result and ended finds it there instead of
// fetching again.
func (c *Cache) Do(ctx context.Context, key Key, ttl, timeout time.Duration, fetch func(context.Context) (any, error)) (any, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if ttl > 0 {
		if v, ok := c.Get(key); ok {
			return v, nil
		}
	}
	if h := c.AfterMiss; h != nil {
		h()
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ch := c.group.DoChan(string(key[:]), func() (any, error) {
			return c.flight(ctx, key, ttl, timeout, fetch)
		})
		var res singleflight.Result
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case res = <-ch:
		}
		if res.Err != nil && res.Shared && attempt < maxRetries && live(ctx) &&
			(errors.Is(res.Err, context.DeadlineExceeded) || errors.Is(res.Err, context.Canceled)) {
			continue
		}
		return res.Val, res.Err
	}
}

// maxRetries bounds how often a caller tries again after shared flights
// that ended with another caller's deadline.
const maxRetries = 3

// live reports whether ctx has neither ended nor reached its deadline: a
// flight bounded by ctx's deadline can end a moment before ctx itself says
// so, and a caller in that moment must not start another.
func live(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	d, ok := ctx.Deadline()
	return !ok || time.Now().Before(d)
}

// flight runs fetch for the leader ctx: detached from its cancellation,
// bounded by its deadline and timeout. A panic in fetch becomes an error:
// a panic in a flight's goroutine would end the process.
func (c *Cache) flight(ctx context.Context, key Key, ttl, timeout time.Duration, fetch func(context.Context) (any, error)) (val any, err error) {
	if ttl > 0 {
		if v, ok := c.Get(key); ok {
			return v, nil
		}
	}
	fctx := context.WithoutCancel(ctx)
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		fctx, cancel = context.WithDeadline(fctx, d)
		defer cancel()
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		fctx, cancel = context.WithTimeout(fctx, timeout)
		defer cancel()
	}
	defer func() {
		if r := recover(); r != nil {
			val, err = nil, ErrPanic
		}
	}()
	val, err = fetch(fctx)
	if err == nil {
		c.Put(key, val, ttl)
	}
	return val, err
}

// ErrPanic is returned by Do when fetch panicked.
var ErrPanic = errors.New("check failed: internal error")
