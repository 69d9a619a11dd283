package conduit

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxCommentLen is the longest comment body, in characters.
const MaxCommentLen = 10_000

// Comment is a reader's remark under an article.
type Comment struct {
	ID        int64
	Body      string
	ArticleID int64
	AuthorID  int64
	CreatedAt time.Time
	UpdatedAt time.Time

	// Author is the author when a read asked for it, else nil.
	Author *User
}

// ValidateCommentBody returns an EINVALID error for a blank or too long body.
func ValidateCommentBody(body string) error {
	switch {
	case strings.TrimSpace(body) == "":
		return FieldError("body", "Body can't be blank.")
	case utf8.RuneCountInString(body) > MaxCommentLen:
		return FieldError("body", "Body must be at most %d characters.", MaxCommentLen)
	}
	return nil
}

// CommentService keeps comments.
type CommentService interface {
	// AddComment adds authorID's comment to an article. ENOTFOUND, EINVALID.
	AddComment(ctx context.Context, authorID, articleID int64, body string) (*Comment, error)
	// DeleteComment deletes a comment and returns it as it was. ENOTFOUND,
	// EFORBIDDEN unless viewerID wrote it.
	DeleteComment(ctx context.Context, viewerID, id int64) (*Comment, error)
	// CommentByID returns a comment. ENOTFOUND.
	CommentByID(ctx context.Context, id int64) (*Comment, error)
	// Comments pages through an article's comments, oldest first.
	// With authors, each comment's Author is read in the same statement.
	Comments(ctx context.Context, articleID int64, args PageArgs, authors bool) (*Page[*Comment], error)
}
