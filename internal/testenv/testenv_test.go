package testenv_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/conduit-graphql/conduit/internal/testenv"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestPostgres(t *testing.T) {
	a, b := testenv.Postgres(t), testenv.Postgres(t)
	require.NotEqual(t, a, b, "a fresh database per call")
	db, err := sql.Open("pgx", a)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(),
		"SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n))
	require.Zero(t, n, "empty")
}

func TestSQLite(t *testing.T) {
	require.NotEqual(t, testenv.SQLite(t), testenv.SQLite(t))
}
