package auth

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// SignInLimit is how many sign-in attempts per minute one client address
// and one e-mail address may make. Each attempt costs a password hash (tens
// of milliseconds of CPU and 19 MiB), and guessing passwords takes many.
type SignInLimit struct {
	PerIP    int // attempts per minute from one client address; 0: no limit
	PerEmail int // attempts per minute for one e-mail address; 0: no limit
}

// DefaultSignInLimit leaves room for an office behind one address and for
// a person who mistypes, and makes guessing one account's password slow.
var DefaultSignInLimit = SignInLimit{PerIP: 30, PerEmail: 10}

// LimitSignIn returns users whose Authenticate refuses attempts over l with
// ERATELIMITED, before any password is hashed. The client address comes
// from conduit.ClientIPFromContext. Counts are per instance.
func LimitSignIn(users conduit.UserService, l SignInLimit) conduit.UserService {
	if l.PerIP <= 0 && l.PerEmail <= 0 {
		return users
	}
	return &signInLimiter{UserService: users, byIP: newKeyedLimiter(l.PerIP), byEmail: newKeyedLimiter(l.PerEmail)}
}

type signInLimiter struct {
	conduit.UserService
	byIP, byEmail *keyedLimiter
}

// Authenticate counts the attempt against its address and its e-mail
// address, then checks the password.
func (s *signInLimiter) Authenticate(ctx context.Context, email, password string) (*conduit.User, error) {
	if ip := conduit.ClientIPFromContext(ctx); ip != "" {
		if wait := s.byIP.take(ip); wait > 0 {
			return nil, tooManySignIns(wait)
		}
	}
	if wait := s.byEmail.take(strings.ToLower(strings.TrimSpace(email))); wait > 0 {
		return nil, tooManySignIns(wait)
	}
	return s.UserService.Authenticate(ctx, email, password)
}

func tooManySignIns(wait time.Duration) error {
	return conduit.Errorf(conduit.ERATELIMITED, "Too many sign-in attempts; try again in %d s.", int(math.Ceil(wait.Seconds())))
}

// keyedLimiter is a token bucket per key, refilled at perMinute a minute,
// that forgets keys once their bucket is full again.
type keyedLimiter struct {
	perMinute int
	mu        sync.Mutex
	byKey     map[string]*keyedBucket
	lastSweep time.Time
	now       func() time.Time
}

type keyedBucket struct {
	limiter  *rate.Limiter
	lastSeen time.Time
}

func newKeyedLimiter(perMinute int) *keyedLimiter {
	return &keyedLimiter{perMinute: perMinute, byKey: map[string]*keyedBucket{}, now: time.Now}
}

// take uses one attempt of key; when there is none left it uses nothing
// and returns how long until there is one. A nil or unlimited limiter
// always allows.
func (l *keyedLimiter) take(key string) (wait time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	// A bucket unused for a minute has refilled; forgetting it changes
	// nothing and keeps the map as small as the last minute's keys.
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.byKey {
			if now.Sub(b.lastSeen) > time.Minute {
				delete(l.byKey, k)
			}
		}
		l.lastSweep = now
	}
	b := l.byKey[key]
	if b == nil {
		b = &keyedBucket{limiter: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)}
		l.byKey[key] = b
	}
	b.lastSeen = now
	r := b.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}
