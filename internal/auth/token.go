package auth

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// DefaultTokenTTL is how long a token stays valid.
const DefaultTokenTTL = 30 * 24 * time.Hour

const issuer = "conduit"

// Tokens issues and checks HS256 JWTs. A token names its user and the
// user's token version, so raising the version (a password change) refuses
// every earlier token.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time

	// verified remembers the claims of tokens whose signature checked out,
	// so that a client's every request does not decode and hash its token
	// again: a signature stays valid, and expiry is checked on each use.
	mu       sync.Mutex
	verified map[string]verifiedToken
}

// verifiedToken is what Parse needs of a token it has verified.
type verifiedToken struct {
	userID, version int64
	expires         time.Time
}

// maxVerified bounds the memo of verified tokens; when full it starts
// over, which costs each client one full check.
const maxVerified = 10_000

// NewTokens returns a token issuer with an HMAC secret and a lifetime.
func NewTokens(secret []byte, ttl time.Duration) *Tokens {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	return &Tokens{secret: secret, ttl: ttl, now: time.Now}
}

type claims struct {
	jwt.RegisteredClaims
	Version int64 `json:"ver"`
}

// Issue returns a signed token for the user.
func (t *Tokens) Issue(u *conduit.User) (string, error) {
	now := t.now()
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   strconv.FormatInt(u.ID, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
		},
		Version: u.TokenVersion,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// ErrBadToken is the UNAUTHENTICATED error for a token that is malformed,
// badly signed, expired or replaced.
var ErrBadToken = conduit.Errorf(conduit.EUNAUTHENTICATED, "The token is invalid or expired; sign in again.")

// Parse checks a token's signature and lifetime and returns the user id and
// token version it names. ErrBadToken when it is not valid.
func (t *Tokens) Parse(token string) (userID, version int64, err error) {
	t.mu.Lock()
	v, ok := t.verified[token]
	t.mu.Unlock()
	if ok {
		if !t.now().Before(v.expires) {
			return 0, 0, ErrBadToken
		}
		return v.userID, v.version, nil
	}
	userID, version, expires, err := t.parse(token)
	if err != nil {
		return 0, 0, err
	}
	t.mu.Lock()
	if len(t.verified) >= maxVerified || t.verified == nil {
		t.verified = make(map[string]verifiedToken)
	}
	t.verified[token] = verifiedToken{userID: userID, version: version, expires: expires}
	t.mu.Unlock()
	return userID, version, nil
}

// parse verifies a token's signature and claims.
func (t *Tokens) parse(token string) (userID, version int64, expires time.Time, err error) {
	var c claims
	_, err = jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return 0, 0, time.Time{}, ErrBadToken
	}
	userID, err = strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || userID <= 0 {
		return 0, 0, time.Time{}, ErrBadToken
	}
	return userID, c.Version, c.ExpiresAt.Time, nil
}

// errNoToken marks a request without a credential.
var errNoToken = errors.New("no token")
