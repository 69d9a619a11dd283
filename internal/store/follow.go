package store

import (
	"context"
	"fmt"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

type followRow struct {
	bun.BaseModel `bun:"table:follows,alias:f"`

	FollowerID int64 `bun:",pk"`
	FolloweeID int64 `bun:",pk"`
	CreatedAt  dbTime
}

// followedUserRow is a user with the time of the follow that lists them.
type followedUserRow struct {
	userRow    `bun:",extend"`
	FollowedAt dbTime `bun:"followed_at"`
}

// FollowUser makes follower follow followee; idempotent. EINVALID for
// oneself, ENOTFOUND when followee does not exist. The two users' counts
// change in the same transaction, and only when a follow was inserted.
func (s *UserService) FollowUser(ctx context.Context, followerID, followeeID int64) error {
	if followerID == followeeID {
		return conduit.FieldError("userId", "You cannot follow yourself.")
	}
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("follow user: %w", err)
	}
	defer tx.Rollback()
	if err := userExists(ctx, tx, followeeID); err != nil {
		return fmt.Errorf("follow user: %w", err)
	}
	// ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the same
	// follow waits for the other transaction, then inserts nothing; SQLite
	// runs one writer at a time. Either way one call counts it.
	res, err := tx.NewInsert().
		Model(&followRow{FollowerID: followerID, FolloweeID: followeeID, CreatedAt: s.db.timeNow()}).
		On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("follow user: %w", dbError(err, "User"))
	}
	if err := addFollowCounts(ctx, tx, res, followerID, followeeID, 1); err != nil {
		return fmt.Errorf("follow user: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("follow user: %w", err)
	}
	return nil
}

// UnfollowUser undoes FollowUser; idempotent. ENOTFOUND when followee does
// not exist.
func (s *UserService) UnfollowUser(ctx context.Context, followerID, followeeID int64) error {
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("unfollow user: %w", err)
	}
	defer tx.Rollback()
	if err := userExists(ctx, tx, followeeID); err != nil {
		return fmt.Errorf("unfollow user: %w", err)
	}
	res, err := tx.NewDelete().Model((*followRow)(nil)).
		Where("follower_id = ? AND followee_id = ?", followerID, followeeID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("unfollow user: %w", err)
	}
	if err := addFollowCounts(ctx, tx, res, followerID, followeeID, -1); err != nil {
		return fmt.Errorf("unfollow user: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("unfollow user: %w", err)
	}
	return nil
}

// userExists returns ENOTFOUND unless there is a user with this id.
func userExists(ctx context.Context, idb bun.IDB, id int64) error {
	ok, err := idb.NewSelect().Model((*userRow)(nil)).Where("id = ?", id).Exists(ctx)
	if err != nil {
		return err
	} else if !ok {
		return conduit.Errorf(conduit.ENOTFOUND, "User not found.")
	}
	return nil
}

// addFollowCounts adds delta to the follower's following_count and the
// followee's followers_count when res changed a row. It updates the two
// rows in id order, so that concurrent follows between the same two users
// lock them in the same order and cannot deadlock.
func addFollowCounts(ctx context.Context, tx bun.Tx, res interface{ RowsAffected() (int64, error) },
	followerID, followeeID int64, delta int) error {
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	type change struct {
		id  int64
		col string
	}
	changes := []change{{followerID, "following_count"}, {followeeID, "followers_count"}}
	if followeeID < followerID {
		changes[0], changes[1] = changes[1], changes[0]
	}
	for _, c := range changes {
		_, err := tx.NewUpdate().Model((*userRow)(nil)).
			Set("? = ? + ?", bun.Ident(c.col), bun.Ident(c.col), delta).
			Where("id = ?", c.id).Exec(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}

// FollowingAmong reports, in the order of ids, whether follower follows
// each. One query; none for no ids or an anonymous follower (id 0).
func (s *UserService) FollowingAmong(ctx context.Context, followerID int64, ids []int64) ([]bool, error) {
	out := make([]bool, len(ids))
	if followerID == 0 || len(ids) == 0 {
		return out, nil
	}
	var followees []int64
	err := s.db.reader.NewSelect().Model((*followRow)(nil)).Column("followee_id").
		Where("follower_id = ?", followerID).Where("followee_id IN (?)", bun.List(ids)).
		Scan(ctx, &followees)
	if err != nil {
		return nil, fmt.Errorf("following among: %w", err)
	}
	set := make(map[int64]bool, len(followees))
	for _, id := range followees {
		set[id] = true
	}
	for i, id := range ids {
		out[i] = set[id]
	}
	return out, nil
}

// Followers pages through the users who follow userID, most recent first.
func (s *UserService) Followers(ctx context.Context, userID int64, args conduit.PageArgs) (*conduit.Page[*conduit.User], error) {
	p, err := s.followPage(ctx, "followee_id", "follower_id", userID, args)
	if err != nil {
		return nil, fmt.Errorf("followers: %w", err)
	}
	return p, nil
}

// Following pages through the users whom userID follows, most recent first.
func (s *UserService) Following(ctx context.Context, userID int64, args conduit.PageArgs) (*conduit.Page[*conduit.User], error) {
	p, err := s.followPage(ctx, "follower_id", "followee_id", userID, args)
	if err != nil {
		return nil, fmt.Errorf("following: %w", err)
	}
	return p, nil
}

// followPage pages through the users in column other of the follows whose
// column self is userID, sorted by (follows.created_at, user id).
func (s *UserService) followPage(ctx context.Context, self, other string, userID int64,
	args conduit.PageArgs) (*conduit.Page[*conduit.User], error) {
	var rows []followedUserRow
	q := s.db.reader.NewSelect().Model(&rows).
		ColumnExpr("u.*").ColumnExpr("f.created_at AS followed_at").
		Join("JOIN follows AS f ON f."+other+" = u.id").
		Where("f."+self+" = ?", userID)
	q = keyset{timeCol: "f.created_at", idCol: "f." + other, desc: true}.apply(q, args)
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	users := make([]*conduit.User, len(rows))
	cursors := make([]conduit.Cursor, len(rows))
	for i := range rows {
		users[i] = rows[i].user()
		cursors[i] = conduit.Cursor{Time: rows[i].FollowedAt.Time, ID: rows[i].ID}
	}
	return newPage(users, cursors, args), nil
}
