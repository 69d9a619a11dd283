package store

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

func (s *seeder) userID(i int) int64    { return s.userBase + 1 + int64(i) }
func (s *seeder) articleID(i int) int64 { return s.articleBase + 1 + int64(i) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// zipf returns a Zipf source over [0, n), n > 0: a long tail where rank 0
// is drawn most. v flattens the head.
func zipf(r *rand.Rand, s, v float64, n int) func() int {
	if n <= 1 {
		return func() int { return 0 }
	}
	z := rand.NewZipf(r, s, v, uint64(n-1))
	return func() int { return int(z.Uint64()) }
}

// insertUsers plans the users and whom each follows (the follow counts go
// into the user rows), then inserts the users.
func (s *seeder) insertUsers(ctx context.Context) error {
	n := s.opts.Users
	r := s.stream(streamUsers)
	text := seedText{r}
	s.userTimes = make([]time.Time, n)
	for i := range s.userTimes {
		s.userTimes[i] = s.between(r, s.start)
	}
	// Ids in order of sign-up, as the database would have given them.
	slices.SortFunc(s.userTimes, time.Time.Compare)
	s.planFollows()

	s.opts.Progress("users", 0, n)
	rows := make([]userRow, 0, seedBatch)
	for lo := 0; lo < n; lo += seedBatch {
		hi := min(lo+seedBatch, n)
		names := make([]string, 0, hi-lo)
		for i := lo; i < hi; i++ {
			names = append(names, text.username(i+1))
		}
		names, err := s.freeUsernames(ctx, text, names)
		if err != nil {
			return err
		}
		rows = rows[:0]
		for i := lo; i < hi; i++ {
			t := newTime(s.userTimes[i])
			var bio *string
			if r.IntN(3) > 0 {
				b := text.pick(seedBios)
				bio = &b
			}
			name := names[i-lo]
			rows = append(rows, userRow{ID: s.userID(i), Username: name, Email: name + "@example.com",
				PasswordHash: s.opts.PasswordHash, Bio: bio,
				FollowersCount: s.followers[i], FollowingCount: s.following[i], CreatedAt: t, UpdatedAt: t})
		}
		if err := insertBatch(ctx, s.tx, rows); err != nil {
			return err
		}
		s.stats.Users += len(rows)
		s.opts.Progress("users", hi, n)
	}
	return nil
}

// freeUsernames gives each name that an account in the database has (as
// username or e-mail address) a random suffix, until none is taken.
// Names are unique among themselves, and stay so.
func (s *seeder) freeUsernames(ctx context.Context, text seedText, names []string) ([]string, error) {
	for {
		byName, err := s.taken(ctx, "users", "username", names)
		if err != nil {
			return nil, err
		}
		emails := make([]string, len(names))
		for i, name := range names {
			emails[i] = name + "@example.com"
		}
		byEmail, err := s.taken(ctx, "users", "lower(email)", emails)
		if err != nil {
			return nil, err
		}
		if len(byName) == 0 && len(byEmail) == 0 {
			return names, nil
		}
		for i, name := range names {
			if byName[name] || byEmail[emails[i]] {
				names[i] = name + "_" + randomBase36(text.r, 4)
			}
		}
	}
}

func randomBase36(r *rand.Rand, n int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(len(digits))]
	}
	return string(b)
}

// planFollows picks whom each user follows: a power law of how many (1 to
// seedMaxFollows), and a few popular users whom many follow.
func (s *seeder) planFollows() {
	n := len(s.userTimes)
	s.followers, s.following = make([]int, n), make([]int, n)
	if n < 2 {
		return
	}
	r := s.stream(streamFollows)
	popular := r.Perm(n)
	howMany := zipf(r, 1.3, 3, min(seedMaxFollows, n-1))
	whom := zipf(r, 1.1, 10, n)
	seen := map[int]bool{}
	for u := range n {
		k := 1 + howMany()
		clear(seen)
		for tries := 0; len(seen) < k && tries < 30*k; tries++ {
			v := popular[whom()]
			if v == u || seen[v] {
				continue
			}
			seen[v] = true
			s.follows = append(s.follows, seedPair{u, v})
			s.following[u]++
			s.followers[v]++
		}
	}
}

func (s *seeder) insertFollows(ctx context.Context) error {
	r := s.stream(streamFollowTimes)
	return insertPairs(ctx, s, "follows", s.follows, &s.stats.Follows, func(p seedPair) followRow {
		t := s.between(r, later(s.userTimes[p.a], s.userTimes[p.b]))
		return followRow{FollowerID: s.userID(p.a), FolloweeID: s.userID(p.b), CreatedAt: newTime(t)}
	})
}

// insertPairs writes one row per planned pair in batches, counting them in
// done and reporting progress as stage.
func insertPairs[R any](ctx context.Context, s *seeder, stage string, pairs []seedPair, done *int, row func(seedPair) R) error {
	total := len(pairs)
	s.opts.Progress(stage, 0, total)
	rows := make([]R, 0, seedBatch)
	for lo := 0; lo < total; lo += seedBatch {
		rows = rows[:0]
		for _, p := range pairs[lo:min(lo+seedBatch, total)] {
			rows = append(rows, row(p))
		}
		if err := insertBatch(ctx, s.tx, rows); err != nil {
			return err
		}
		*done += len(rows)
		s.opts.Progress(stage, *done, total)
	}
	return nil
}

// insertTags makes sure the tag vocabulary exists, and plans the articles,
// their favorites and comment counts (the counts go into the article rows).
func (s *seeder) insertTags(ctx context.Context) error {
	if s.opts.Articles == 0 {
		return nil
	}
	names := seedTagWords[:min(seedTagCount, len(seedTagWords))]
	s.opts.Progress("tags", 0, len(names))
	ids, err := upsertTags(ctx, s.tx, names)
	if err != nil {
		return err
	}
	s.tagIDs = make([]int64, len(names))
	s.tagNames = make(map[int64]string, len(names))
	for i, name := range names {
		s.tagIDs[i] = ids[name]
		s.tagNames[ids[name]] = name
	}
	s.stats.Tags = len(names)
	s.opts.Progress("tags", len(names), len(names))
	s.planArticles()
	return nil
}

// planArticles picks each article's author (a few prolific ones), time,
// favorites and number of comments (both a long tail over the articles).
func (s *seeder) planArticles() {
	n, users := s.opts.Articles, s.opts.Users
	r := s.stream(streamArticles)
	prolific := r.Perm(users)
	author := zipf(r, 1.2, 5, users)
	type planned struct {
		author int
		t      time.Time
	}
	plan := make([]planned, n)
	for i := range plan {
		u := prolific[author()]
		plan[i] = planned{u, s.between(r, s.userTimes[u])}
	}
	slices.SortFunc(plan, func(a, b planned) int { return a.t.Compare(b.t) })
	s.authors, s.articleTimes = make([]int, n), make([]time.Time, n)
	for i, p := range plan {
		s.authors[i], s.articleTimes[i] = p.author, p.t
	}

	r = s.stream(streamFavorites)
	s.favCounts = make([]int, n)
	target := min(seedFavorites*n, users*n/2)
	liked, article := r.Perm(n), zipf(r, 1.1, 20, n)
	seen := make(map[seedPair]bool, target)
	for tries := 0; len(s.favorites) < target && tries < 4*target; tries++ {
		p := seedPair{r.IntN(users), liked[article()]}
		if seen[p] {
			continue
		}
		seen[p] = true
		s.favorites = append(s.favorites, p)
		s.favCounts[p.b]++
	}

	r = s.stream(streamComments)
	s.commentCounts = make([]int, n)
	discussed, article := r.Perm(n), zipf(r, 1.1, 20, n)
	for range s.opts.Comments {
		s.commentCounts[discussed[article()]]++
	}
}

func (s *seeder) insertArticles(ctx context.Context) error {
	n := s.opts.Articles
	text := seedText{s.stream(streamArticleText)}
	r := s.stream(streamArticleTags)
	tag := zipf(r, 1.1, 2, len(s.tagIDs))
	s.slugsInPlan = make(map[string]bool, n)
	s.opts.Progress("articles", 0, n)
	rows := make([]articleRow, 0, seedArticleBatch)
	var links []articleTagRow
	for lo := 0; lo < n; lo += seedArticleBatch {
		hi := min(lo+seedArticleBatch, n)
		rows, links = rows[:0], links[:0]
		for i := lo; i < hi; i++ {
			topic := text.pick(seedTopics)
			title := text.title(topic)
			t := newTime(s.articleTimes[i])
			rows = append(rows, articleRow{ID: s.articleID(i), Slug: s.planSlug(text, title), Title: title,
				Description: text.sentence(), Body: text.body(topic), AuthorID: s.userID(s.authors[i]),
				FavoritesCount: s.favCounts[i], CommentsCount: s.commentCounts[i], CreatedAt: t, UpdatedAt: t})
			first := len(links)
			links = s.appendTags(links, r, tag, rows[len(rows)-1])
			rows[len(rows)-1].TagList = s.tagList(links[first:])
		}
		if err := s.freeSlugs(ctx, text, rows); err != nil {
			return err
		}
		if err := insertBatch(ctx, s.tx, rows); err != nil {
			return err
		}
		if err := insertBatch(ctx, s.tx, links); err != nil {
			return err
		}
		s.stats.Articles += len(rows)
		s.stats.ArticleTags += len(links)
		s.opts.Progress("articles", hi, n)
	}
	return s.countTags(ctx)
}

// countTags sets the articles_count of the seeded tags from their links,
// once all are inserted: one statement, which counts each tag's entries in
// article_tags_tag_created_idx. No other writer changes links meanwhile:
// SQLite has one writer, and on PostgreSQL every change of links writes
// articles, which lock blocks.
func (s *seeder) countTags(ctx context.Context) error {
	if len(s.tagIDs) == 0 {
		return nil
	}
	_, err := s.tx.NewUpdate().Model((*tagRow)(nil)).
		Set("articles_count = (SELECT count(*) FROM article_tags AS at WHERE at.tag_id = t.id)").
		Where("t.id IN (?)", bun.List(s.tagIDs)).Exec(ctx)
	return err
}

// planSlug returns title's slug, with a random suffix if the plan has it.
func (s *seeder) planSlug(text seedText, title string) string {
	base := conduit.Slugify(title)
	slug := base
	for s.slugsInPlan[slug] {
		slug = base + "-" + randomBase36(text.r, 6)
	}
	s.slugsInPlan[slug] = true
	return slug
}

// freeSlugs gives the rows whose slugs the database has a new one.
func (s *seeder) freeSlugs(ctx context.Context, text seedText, rows []articleRow) error {
	for {
		slugs := make([]string, len(rows))
		for i := range rows {
			slugs[i] = rows[i].Slug
		}
		taken, err := s.taken(ctx, "articles", "slug", slugs)
		if err != nil || len(taken) == 0 {
			return err
		}
		for i := range rows {
			if taken[rows[i].Slug] {
				rows[i].Slug = s.planSlug(text, rows[i].Title)
			}
		}
	}
}

// tagList is the tag_list of an article with these links, in order.
func (s *seeder) tagList(links []articleTagRow) string {
	names := make([]string, len(links))
	for i, l := range links {
		names[i] = s.tagNames[l.TagID]
	}
	return encodeTags(names)
}

// appendTags gives the article 1 to 5 tags, the popular ones most often.
func (s *seeder) appendTags(links []articleTagRow, r *rand.Rand, tag func() int, a articleRow) []articleTagRow {
	k := 1 + r.IntN(5)
	first := len(links)
	for tries := 0; len(links)-first < k && tries < 20*k; tries++ {
		id := s.tagIDs[tag()]
		if slices.ContainsFunc(links[first:], func(l articleTagRow) bool { return l.TagID == id }) {
			continue
		}
		links = append(links, articleTagRow{ArticleID: a.ID, TagID: id, Position: len(links) - first,
			ArticleCreatedAt: a.CreatedAt})
	}
	return links
}

func (s *seeder) insertFavorites(ctx context.Context) error {
	r := s.stream(streamFavoriteTimes)
	return insertPairs(ctx, s, "favorites", s.favorites, &s.stats.Favorites, func(p seedPair) favoriteRow {
		t := s.between(r, later(s.userTimes[p.a], s.articleTimes[p.b]))
		return favoriteRow{UserID: s.userID(p.a), ArticleID: s.articleID(p.b), CreatedAt: newTime(t)}
	})
}

// insertComments writes each article's planned number of comments, by
// random readers, after the article and the reader's sign-up.
func (s *seeder) insertComments(ctx context.Context) error {
	r := s.stream(streamCommentText)
	text := seedText{r}
	total := s.opts.Comments
	s.opts.Progress("comments", 0, total)
	rows := make([]commentRow, 0, seedBatch)
	flush := func() error {
		if err := insertBatch(ctx, s.tx, rows); err != nil {
			return err
		}
		s.stats.Comments += len(rows)
		s.opts.Progress("comments", s.stats.Comments, total)
		rows = rows[:0]
		return nil
	}
	for a, n := range s.commentCounts {
		for range n {
			u := r.IntN(s.opts.Users)
			t := newTime(s.between(r, later(s.articleTimes[a], s.userTimes[u])))
			rows = append(rows, commentRow{ArticleID: s.articleID(a), AuthorID: s.userID(u), Body: text.comment(),
				CreatedAt: t, UpdatedAt: t})
			if len(rows) == seedBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}
