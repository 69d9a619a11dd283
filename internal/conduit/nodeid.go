package conduit

import (
	"encoding/base64"
	"strconv"
)

// Node types, as they appear inside global ids.
const (
	NodeUser    = "User"
	NodeArticle = "Article"
	NodeComment = "Comment"
)

// NodeID returns the opaque global id of a node of type typ:
// base64url("Type:id") without padding. Clients keep these ids, so the
// encoding never changes; models.ParseGlobalID reads them back. Every
// object of a page has one, so it is built on the stack and allocates
// only the string it returns.
func NodeID(typ string, id int64) string {
	var raw [40]byte
	b := append(raw[:0], typ...)
	b = append(b, ':')
	b = strconv.AppendInt(b, id, 10)
	var enc [56]byte
	n := base64.RawURLEncoding.EncodedLen(len(b))
	if n > len(enc) {
		return base64.RawURLEncoding.EncodeToString(b)
	}
	base64.RawURLEncoding.Encode(enc[:n], b)
	return string(enc[:n])
}

// NodeID is the user's global id, its GraphQL id.
func (u *User) NodeID() string { return NodeID(NodeUser, u.ID) }

// NodeID is the article's global id, its GraphQL id.
func (a *Article) NodeID() string { return NodeID(NodeArticle, a.ID) }

// NodeID is the comment's global id, its GraphQL id.
func (c *Comment) NodeID() string { return NodeID(NodeComment, c.ID) }
