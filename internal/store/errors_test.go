package store_test

import (
	"context"
	"testing"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

// TestDBError checks the mapping of the drivers' own errors, which the
// services' checks usually pre-empt but racing requests reach.
func TestDBError(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u, v := MustCreateUser(t, db, "race"), MustCreateUser(t, db, "race")
		require.NoError(t, store.InsertFollowRaw(ctx, db, u.ID, v.ID))
		for name, tc := range map[string]struct {
			err   error
			code  string
			field string
		}{
			"UniqueUsername":    {store.InsertUserRaw(ctx, db, u.Username, "fresh@example.com"), conduit.EINVALID, "username"},
			"UniqueEmailCase":   {store.InsertUserRaw(ctx, db, "fresh", "RACE"+u.Email[4:]), conduit.EINVALID, "email"},
			"UniqueFollowPK":    {store.InsertFollowRaw(ctx, db, u.ID, v.ID), conduit.EINVALID, ""},
			"ForeignKeyMissing": {store.InsertFollowRaw(ctx, db, u.ID, 999999), conduit.ENOTFOUND, ""},
		} {
			t.Run(name, func(t *testing.T) {
				requireCode(t, tc.err, tc.code)
				if tc.field != "" {
					require.Contains(t, conduit.ErrorFields(tc.err), tc.field)
				}
			})
		}
	})
}
