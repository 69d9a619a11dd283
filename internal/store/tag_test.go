package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

// requireTagCountsExact asserts that every tag's articles_count equals its
// links.
func requireTagCountsExact(t *testing.T, db *store.DB) {
	t.Helper()
	require.Zero(t, store.CountRows(t, db, "tags AS t",
		"articles_count <> (SELECT count(*) FROM article_tags AS at WHERE at.tag_id = t.id)"),
		"tags whose articles_count is not their links")
}

// tagCounts returns the articles_count of each tag named, 0 for none.
func tagCounts(t *testing.T, db *store.DB, names ...string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, name := range names {
		out[name] = store.QueryInt(t, db, "SELECT coalesce(max(articles_count), 0) FROM tags WHERE name = ?", name)
	}
	return out
}

// rowVersion returns PostgreSQL's xmin of the tag, the transaction that
// wrote its current version.
func rowVersion(t *testing.T, db *store.DB, name string) int64 {
	t.Helper()
	return store.QueryInt(t, db, "SELECT xmin::text::bigint FROM tags WHERE name = ?", name)
}

// TestArticleService_TagCounts follows the tags' articles_count through
// creates, tag-replacing updates and deletes.
func TestArticleService_TagCounts(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u := MustCreateUser(t, db, "tc")
		names := []string{"tc-go", "tc-sql", "tc-zig", "tc-api", "tc-new"}
		want := func(counts ...int64) {
			t.Helper()
			w := map[string]int64{}
			for i, name := range names {
				w[name] = counts[i]
			}
			require.Equal(t, w, tagCounts(t, db, names...))
			requireTagCountsExact(t, db)
		}

		a := mustCreateArticle(t, s, u.ID, "One", "tc-go", "tc-sql", "tc-zig")
		b := mustCreateArticle(t, s, u.ID, "Two", "tc-sql", "tc-go")
		mustCreateArticle(t, s, u.ID, "Three")
		want(2, 2, 1, 0, 0)

		// Keeps go and sql, drops zig, adds api.
		var kept, dropped int64
		if db.Dialect() == store.DialectPostgres {
			kept, dropped = rowVersion(t, db, "tc-go"), rowVersion(t, db, "tc-zig")
		}
		_, err := s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Tags: &[]string{"tc-sql", "tc-api", "tc-go"}})
		require.NoError(t, err)
		want(2, 2, 0, 1, 0)
		if db.Dialect() == store.DialectPostgres {
			require.Equal(t, kept, rowVersion(t, db, "tc-go"), "a kept tag is not written")
			require.NotEqual(t, dropped, rowVersion(t, db, "tc-zig"), "a dropped tag is written")
		}

		// The same tags in another order; then no tags given: no change.
		_, err = s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Tags: &[]string{"tc-go", "tc-api", "tc-sql"}})
		require.NoError(t, err)
		_, err = s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Title: ptr("One, again")})
		require.NoError(t, err)
		want(2, 2, 0, 1, 0)

		// Only added; only removed; all removed.
		_, err = s.UpdateArticle(ctx, u.ID, b.ID, conduit.ArticleUpdate{Tags: &[]string{"tc-sql", "tc-go", "tc-new", "tc-zig"}})
		require.NoError(t, err)
		want(2, 2, 1, 1, 1)
		_, err = s.UpdateArticle(ctx, u.ID, b.ID, conduit.ArticleUpdate{Tags: &[]string{"tc-new"}})
		require.NoError(t, err)
		want(1, 1, 0, 1, 1)
		_, err = s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Tags: &[]string{}})
		require.NoError(t, err)
		want(0, 0, 0, 0, 1)

		// A refused update changes nothing.
		other := MustCreateUser(t, db, "tc")
		_, err = s.UpdateArticle(ctx, other.ID, b.ID, conduit.ArticleUpdate{Tags: &[]string{"tc-go"}})
		requireCode(t, err, conduit.EFORBIDDEN)
		want(0, 0, 0, 0, 1)

		c := mustCreateArticle(t, s, u.ID, "Four", "tc-api", "tc-new", "tc-go")
		want(1, 0, 0, 1, 2)
		require.NoError(t, s.DeleteArticle(ctx, u.ID, b.ID))
		want(1, 0, 0, 1, 1)
		requireCode(t, s.DeleteArticle(ctx, other.ID, c.ID), conduit.EFORBIDDEN)
		want(1, 0, 0, 1, 1)
		require.NoError(t, s.DeleteArticle(ctx, u.ID, c.ID))
		want(0, 0, 0, 0, 0)

		tags, err := s.PopularTags(ctx, 10)
		require.NoError(t, err)
		require.Empty(t, tags, "tags no article carries are left out")
	})
}

// TestArticleService_TagCountsConcurrently creates, retags and deletes
// articles that share tags from 20 goroutines at once, each naming the
// tags in its own order, and creates new tags concurrently: no deadlock,
// and every tag's articles_count equals its links.
func TestArticleService_TagCountsConcurrently(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u := MustCreateUser(t, db, "tcc")
		// Created one at a time, so that the ids follow neither the names
		// nor any article's order.
		pool := []string{"cc-f", "cc-c", "cc-a", "cc-e", "cc-b", "cc-d", "cc-g", "cc-h"}
		for i, name := range pool {
			mustCreateArticle(t, s, u.ID, fmt.Sprint("Seed ", i), name)
		}
		const goroutines, rounds = 20, 6
		errs := make(chan error, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 1))
				pick := func() []string {
					tags := make([]string, 0, 6)
					for _, i := range r.Perm(len(pool))[:2+r.IntN(4)] {
						tags = append(tags, pool[i])
					}
					// A new tag that a few other goroutines create too.
					return append(tags, fmt.Sprint("cc-new-", (g+len(tags))%4))
				}
				var mine []int64
				for i := range rounds {
					a, err := s.CreateArticle(ctx, u.ID, conduit.NewArticle{Title: "Shared", Description: "d", Body: "b", Tags: pick()})
					if err != nil {
						errs <- fmt.Errorf("create: %w", err)
						return
					}
					mine = append(mine, a.ID)
					tags := pick()
					if i%3 == 2 {
						tags = tags[:0]
					}
					if _, err := s.UpdateArticle(ctx, u.ID, mine[r.IntN(len(mine))], conduit.ArticleUpdate{Tags: &tags}); err != nil {
						errs <- fmt.Errorf("update: %w", err)
						return
					}
					if i%2 == 1 {
						k := r.IntN(len(mine))
						if err := s.DeleteArticle(ctx, u.ID, mine[k]); err != nil {
							errs <- fmt.Errorf("delete: %w", err)
							return
						}
						mine = append(mine[:k], mine[k+1:]...)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		requireTagCountsExact(t, db)
		require.NotZero(t, store.QueryInt(t, db, "SELECT sum(articles_count) FROM tags WHERE name LIKE 'cc-%'"))
		tags, err := s.PopularTags(ctx, 100)
		require.NoError(t, err)
		require.Equal(t, store.PopularTagsByLinks(t, db, 100), tags)
	})
}

// TestMigrate_TagCounts rolls back the migration that added articles_count
// on a database with articles, changes links meanwhile, and migrates up
// again: the counts are backfilled from the links.
func TestMigrate_TagCounts(t *testing.T) {
	for _, dialect := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := mustOpen(t, dialect)
			// As the release before tag counts left it, then the later
			// migrations, in one group.
			require.NoError(t, store.MigrateUpTo(ctx, db, "20250201000000"))
			pending, err := db.PendingMigrations(ctx)
			require.NoError(t, err)
			require.Equal(t, 2, pending)
			require.NoError(t, db.Migrate(ctx))

			s := store.NewArticleService(db)
			u := MustCreateUser(t, db, "mtc")
			mustCreateArticle(t, s, u.ID, "M1", "m-go", "m-sql", "m-zig")
			mustCreateArticle(t, s, u.ID, "M2", "m-sql", "m-go")
			mustCreateArticle(t, s, u.ID, "M3", "m-go", "m-api")
			gone := mustCreateArticle(t, s, u.ID, "M4", "m-gone")
			require.NoError(t, s.DeleteArticle(ctx, u.ID, gone.ID))
			before, err := s.PopularTags(ctx, 10)
			require.NoError(t, err)

			hasColumn := func() bool {
				q := "SELECT count(*) FROM pragma_table_info('tags') WHERE name = 'articles_count'"
				if dialect == store.DialectPostgres {
					q = "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'tags' AND column_name = 'articles_count'"
				}
				return store.QueryInt(t, db, q) == 1
			}
			require.NoError(t, db.MigrateDown(ctx))
			pending, err = db.PendingMigrations(ctx)
			require.NoError(t, err)
			require.Equal(t, 2, pending, "only the last group was rolled back")
			require.False(t, hasColumn())
			require.Equal(t, 7, store.CountRows(t, db, "article_tags", "true"), "the links stay")
			// The links change while nothing counts them.
			store.ExecRaw(t, db, "DELETE FROM article_tags WHERE tag_id = (SELECT id FROM tags WHERE name = 'm-zig')")

			require.NoError(t, db.Migrate(ctx))
			require.True(t, hasColumn())
			requireTagCountsExact(t, db)
			tags, err := s.PopularTags(ctx, 10)
			require.NoError(t, err)
			require.Equal(t, []*conduit.Tag{{Name: "m-go", ArticlesCount: 3}, {Name: "m-sql", ArticlesCount: 2},
				{Name: "m-api", ArticlesCount: 1}}, tags)
			require.Equal(t, before[:3], tags)
			require.Equal(t, store.PopularTagsByLinks(t, db, 10), tags)

			// And the store keeps counting.
			mustCreateArticle(t, s, u.ID, "M5", "m-api", "m-zig")
			requireTagCountsExact(t, db)
		})
	}
}

// TestMigrate_TagList rolls back the migration that added articles'
// tag_list on a database with tagged articles, reorders and removes links
// meanwhile, and migrates up again: each tag_list is backfilled from the
// links in their order. The store then keeps both together.
func TestMigrate_TagList(t *testing.T) {
	for _, dialect := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := mustOpen(t, dialect)
			require.NoError(t, store.MigrateUpTo(ctx, db, "20250301000000"))
			require.NoError(t, db.Migrate(ctx))

			s := store.NewArticleService(db)
			u := MustCreateUser(t, db, "mtl")
			a := mustCreateArticle(t, s, u.ID, "L1", "l-go", "l-sql", "l-zig")
			b := mustCreateArticle(t, s, u.ID, "L2", "l-sql")
			c := mustCreateArticle(t, s, u.ID, "L3")
			require.Empty(t, store.TagListMismatches(t, db))

			require.NoError(t, db.MigrateDown(ctx))
			store.ExecRaw(t, db, "UPDATE article_tags SET position = 2 - position WHERE article_id = ?", a.ID)
			store.ExecRaw(t, db, "DELETE FROM article_tags WHERE article_id = ?", b.ID)
			require.NoError(t, db.Migrate(ctx))

			require.Empty(t, store.TagListMismatches(t, db))
			for id, want := range map[int64][]string{a.ID: {"l-zig", "l-sql", "l-go"}, b.ID: {}, c.ID: {}} {
				got, err := s.ArticleByID(ctx, id)
				require.NoError(t, err)
				require.Equal(t, want, got.Tags)
			}

			// Every write that changes tags keeps both together.
			_, err := s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Tags: &[]string{"l-api", "l-go"}})
			require.NoError(t, err)
			_, err = s.UpdateArticle(ctx, u.ID, b.ID, conduit.ArticleUpdate{Title: ptr("L2 again")})
			require.NoError(t, err)
			_, err = s.CreateArticle(ctx, u.ID, conduit.NewArticle{Title: "L4", Description: "d", Body: "b", Tags: []string{"l-\"quoted\"", "l-<html>", "l-ünï"}})
			require.NoError(t, err)
			require.NoError(t, s.DeleteArticle(ctx, u.ID, c.ID))
			require.Empty(t, store.TagListMismatches(t, db))
		})
	}
}
