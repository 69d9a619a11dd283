// Package models holds the GraphQL wire types: the inputs, payloads and
// connections that gqlgen generates or binds, opaque global ids and cursors,
// and the DateTime scalar.
//
// Wire types are the schema's and the domain's: nothing of storage or of
// transport.
//
// Imports only: standard library, internal/conduit,
// github.com/99designs/gqlgen/graphql.
package models

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Node types, as they appear inside global ids.
const (
	TypeUser    = conduit.NodeUser
	TypeArticle = conduit.NodeArticle
	TypeComment = conduit.NodeComment
)

// Node is any object with a global id; gqlgen resolves its concrete type.
type Node any

// GlobalID returns the opaque id of an object: base64("Type:id")
// (conduit.NodeID).
func GlobalID(typ string, id int64) string { return conduit.NodeID(typ, id) }

// ParseGlobalID reads any global id. EINVALID, naming field, when it is malformed.
func ParseGlobalID(field, s string) (typ string, id int64, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return "", 0, conduit.FieldError(field, "%q is not a valid id.", s)
	}
	typ, num, ok := strings.Cut(string(raw), ":")
	id, perr := strconv.ParseInt(num, 10, 64)
	if !ok || perr != nil || id <= 0 || typ == "" {
		return "", 0, conduit.FieldError(field, "%q is not a valid id.", s)
	}
	return typ, id, nil
}

// ParseID reads a global id that must be of type typ. EINVALID, naming field,
// when it is malformed or of another type.
func ParseID(field, typ, s string) (int64, error) {
	got, id, err := ParseGlobalID(field, s)
	if err != nil {
		return 0, err
	} else if got != typ {
		return 0, conduit.FieldError(field, "%q is not the id of a %s.", s, typ)
	}
	return id, nil
}
