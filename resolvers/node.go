package resolvers

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/models"
)

// MaxNodes is how many ids one nodes() call may ask for.
const MaxNodes = conduit.MaxPageSize

// Node fetches any object by its global id.
func (r queryResolver) Node(ctx context.Context, id string) (models.Node, error) {
	typ, n, err := models.ParseGlobalID("id", id)
	if err != nil {
		return nil, err
	}
	return r.node(ctx, typ, n)
}

// Nodes fetches objects by global id, null where there is none.
func (r queryResolver) Nodes(ctx context.Context, ids []string) ([]models.Node, error) {
	if len(ids) > MaxNodes {
		return nil, conduit.FieldError("ids", "At most %d ids.", MaxNodes)
	}
	type key struct {
		typ string
		id  int64
	}
	keys := make([]key, len(ids))
	for i, s := range ids {
		typ, n, err := models.ParseGlobalID("ids", s)
		if err != nil {
			return nil, err
		}
		keys[i] = key{typ, n}
	}
	// Start every load before waiting on any, so the loaders batch them.
	thunks := make([]func() (models.Node, error), len(keys))
	for i, k := range keys {
		thunks[i] = r.nodeThunk(ctx, k.typ, k.id)
	}
	out := make([]models.Node, len(keys))
	var articles []*conduit.Article
	var users []*conduit.User
	for i, th := range thunks {
		v, err := th()
		if err != nil {
			return nil, err
		}
		out[i] = v
		switch n := v.(type) {
		case *conduit.Article:
			articles = append(articles, n)
		case *conduit.User:
			users = append(users, n)
		}
	}
	// Read what is selected below the nodes for all of them, as pages do.
	r.prefetchArticles(ctx, ownFields(ctx, "Article"), conduit.ArticleParts{}, articles)
	r.prefetchUsers(ctx, ownFields(ctx, "User"), users)
	return out, nil
}

func (r queryResolver) node(ctx context.Context, typ string, id int64) (models.Node, error) {
	return r.nodeThunk(ctx, typ, id)()
}

// nodeThunk starts loading one object and returns how to wait for it. The
// result is an untyped nil when there is none, so the Node interface is null.
func (r queryResolver) nodeThunk(ctx context.Context, typ string, id int64) func() (models.Node, error) {
	l := loaders.For(ctx)
	switch typ {
	case models.TypeUser:
		return nodeOf(l.UserByID().LoadThunk(ctx, id))
	case models.TypeArticle:
		return nodeOf(l.ArticleByID().LoadThunk(ctx, id))
	case models.TypeComment:
		return func() (models.Node, error) {
			c, err := notFoundIsNil(r.Comments.CommentByID(ctx, id))
			return nodeOf(func() (*conduit.Comment, error) { return c, err })()
		}
	}
	return func() (models.Node, error) { return nil, nil }
}

func nodeOf[T any](th func() (*T, error)) func() (models.Node, error) {
	return func() (models.Node, error) {
		v, err := th()
		if err != nil || v == nil {
			return nil, err
		}
		return v, nil
	}
}
