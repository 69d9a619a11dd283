package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"
)

func TestDBTime(t *testing.T) {
	tm := time.Date(2025, 3, 1, 12, 0, 5, 123456789, time.FixedZone("X", 3600))
	t.Run("AppendSQLite", func(t *testing.T) {
		b, err := newTime(tm).AppendQuery(schema.NewQueryGen(sqlitedialect.New()), nil)
		require.NoError(t, err)
		require.Equal(t, "1740826805123456", string(b), "integer microseconds, UTC")
	})
	t.Run("AppendPostgres", func(t *testing.T) {
		b, err := newTime(tm).AppendQuery(schema.NewQueryGen(pgdialect.New()), nil)
		require.NoError(t, err)
		require.Equal(t, "'2025-03-01 11:00:05.123456+00:00'", string(b))
	})
	t.Run("Scan", func(t *testing.T) {
		want := time.Date(2025, 3, 1, 11, 0, 5, 123456000, time.UTC)
		for _, src := range []any{int64(1740826805123456), tm} {
			var got dbTime
			require.NoError(t, got.Scan(src))
			require.Equal(t, want, got.Time)
		}
		var got dbTime
		require.Error(t, got.Scan("2025-03-01"))
	})
}
