package store_test

import (
	"context"
	"testing"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

func TestUserService_CreateUser(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)

		t.Run("OK", func(t *testing.T) {
			u, err := s.CreateUser(ctx, conduit.NewUser{Username: "  alice ", Email: " Alice@Example.com", Password: "password123"})
			require.NoError(t, err)
			require.NotZero(t, u.ID)
			require.Equal(t, "alice", u.Username)
			require.Equal(t, "Alice@Example.com", u.Email)
			require.Nil(t, u.Bio)
			require.False(t, u.CreatedAt.IsZero())
			require.Equal(t, u.CreatedAt, u.UpdatedAt)
			got, err := s.UserByID(ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, u, got)
		})
		t.Run("ErrUsernameTaken", func(t *testing.T) {
			_, err := s.CreateUser(ctx, conduit.NewUser{Username: "alice", Email: "other@example.com", Password: "password123"})
			requireCode(t, err, conduit.EINVALID)
			require.Equal(t, map[string][]string{"username": {"Username has already been taken."}}, conduit.ErrorFields(err))
		})
		t.Run("ErrEmailTakenOtherCase", func(t *testing.T) {
			_, err := s.CreateUser(ctx, conduit.NewUser{Username: "alice2", Email: "ALICE@example.COM", Password: "password123"})
			requireCode(t, err, conduit.EINVALID)
			require.Equal(t, map[string][]string{"email": {"Email has already been taken."}}, conduit.ErrorFields(err))
		})
		t.Run("ErrBothTaken", func(t *testing.T) {
			_, err := s.CreateUser(ctx, conduit.NewUser{Username: "alice", Email: "alice@example.com", Password: "password123"})
			requireCode(t, err, conduit.EINVALID)
			require.Len(t, conduit.ErrorFields(err), 2)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := s.CreateUser(ctx, conduit.NewUser{Username: "bad name", Email: "nope", Password: "short"})
			requireCode(t, err, conduit.EINVALID)
			require.Len(t, conduit.ErrorFields(err), 3)
		})
	})
}

func TestUserService_Authenticate(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		u := MustCreateUser(t, db, "auth")

		t.Run("OK", func(t *testing.T) {
			got, err := s.Authenticate(ctx, u.Email, "password123")
			require.NoError(t, err)
			require.Equal(t, u.ID, got.ID)
		})
		t.Run("OKOtherCase", func(t *testing.T) {
			got, err := s.Authenticate(ctx, " AUTH"+u.Email[4:], "password123")
			require.NoError(t, err)
			require.Equal(t, u.ID, got.ID)
		})
		t.Run("ErrSameMessage", func(t *testing.T) {
			_, errWrong := s.Authenticate(ctx, u.Email, "wrong-password")
			_, errUnknown := s.Authenticate(ctx, "nobody@example.com", "password123")
			requireCode(t, errWrong, conduit.EUNAUTHENTICATED)
			requireCode(t, errUnknown, conduit.EUNAUTHENTICATED)
			require.Equal(t, conduit.ErrorMessage(errWrong), conduit.ErrorMessage(errUnknown))
			require.Equal(t, "Email or password is wrong.", conduit.ErrorMessage(errUnknown))
		})
	})
}

func TestUserService_Lookups(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		a, b := MustCreateUser(t, db, "look"), MustCreateUser(t, db, "look")

		t.Run("UserByUsername", func(t *testing.T) {
			got, err := s.UserByUsername(ctx, b.Username)
			require.NoError(t, err)
			require.Equal(t, b, got)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.UserByUsername(ctx, "nobody")
			requireCode(t, err, conduit.ENOTFOUND)
			_, err = s.UserByID(ctx, 999999)
			requireCode(t, err, conduit.ENOTFOUND)
		})
		t.Run("UsersByIDs", func(t *testing.T) {
			ctx, n := store.WithStatementCounter(ctx)
			got, err := s.UsersByIDs(ctx, []int64{b.ID, 999999, a.ID, b.ID})
			require.NoError(t, err)
			require.Equal(t, []*conduit.User{b, nil, a, b}, got)
			require.Equal(t, int64(1), n.Load())
			got, err = s.UsersByIDs(ctx, nil)
			require.NoError(t, err)
			require.Empty(t, got)
			require.Equal(t, int64(1), n.Load(), "no query for no ids")
		})
	})
}

func TestUserService_UpdateUser(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		u, other := MustCreateUser(t, db, "upd"), MustCreateUser(t, db, "upd")

		t.Run("OK", func(t *testing.T) {
			got, err := s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Bio: ptr("Hi"), Image: ptr("https://i.example/a.png"), Username: ptr(" renamed ")})
			require.NoError(t, err)
			require.Equal(t, "renamed", got.Username)
			require.Equal(t, "Hi", *got.Bio)
			require.Equal(t, u.TokenVersion, got.TokenVersion)
			require.False(t, got.UpdatedAt.Before(u.UpdatedAt))
			got, err = s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Bio: ptr("")})
			require.NoError(t, err)
			require.Nil(t, got.Bio, "empty clears")
			require.NotNil(t, got.Image)
		})
		t.Run("OKOwnEmailOtherCase", func(t *testing.T) {
			got, err := s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Email: ptr("UPD" + u.Email[3:])})
			require.NoError(t, err)
			require.Equal(t, "UPD"+u.Email[3:], got.Email)
		})
		t.Run("OKPasswordRaisesTokenVersion", func(t *testing.T) {
			got, err := s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Password: ptr("new-password")})
			require.NoError(t, err)
			require.Equal(t, u.TokenVersion+1, got.TokenVersion)
			_, err = s.Authenticate(ctx, u.Email, "password123")
			requireCode(t, err, conduit.EUNAUTHENTICATED)
			_, err = s.Authenticate(ctx, u.Email, "new-password")
			require.NoError(t, err)
		})
		t.Run("ErrTaken", func(t *testing.T) {
			_, err := s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Username: ptr(other.Username), Email: ptr(other.Email)})
			requireCode(t, err, conduit.EINVALID)
			require.Len(t, conduit.ErrorFields(err), 2)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := s.UpdateUser(ctx, u.ID, conduit.UserUpdate{})
			requireCode(t, err, conduit.EINVALID)
			_, err = s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Email: ptr("not an email")})
			requireCode(t, err, conduit.EINVALID)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.UpdateUser(ctx, 999999, conduit.UserUpdate{Bio: ptr("x")})
			requireCode(t, err, conduit.ENOTFOUND)
		})
	})
}
