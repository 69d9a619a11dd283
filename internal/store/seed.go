package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

// SeedOptions says what Seed makes.
type SeedOptions struct {
	Users, Articles, Comments int
	// Seed makes the data: the same seed on the same database gives the
	// same rows.
	Seed int64
	// PasswordHash is every seeded user's password hash, computed once by
	// the caller: hashing thousands of passwords would take minutes.
	PasswordHash string
	// End is the newest time a row gets; rows spread over the year before
	// it. Zero means SeedEnd, which keeps the data the same from run to run.
	End time.Time
	// Progress, when not nil, is called as each stage ("users", "follows",
	// "tags", "articles", "favorites", "comments") starts and after each
	// batch, with the rows done of that stage's total.
	Progress func(stage string, done, total int)
}

// SeedEnd is the default SeedOptions.End.
var SeedEnd = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// SeedStats counts the rows that Seed inserted.
type SeedStats struct {
	Users, Follows, Tags, Articles, ArticleTags, Favorites, Comments int
}

// String lists the counts, as in "10 users, 25 follows, …".
func (st SeedStats) String() string {
	return fmt.Sprintf("%d users, %d follows, %d tags, %d articles, %d tag links, %d favorites, %d comments",
		st.Users, st.Follows, st.Tags, st.Articles, st.ArticleTags, st.Favorites, st.Comments)
}

// Seed sizes.
const (
	seedBatch        = 1000 // rows per INSERT
	seedArticleBatch = 250  // articles per INSERT: their bodies are long
	seedTagCount     = 200  // the tag vocabulary
	seedMaxFollows   = 60   // the most users that one user follows
	seedFavorites    = 2    // favorites per article, on average
)

// Random streams, one per stage, so that a stage's rows do not depend on
// how many numbers another stage drew.
const (
	streamUsers = iota + 1
	streamFollows
	streamArticles
	streamFavorites
	streamComments
	streamArticleText
	streamCommentText
	streamFollowTimes
	streamFavoriteTimes
	streamArticleTags
)

// Seed fills the database with realistic users, follows, articles, tags,
// favorites and comments, in one transaction on the writer, with batched
// multi-row INSERTs. Every counter (followers_count, following_count,
// favorites_count, comments_count, the tags' articles_count) equals its
// rows. Seeded rows link only to seeded rows.
//
// Seeding a database that has rows appends: ids continue after the
// highest, and usernames, e-mail addresses and slugs that are taken get a
// random suffix. On PostgreSQL the transaction locks users and articles
// against writes (reads go on), since it picks their ids itself.
func Seed(ctx context.Context, db *DB, opts SeedOptions) (SeedStats, error) {
	if err := opts.validate(); err != nil {
		return SeedStats{}, err
	}
	if opts.End.IsZero() {
		opts.End = SeedEnd
	}
	if opts.Progress == nil {
		opts.Progress = func(string, int, int) {}
	}
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return SeedStats{}, fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback()
	s := &seeder{tx: tx, dialect: db.dialect, opts: opts,
		end: newTime(opts.End).Time, start: newTime(opts.End.AddDate(-1, 0, 0)).Time}
	if err := s.run(ctx); err != nil {
		return SeedStats{}, fmt.Errorf("seed: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return SeedStats{}, fmt.Errorf("seed: %w", err)
	}
	return s.stats, nil
}

func (o SeedOptions) validate() error {
	var v conduit.Validation
	if o.Users < 0 || o.Articles < 0 || o.Comments < 0 {
		v.Add("count", "Counts can't be negative.")
	}
	if o.Articles > 0 && o.Users == 0 {
		v.Add("users", "Articles need users to write them.")
	}
	if o.Comments > 0 && o.Articles == 0 {
		v.Add("articles", "Comments need articles.")
	}
	if o.Users > 0 && o.PasswordHash == "" {
		v.Add("passwordHash", "Seeded users need a password hash.")
	}
	return v.Err()
}

// IsEmpty reports whether the database has no users, as a database just
// migrated has none.
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	found, err := db.reader.NewSelect().Model((*userRow)(nil)).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("is empty: %w", err)
	}
	return !found, nil
}

// seeder holds what one Seed plans and inserts. Seeded users and articles
// are numbered from 0 in the plan; their ids are userBase+1+i and
// articleBase+1+i.
type seeder struct {
	tx         bun.Tx
	dialect    string
	opts       SeedOptions
	start, end time.Time
	stats      SeedStats

	// check is set when the database had rows: usernames and slugs are
	// then checked against the ones there.
	check                 bool
	userBase, articleBase int64

	userTimes            []time.Time
	followers, following []int
	follows              []seedPair // follower, followee

	authors       []int
	articleTimes  []time.Time
	favCounts     []int
	commentCounts []int
	favorites     []seedPair // user, article
	tagIDs        []int64
	tagNames      map[int64]string // by id
	slugsInPlan   map[string]bool
}

type seedPair struct{ a, b int }

func (s *seeder) stream(n uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(s.opts.Seed), n))
}

// between returns a random time in [from, s.end], in microseconds.
func (s *seeder) between(r *rand.Rand, from time.Time) time.Time {
	span := s.end.Sub(from).Microseconds()
	if span <= 0 {
		return s.end
	}
	return from.Add(time.Duration(r.Int64N(span+1)) * time.Microsecond)
}

func (s *seeder) run(ctx context.Context) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	for _, step := range []func(context.Context) error{
		s.insertUsers, s.insertFollows, s.insertTags, s.insertArticles, s.insertFavorites, s.insertComments,
	} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return s.syncSequences(ctx)
}

// lock reads where ids continue and, on PostgreSQL, keeps other writers
// from taking those ids meanwhile.
func (s *seeder) lock(ctx context.Context) error {
	if s.dialect == DialectPostgres {
		if _, err := s.tx.ExecContext(ctx, "LOCK TABLE users, articles IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return err
		}
	}
	err := s.tx.NewRaw("SELECT coalesce((SELECT max(id) FROM users), 0), coalesce((SELECT max(id) FROM articles), 0)").
		Scan(ctx, &s.userBase, &s.articleBase)
	if err != nil {
		return err
	}
	s.check = s.userBase > 0 || s.articleBase > 0
	return nil
}

// syncSequences moves PostgreSQL's identity sequences past the ids that
// Seed chose. (SQLite's AUTOINCREMENT follows the largest id by itself.)
func (s *seeder) syncSequences(ctx context.Context) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	for _, table := range []string{"users", "articles"} {
		_, err := s.tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence(?, 'id'), max(id)) FROM "+table+" HAVING max(id) IS NOT NULL", table)
		if err != nil {
			return err
		}
	}
	return nil
}

// insertBatch inserts rows in one statement, without reading anything back.
func insertBatch[T any](ctx context.Context, tx bun.Tx, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.NewInsert().Model(&rows).Returning("NULL").Exec(ctx)
	return err
}

// taken returns which of vals the column (an expression over table) has.
func (s *seeder) taken(ctx context.Context, table, column string, vals []string) (map[string]bool, error) {
	out := map[string]bool{}
	if !s.check || len(vals) == 0 {
		return out, nil
	}
	var found []string
	err := s.tx.NewRaw("SELECT "+column+" FROM "+table+" WHERE "+column+" IN (?)", bun.List(vals)).Scan(ctx, &found)
	for _, v := range found {
		out[v] = true
	}
	return out, err
}
