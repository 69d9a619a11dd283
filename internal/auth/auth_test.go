package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

func TestArgon2(t *testing.T) {
	ctx := context.Background()
	a := &Argon2{Memory: 1024, Time: 1, Threads: 1}
	hash, err := a.Hash(ctx, "correct horse")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=1,p=1$"))
	again, _ := a.Hash(ctx, "correct horse")
	require.NotEqual(t, hash, again, "each hash has its own salt")

	ok, err := a.Verify(ctx, hash, "correct horse")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = NewArgon2().Verify(ctx, hash, "correct horse")
	require.NoError(t, err)
	require.True(t, ok, "parameters are read from the hash, so raising them keeps old hashes valid")
	ok, err = a.Verify(ctx, hash, "wrong horse")
	require.NoError(t, err)
	require.False(t, ok)
	for _, bad := range []string{"", "$2a$10$bcrypt", "$argon2id$v=19$m=x$a$b", "$argon2id$v=19$m=1,t=1,p=1$!!$!!"} {
		_, err := a.Verify(ctx, bad, "x")
		require.Error(t, err, "hash %q", bad)
	}
}

func TestTokens(t *testing.T) {
	tokens := NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour)
	u := &conduit.User{ID: 42, TokenVersion: 3}
	tok, err := tokens.Issue(u)
	require.NoError(t, err)

	t.Run("OK", func(t *testing.T) {
		id, ver, err := tokens.Parse(tok)
		require.NoError(t, err)
		require.Equal(t, int64(42), id)
		require.Equal(t, int64(3), ver)
	})
	t.Run("ErrExpired", func(t *testing.T) {
		later := NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour)
		later.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		_, _, err := later.Parse(tok)
		require.Equal(t, conduit.EUNAUTHENTICATED, conduit.ErrorCode(err))
	})
	t.Run("ErrExpiredAfterVerified", func(t *testing.T) {
		clock := NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour)
		tok, err := clock.Issue(u)
		require.NoError(t, err)
		_, _, err = clock.Parse(tok)
		require.NoError(t, err)
		clock.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		_, _, err = clock.Parse(tok)
		require.Equal(t, conduit.EUNAUTHENTICATED, conduit.ErrorCode(err), "a token verified before is refused once it expires")
	})
	t.Run("ErrOtherSecret", func(t *testing.T) {
		other := NewTokens([]byte("another-secret-another-secret-xx"), time.Hour)
		_, _, err := other.Parse(tok)
		require.Equal(t, conduit.EUNAUTHENTICATED, conduit.ErrorCode(err))
	})
	t.Run("ErrAlgNone", func(t *testing.T) {
		unsigned, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "42", "iss": "conduit", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
		require.NoError(t, err)
		_, _, err = tokens.Parse(unsigned)
		require.Equal(t, conduit.EUNAUTHENTICATED, conduit.ErrorCode(err))
	})
	t.Run("ErrGarbage", func(t *testing.T) {
		for _, s := range []string{"", "a.b.c", strings.Repeat("x", 5000)} {
			_, _, err := tokens.Parse(s)
			require.Equal(t, conduit.EUNAUTHENTICATED, conduit.ErrorCode(err))
		}
	})
}
