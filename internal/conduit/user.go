package conduit

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on user input.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
	MaxUsernameLen = 40
	MaxEmailLen    = 254
	MaxBioLen      = 2000
	MaxImageLen    = 2048
)

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// User is a person with an account. Email is private to the user; the API
// shows it only to the user themself.
type User struct {
	ID           int64
	Username     string
	Email        string
	Bio          *string
	Image        *string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	TokenVersion int64 // raised by a password change; tokens carry it

	FollowersCount int
	FollowingCount int
}

// NewUser is what signing up needs.
type NewUser struct {
	Username string
	Email    string
	Password string
}

// Normalize trims the username and e-mail address.
func (n *NewUser) Normalize() {
	n.Username = strings.TrimSpace(n.Username)
	n.Email = strings.TrimSpace(n.Email)
}

// Validate returns an EINVALID error naming each bad field.
func (n *NewUser) Validate() error {
	var v Validation
	validateUsername(&v, n.Username)
	validateEmail(&v, n.Email)
	validatePassword(&v, n.Password)
	return v.Err()
}

// UserUpdate holds the fields to change; nil leaves a field as it is, and an
// empty Bio or Image clears it.
type UserUpdate struct {
	Username *string
	Email    *string
	Password *string
	Bio      *string
	Image    *string
}

// Normalize trims the username and e-mail address.
func (u *UserUpdate) Normalize() {
	for _, p := range []*string{u.Username, u.Email} {
		if p != nil {
			*p = strings.TrimSpace(*p)
		}
	}
}

// Validate returns an EINVALID error naming each bad field, or one when no
// field is set at all.
func (u *UserUpdate) Validate() error {
	var v Validation
	if u.Username == nil && u.Email == nil && u.Password == nil && u.Bio == nil && u.Image == nil {
		v.Add("input", "Give at least one field to change.")
	}
	if u.Username != nil {
		validateUsername(&v, *u.Username)
	}
	if u.Email != nil {
		validateEmail(&v, *u.Email)
	}
	if u.Password != nil {
		validatePassword(&v, *u.Password)
	}
	if u.Bio != nil && utf8.RuneCountInString(*u.Bio) > MaxBioLen {
		v.Add("bio", "Bio must be at most %d characters.", MaxBioLen)
	}
	if u.Image != nil && len(*u.Image) > MaxImageLen {
		v.Add("image", "Image must be at most %d characters.", MaxImageLen)
	}
	return v.Err()
}

func validateUsername(v *Validation, s string) {
	switch {
	case s == "":
		v.Add("username", "Username can't be blank.")
	case utf8.RuneCountInString(s) > MaxUsernameLen:
		v.Add("username", "Username must be at most %d characters.", MaxUsernameLen)
	case !usernameRE.MatchString(s):
		v.Add("username", "Username may hold only letters, digits, '_', '-' and '.'.")
	}
}

func validateEmail(v *Validation, s string) {
	switch {
	case s == "":
		v.Add("email", "Email can't be blank.")
	case len(s) > MaxEmailLen:
		v.Add("email", "Email must be at most %d characters.", MaxEmailLen)
	default:
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
			v.Add("email", "Email is not a valid address.")
		}
	}
}

func validatePassword(v *Validation, s string) {
	switch n := utf8.RuneCountInString(s); {
	case n < MinPasswordLen:
		v.Add("password", "Password must be at least %d characters.", MinPasswordLen)
	case len(s) > MaxPasswordLen:
		v.Add("password", "Password must be at most %d bytes.", MaxPasswordLen)
	}
}

// PasswordHasher hashes passwords and checks them against stored hashes.
// Both are slow and memory-hungry on purpose; an implementation may make
// callers wait for their turn, and gives up with ctx's error when ctx ends
// first.
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches hash; an error means the hash
	// itself could not be read, or ctx ended.
	Verify(ctx context.Context, hash, password string) (bool, error)
}

// UserService keeps accounts and the follow graph.
type UserService interface {
	// CreateUser makes an account. EINVALID for bad input or a taken username
	// or e-mail (Fields name which).
	CreateUser(ctx context.Context, n NewUser) (*User, error)
	// Authenticate returns the user with this e-mail (any case) and password.
	// EUNAUTHENTICATED, with one message, when either is wrong; ERATELIMITED
	// when a decorator refuses the attempt for coming too often.
	Authenticate(ctx context.Context, email, password string) (*User, error)
	// UserByID returns a user. ENOTFOUND when there is none.
	UserByID(ctx context.Context, id int64) (*User, error)
	// UserByUsername returns a user. ENOTFOUND when there is none.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// UsersByIDs returns the users with these ids, in the order of ids, with
	// nil where there is none.
	UsersByIDs(ctx context.Context, ids []int64) ([]*User, error)
	// UpdateUser changes a user. EINVALID for bad input or a taken username or
	// e-mail; ENOTFOUND when there is no such user. A new password raises the
	// user's TokenVersion.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// FollowUser makes follower follow followee; idempotent. EINVALID for
	// oneself, ENOTFOUND when followee does not exist.
	FollowUser(ctx context.Context, followerID, followeeID int64) error
	// UnfollowUser undoes FollowUser; idempotent. ENOTFOUND when followee does
	// not exist.
	UnfollowUser(ctx context.Context, followerID, followeeID int64) error
	// FollowingAmong reports, in the order of ids, whether follower follows each.
	FollowingAmong(ctx context.Context, followerID int64, ids []int64) ([]bool, error)
	// Followers pages through the users who follow userID, most recent first.
	Followers(ctx context.Context, userID int64, args PageArgs) (*Page[*User], error)
	// Following pages through the users whom userID follows, most recent first.
	Following(ctx context.Context, userID int64, args PageArgs) (*Page[*User], error)
}
