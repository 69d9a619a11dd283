package models

import (
	"encoding/base64"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

func TestGlobalID(t *testing.T) {
	id := GlobalID(TypeArticle, 42)
	typ, n, err := ParseGlobalID("id", id)
	require.NoError(t, err)
	require.Equal(t, TypeArticle, typ)
	require.Equal(t, int64(42), n)

	_, err = ParseID("id", TypeUser, id)
	require.Equal(t, conduit.EINVALID, conduit.ErrorCode(err), "an article id is not a user id")
	for _, bad := range []string{"", "42", "!!!", GlobalID("User", 0), "VXNlcjotMQ", "VXNlcjphYmM"} {
		_, _, err := ParseGlobalID("id", bad)
		require.Equal(t, conduit.EINVALID, conduit.ErrorCode(err), "id %q", bad)
		require.Contains(t, conduit.ErrorFields(err), "id")
	}
}

// Global ids are part of the API: clients keep them, so their encoding
// never changes, for any type name and number.
func TestGlobalID_Encoding(t *testing.T) {
	require.Equal(t, "QXJ0aWNsZTo0Mg", GlobalID(TypeArticle, 42))
	long := "AVeryLongTypeNameThatDoesNotFitTheStackBuffer"
	for _, typ := range []string{TypeUser, TypeArticle, TypeComment, "", long} {
		for _, id := range []int64{0, 1, -7, 42, 1 << 40, math.MaxInt64, math.MinInt64} {
			want := base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
			require.Equal(t, want, GlobalID(typ, id), "%s %d", typ, id)
		}
	}
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = GlobalID(TypeComment, 123456) }), "allocations beyond the returned string")

	// The GraphQL id of each node is its model's NodeID: the id that
	// node(id:) and the mutations read back.
	require.Equal(t, GlobalID(TypeUser, 3), (&conduit.User{ID: 3}).NodeID())
	require.Equal(t, GlobalID(TypeArticle, 4), (&conduit.Article{ID: 4}).NodeID())
	require.Equal(t, GlobalID(TypeComment, 5), (&conduit.Comment{ID: 5}).NodeID())
	for _, s := range []string{(&conduit.User{ID: 3}).NodeID(), (&conduit.Article{ID: 4}).NodeID(), (&conduit.Comment{ID: 5}).NodeID()} {
		_, _, err := ParseGlobalID("id", s)
		require.NoError(t, err)
	}
}

func TestCursor(t *testing.T) {
	c := conduit.Cursor{Time: time.Date(2026, 11, 26, 13, 22, 30, 123456000, time.UTC), ID: 7}
	s := EncodeCursor(c)
	got, err := DecodeCursor("after", &s)
	require.NoError(t, err)
	require.Equal(t, c, *got)
	for _, edge := range []time.Time{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)} {
		s := EncodeCursor(conduit.Cursor{Time: edge, ID: 1})
		_, err := DecodeCursor("after", &s)
		require.NoError(t, err, "%s is in range", edge)
	}

	outOfRange := func(micros int64) string {
		return base64.RawURLEncoding.EncodeToString([]byte("c1:" + strconv.FormatInt(micros, 10) + ":1"))
	}
	for _, bad := range []string{"", "x", "YzE6", "YzE6MTow", "YzE6YWJjOjE", outOfRange(math.MaxInt64), outOfRange(math.MinInt64), outOfRange(maxCursorMicros + 1), outOfRange(minCursorMicros - 1)} {
		_, err := DecodeCursor("after", &bad)
		require.Equal(t, conduit.EINVALID, conduit.ErrorCode(err), "cursor %q", bad)
	}
}

func TestPageArgs(t *testing.T) {
	n := func(i int) *int { return &i }
	args, err := PageArgs(nil, nil, nil, nil)
	require.NoError(t, err)
	require.Equal(t, conduit.DefaultPageSize, args.First)

	args, err = PageArgs(nil, nil, n(5), nil)
	require.NoError(t, err)
	require.True(t, args.Backward())
	require.Equal(t, 5, args.Limit())

	for _, tc := range []struct {
		first, last *int
		field       string
	}{{n(0), nil, "first"}, {n(101), nil, "first"}, {nil, n(-1), "last"}, {n(5), n(5), "last"}} {
		_, err := PageArgs(tc.first, nil, tc.last, nil)
		require.Equal(t, conduit.EINVALID, conduit.ErrorCode(err))
		require.Contains(t, conduit.ErrorFields(err), tc.field)
	}
}
