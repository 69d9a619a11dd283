package store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

// Messages for a username or e-mail address that another account has.
const (
	msgUsernameTaken = "Username has already been taken."
	msgEmailTaken    = "Email has already been taken."
)

// msgWrongCredentials is the one answer to a bad sign-in, whichever part
// was wrong, so that it does not tell which e-mail addresses have accounts.
const msgWrongCredentials = "Email or password is wrong."

// UserService implements conduit.UserService: accounts and the follow graph.
type UserService struct {
	db     *DB
	hasher conduit.PasswordHasher

	dummyOnce sync.Once
	dummy     string // a hash to verify against when no account matches
}

var _ conduit.UserService = (*UserService)(nil)

// NewUserService returns the user service on db, hashing with hasher.
func NewUserService(db *DB, hasher conduit.PasswordHasher) *UserService {
	s := &UserService{db: db, hasher: hasher}
	s.dummyHash() // now, so the first sign-in with an unknown e-mail is not slower
	return s
}

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID             int64 `bun:",pk,autoincrement"`
	Username       string
	Email          string
	PasswordHash   string
	Bio            *string
	Image          *string
	TokenVersion   int64
	FollowersCount int
	FollowingCount int
	CreatedAt      dbTime
	UpdatedAt      dbTime
}

func (r *userRow) user() *conduit.User {
	return &conduit.User{
		ID: r.ID, Username: r.Username, Email: r.Email, Bio: r.Bio, Image: r.Image,
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time, TokenVersion: r.TokenVersion,
		FollowersCount: r.FollowersCount, FollowingCount: r.FollowingCount,
	}
}

// authorColumns are the columns of an author read with what they wrote, in
// the same statement (withAuthor).
type authorColumns struct {
	AuthorUsername       string  `bun:"author_username,scanonly"` // "" when not read
	AuthorEmail          string  `bun:"author_email,scanonly"`
	AuthorBio            *string `bun:"author_bio,scanonly"`
	AuthorImage          *string `bun:"author_image,scanonly"`
	AuthorTokenVersion   int64   `bun:"author_token_version,scanonly"`
	AuthorFollowersCount int     `bun:"author_followers_count,scanonly"`
	AuthorFollowingCount int     `bun:"author_following_count,scanonly"`
	AuthorCreatedAt      dbTime  `bun:"author_created_at,scanonly"`
	AuthorUpdatedAt      dbTime  `bun:"author_updated_at,scanonly"`
}

// withAuthor adds to q the columns of the user whose id is in authorIDCol
// (users AS u). A LEFT JOIN, which SQLite never reorders: the rows are
// still read in the order of the index the query pages by.
func withAuthor(q *bun.SelectQuery, authorIDCol string) *bun.SelectQuery {
	return q.Join("LEFT JOIN users AS u ON u.id = " + authorIDCol).
		ColumnExpr("u.username AS author_username, u.email AS author_email, u.bio AS author_bio, u.image AS author_image").
		ColumnExpr("u.token_version AS author_token_version, u.followers_count AS author_followers_count, u.following_count AS author_following_count").
		ColumnExpr("u.created_at AS author_created_at, u.updated_at AS author_updated_at")
}

// author returns the author with id as read, or nil when not read.
func (c *authorColumns) author(id int64) *conduit.User {
	if c.AuthorUsername == "" {
		return nil
	}
	return &conduit.User{
		ID: id, Username: c.AuthorUsername, Email: c.AuthorEmail, Bio: c.AuthorBio, Image: c.AuthorImage,
		CreatedAt: c.AuthorCreatedAt.Time, UpdatedAt: c.AuthorUpdatedAt.Time, TokenVersion: c.AuthorTokenVersion,
		FollowersCount: c.AuthorFollowersCount, FollowingCount: c.AuthorFollowingCount,
	}
}

// CreateUser makes an account. EINVALID for bad input or a taken username
// or e-mail address.
func (s *UserService) CreateUser(ctx context.Context, n conduit.NewUser) (*conduit.User, error) {
	n.Normalize()
	if err := n.Validate(); err != nil {
		return nil, err
	}
	// Checked before hashing, to name both fields when both are taken; the
	// unique indexes still decide when two sign-ups race.
	if err := checkTaken(ctx, s.db.reader, 0, &n.Username, &n.Email); err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	// Hashed outside the transaction: it is slow, and SQLite has one writer.
	hash, err := s.hasher.Hash(ctx, n.Password)
	if err != nil {
		return nil, fmt.Errorf("create user: hash: %w", err)
	}
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	defer tx.Rollback()
	now := s.db.timeNow()
	row := &userRow{Username: n.Username, Email: n.Email, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, fmt.Errorf("create user: %w", dbError(err, "User"))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return row.user(), nil
}

// checkTaken returns an EINVALID error naming username and/or email (when
// not nil) if an account other than selfID has them.
func checkTaken(ctx context.Context, idb bun.IDB, selfID int64, username, email *string) error {
	if username == nil && email == nil {
		return nil
	}
	var rows []userRow
	err := idb.NewSelect().Model(&rows).Column("username", "email").
		Where("id <> ?", selfID).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			if username != nil {
				q = q.WhereOr("username = ?", *username)
			}
			if email != nil {
				q = q.WhereOr("lower(email) = lower(?)", *email)
			}
			return q
		}).Limit(2).Scan(ctx)
	if err != nil {
		return err
	}
	var v conduit.Validation
	for _, r := range rows {
		if username != nil && r.Username == *username {
			v.Add("username", msgUsernameTaken)
		}
		if email != nil && strings.EqualFold(r.Email, *email) {
			v.Add("email", msgEmailTaken)
		}
	}
	return v.Err()
}

// Authenticate returns the user with this e-mail address (in any case) and
// password; EUNAUTHENTICATED with one message when either is wrong.
func (s *UserService) Authenticate(ctx context.Context, email, password string) (*conduit.User, error) {
	wrong := conduit.Errorf(conduit.EUNAUTHENTICATED, msgWrongCredentials)
	row := new(userRow)
	err := s.db.reader.NewSelect().Model(row).
		Where("lower(email) = lower(?)", strings.TrimSpace(email)).Limit(1).Scan(ctx)
	if err = dbError(err, "User"); isNotFound(err) {
		// Spend the time a real check takes, so that the answer's timing
		// does not tell whether the account exists.
		_, _ = s.hasher.Verify(ctx, s.dummyHash(), password)
		return nil, wrong
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	ok, err := s.hasher.Verify(ctx, row.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("authenticate: user %d: %w", row.ID, err)
	} else if !ok {
		return nil, wrong
	}
	return row.user(), nil
}

func (s *UserService) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = s.hasher.Hash(context.Background(), "no account has this password")
	})
	return s.dummy
}

// UserByID returns a user. ENOTFOUND when there is none.
func (s *UserService) UserByID(ctx context.Context, id int64) (*conduit.User, error) {
	row := new(userRow)
	if err := s.db.reader.NewSelect().Model(row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("user by id: %w", dbError(err, "User"))
	}
	return row.user(), nil
}

// UserByUsername returns a user. ENOTFOUND when there is none.
func (s *UserService) UserByUsername(ctx context.Context, username string) (*conduit.User, error) {
	row := new(userRow)
	if err := s.db.reader.NewSelect().Model(row).Where("username = ?", username).Scan(ctx); err != nil {
		return nil, fmt.Errorf("user by username: %w", dbError(err, "User"))
	}
	return row.user(), nil
}

// UsersByIDs returns the users with these ids, in the order of ids, with
// nil where there is none. It runs one query, none for no ids.
func (s *UserService) UsersByIDs(ctx context.Context, ids []int64) ([]*conduit.User, error) {
	out := make([]*conduit.User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []userRow
	if err := s.db.reader.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("users by ids: %w", err)
	}
	byID := make(map[int64]*conduit.User, len(rows))
	for i := range rows {
		byID[rows[i].ID] = rows[i].user()
	}
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// UpdateUser changes a user. EINVALID for bad input or a taken username or
// e-mail address; ENOTFOUND when there is no such user. A new password
// raises the user's TokenVersion, which voids the tokens issued before.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd conduit.UserUpdate) (*conduit.User, error) {
	upd.Normalize()
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	var hash string
	if upd.Password != nil {
		var err error
		if hash, err = s.hasher.Hash(ctx, *upd.Password); err != nil {
			return nil, fmt.Errorf("update user: hash: %w", err)
		}
	}
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	defer tx.Rollback()
	if err := checkTaken(ctx, tx, id, upd.Username, upd.Email); err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	row, err := updateUser(ctx, tx, id, upd, hash, s.db.timeNow())
	if err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	return row.user(), nil
}

// updateUser writes the fields of upd that are set, and hash when it is not
// empty, and returns the row as it is now.
func updateUser(ctx context.Context, tx bun.Tx, id int64, upd conduit.UserUpdate, hash string, now dbTime) (*userRow, error) {
	row := new(userRow)
	q := tx.NewUpdate().Model(row).Where("id = ?", id).Set("updated_at = ?", now)
	if upd.Username != nil {
		q = q.Set("username = ?", *upd.Username)
	}
	if upd.Email != nil {
		q = q.Set("email = ?", *upd.Email)
	}
	if hash != "" {
		q = q.Set("password_hash = ?", hash).Set("token_version = token_version + 1")
	}
	if upd.Bio != nil {
		q = q.Set("bio = ?", emptyToNil(*upd.Bio))
	}
	if upd.Image != nil {
		q = q.Set("image = ?", emptyToNil(*upd.Image))
	}
	if err := q.Returning("*").Scan(ctx); err != nil {
		return nil, dbError(err, "User")
	}
	return row, nil
}

// emptyToNil maps "" to NULL, which is how an optional field is cleared.
func emptyToNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
