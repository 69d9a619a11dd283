package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

var smallSeed = store.SeedOptions{Users: 60, Articles: 300, Comments: 1200, Seed: 42, PasswordHash: "x"}

// requireCountsExact asserts that every counter equals its rows.
func requireCountsExact(t *testing.T, db *store.DB) {
	t.Helper()
	for _, q := range []struct{ table, where string }{
		{"users AS u", "followers_count <> (SELECT count(*) FROM follows AS f WHERE f.followee_id = u.id)"},
		{"users AS u", "following_count <> (SELECT count(*) FROM follows AS f WHERE f.follower_id = u.id)"},
		{"articles AS a", "favorites_count <> (SELECT count(*) FROM favorites AS f WHERE f.article_id = a.id)"},
		{"articles AS a", "comments_count <> (SELECT count(*) FROM comments AS c WHERE c.article_id = a.id)"},
		{"tags AS t", "articles_count <> (SELECT count(*) FROM article_tags AS at WHERE at.tag_id = t.id)"},
	} {
		require.Zero(t, store.CountRows(t, db, q.table, q.where), "%s WHERE %s", q.table, q.where)
	}
}

func TestSeed(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		empty, err := db.IsEmpty(ctx)
		require.NoError(t, err)
		require.True(t, empty)

		calls := map[string]int{}
		last := map[string][2]int{}
		opts := smallSeed
		opts.Progress = func(stage string, done, total int) {
			calls[stage]++
			require.GreaterOrEqual(t, done, last[stage][0], "progress only grows")
			last[stage] = [2]int{done, total}
		}
		stats, err := store.Seed(ctx, db, opts)
		require.NoError(t, err)
		require.Equal(t, 60, stats.Users)
		require.Equal(t, 300, stats.Articles)
		require.Equal(t, 1200, stats.Comments)
		require.Equal(t, 600, stats.Favorites)
		require.Equal(t, 200, stats.Tags)
		require.NotZero(t, stats.Follows)
		require.GreaterOrEqual(t, stats.ArticleTags, stats.Articles)
		require.Contains(t, stats.String(), "60 users, ")
		for _, stage := range []string{"users", "follows", "tags", "articles", "favorites", "comments"} {
			require.GreaterOrEqual(t, calls[stage], 2, stage)
			require.Equal(t, last[stage][1], last[stage][0], "%s finished", stage)
		}

		empty, err = db.IsEmpty(ctx)
		require.NoError(t, err)
		require.False(t, empty)
		require.Equal(t, stats.Users, store.CountRows(t, db, "users", "true"))
		require.Equal(t, stats.Follows, store.CountRows(t, db, "follows", "true"))
		require.Equal(t, stats.Articles, store.CountRows(t, db, "articles", "true"))
		require.Equal(t, stats.ArticleTags, store.CountRows(t, db, "article_tags", "true"))
		require.Equal(t, stats.Favorites, store.CountRows(t, db, "favorites", "true"))
		require.Equal(t, stats.Comments, store.CountRows(t, db, "comments", "true"))
		requireCountsExact(t, db)
		require.Zero(t, store.CountRows(t, db, "article_tags AS at",
			"article_created_at <> (SELECT created_at FROM articles AS a WHERE a.id = at.article_id)"))
		require.Empty(t, store.TagListMismatches(t, db), "tag_list and article_tags agree")

		// The seeded data works through the services, and the services
		// still work after it (the id sequences moved on).
		s := store.NewArticleService(db)
		p, err := s.Articles(ctx, conduit.ArticleFilter{}, conduit.PageArgs{First: 5}, conduit.FullArticle)
		require.NoError(t, err)
		require.Len(t, p.Items, 5)
		require.True(t, p.Items[0].CreatedAt.Before(store.SeedEnd.Add(time.Second)))
		tags, err := s.PopularTags(ctx, 5)
		require.NoError(t, err)
		require.Len(t, tags, 5)
		require.Greater(t, tags[0].ArticlesCount, tags[4].ArticlesCount, "a long tail")
		tags, err = s.PopularTags(ctx, 1000)
		require.NoError(t, err)
		require.Equal(t, store.PopularTagsByLinks(t, db, 1000), tags, "as counted from the links")
		u := MustCreateUser(t, db, "after")
		a := mustCreateArticle(t, s, u.ID, "After the seed")
		require.Greater(t, a.ID, int64(stats.Articles))

		// A second seed appends: same seed, so the same names, which are
		// taken now and get suffixes.
		again, err := store.Seed(ctx, db, smallSeed)
		require.NoError(t, err)
		require.Equal(t, stats, again)
		require.Equal(t, 2*stats.Users+1, store.CountRows(t, db, "users", "true"))
		require.Equal(t, 2*stats.Articles+1, store.CountRows(t, db, "articles", "true"))
		requireCountsExact(t, db)
		tags, err = s.PopularTags(ctx, 1000)
		require.NoError(t, err)
		require.Equal(t, store.PopularTagsByLinks(t, db, 1000), tags, "as counted from the links")
	})
}

// TestSeed_Deterministic seeds two databases alike and gets the same rows;
// another seed gives other rows.
func TestSeed_Deterministic(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dialect := db.Dialect()
		other := MustOpenDB(t, dialect)
		third := MustOpenDB(t, dialect)
		for _, d := range []*store.DB{db, other} {
			_, err := store.Seed(ctx, d, smallSeed)
			require.NoError(t, err)
		}
		opts := smallSeed
		opts.Seed = 43
		_, err := store.Seed(ctx, third, opts)
		require.NoError(t, err)

		fingerprint := func(d *store.DB) []string {
			us := store.NewUserService(d, testHasher)
			s := store.NewArticleService(d)
			var out []string
			for id := int64(1); id <= 20; id++ {
				u, err := us.UserByID(ctx, id)
				require.NoError(t, err)
				a, err := s.ArticleByID(ctx, id)
				require.NoError(t, err)
				out = append(out, u.Username, strconv.Itoa(u.FollowersCount), a.Slug, a.Title,
					a.CreatedAt.String(), strconv.Itoa(a.CommentsCount))
				out = append(out, a.Tags...)
			}
			return out
		}
		want := fingerprint(db)
		require.Equal(t, want, fingerprint(other))
		require.NotEqual(t, want, fingerprint(third))
	})
}

func TestSeed_ErrInvalid(t *testing.T) {
	db := MustOpenDB(t, store.DialectSQLite)
	for name, opts := range map[string]store.SeedOptions{
		"Negative":       {Users: -1},
		"NoHash":         {Users: 1},
		"ArticlesNoUser": {Articles: 1, PasswordHash: "x"},
		"CommentsNoArt":  {Users: 1, Comments: 1, PasswordHash: "x"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := store.Seed(context.Background(), db, opts)
			requireCode(t, err, conduit.EINVALID)
		})
	}
	empty, err := db.IsEmpty(context.Background())
	require.NoError(t, err)
	require.True(t, empty)
}

// TestSeed_Tiny seeds the smallest sets: one user, no follows.
func TestSeed_Tiny(t *testing.T) {
	for _, opts := range []store.SeedOptions{
		{Users: 1, Articles: 3, Comments: 5, PasswordHash: "x"},
		{Users: 2, PasswordHash: "x"},
		{},
	} {
		db := MustOpenDB(t, store.DialectSQLite)
		stats, err := store.Seed(context.Background(), db, opts)
		require.NoError(t, err)
		require.Equal(t, opts.Users, stats.Users)
		require.Equal(t, opts.Articles, stats.Articles)
		require.Equal(t, opts.Comments, stats.Comments)
		requireCountsExact(t, db)
	}
}

// TestSeed_Big measures a full-size seed, when SEED_BIG names a dialect:
//
//	SEED_BIG=sqlite go test -run TestSeed_Big -v ./internal/store/
func TestSeed_Big(t *testing.T) {
	dialect := os.Getenv("SEED_BIG")
	if dialect == "" {
		t.Skip("set SEED_BIG=sqlite or SEED_BIG=pg")
	}
	ctx := context.Background()
	db := MustOpenDB(t, dialect)
	opts := store.SeedOptions{Users: 10_000, Articles: 100_000, Comments: 500_000, Seed: 1, PasswordHash: "x"}
	stage := ""
	began, stageBegan := time.Now(), time.Now()
	opts.Progress = func(s string, done, total int) {
		if s != stage {
			if stage != "" {
				t.Logf("%-9s %6.1fs", stage, time.Since(stageBegan).Seconds())
			}
			stage, stageBegan = s, time.Now()
		}
	}
	stats, err := store.Seed(ctx, db, opts)
	require.NoError(t, err)
	t.Logf("%-9s %6.1fs", stage, time.Since(stageBegan).Seconds())
	t.Logf("total %.1fs: %+v", time.Since(began).Seconds(), stats)
	requireCountsExact(t, db)
	logPlans(t, db)
}

// logPlans logs the plan and the time of the hot lists on a big database.
func logPlans(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if db.Dialect() == store.DialectPostgres {
		store.ExecRaw(t, db, "ANALYZE")
	}
	s := store.NewArticleService(db)
	tags, err := s.PopularTags(ctx, 200)
	require.NoError(t, err)
	// The user who follows the most, and the one who favorited the most.
	feedOf := store.QueryInt(t, db, "SELECT id FROM users ORDER BY following_count DESC LIMIT 1")
	favBy := store.QueryInt(t, db, "SELECT user_id FROM favorites GROUP BY user_id ORDER BY count(*) DESC LIMIT 1")
	first, err := s.Articles(ctx, conduit.ArticleFilter{}, conduit.PageArgs{First: 20}, conduit.FullArticle)
	require.NoError(t, err)
	deep := first.Cursors[19]
	deep.Time = deep.Time.AddDate(0, -6, 0)
	for _, tc := range []struct {
		name string
		f    conduit.ArticleFilter
		args conduit.PageArgs
	}{
		{"home", conduit.ArticleFilter{}, conduit.PageArgs{First: 20}},
		{"home deep", conduit.ArticleFilter{}, conduit.PageArgs{First: 20, After: &deep}},
		{"home last", conduit.ArticleFilter{}, conduit.PageArgs{Last: 20}},
		{"tag top", conduit.ArticleFilter{Tag: tags[0].Name}, conduit.PageArgs{First: 20}},
		{"tag rare", conduit.ArticleFilter{Tag: tags[len(tags)-1].Name}, conduit.PageArgs{First: 20, After: &deep}},
		{"feed", conduit.ArticleFilter{FeedOf: feedOf}, conduit.PageArgs{First: 20}},
		{"favorited", conduit.ArticleFilter{FavoritedByID: favBy}, conduit.PageArgs{First: 20}},
		{"author", conduit.ArticleFilter{AuthorID: feedOf}, conduit.PageArgs{First: 20}},
	} {
		began := time.Now()
		_, err := s.Articles(ctx, tc.f, tc.args, conduit.FullArticle)
		require.NoError(t, err)
		took := time.Since(began)
		began = time.Now()
		n, err := s.CountArticles(ctx, tc.f)
		require.NoError(t, err)
		t.Logf("%s: page %v, count %d in %v\n%s", tc.name, took, n, time.Since(began), store.ExplainArticles(t, db, tc.f, tc.args))
	}
	began := time.Now()
	_, err = s.PopularTags(ctx, 20)
	require.NoError(t, err)
	t.Logf("popular tags: %v (top %s %d, last %s %d)", time.Since(began), tags[0].Name, tags[0].ArticlesCount,
		tags[len(tags)-1].Name, tags[len(tags)-1].ArticlesCount)
}
