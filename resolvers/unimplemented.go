package resolvers

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Unimplemented answers every article and comment call with a "not
// implemented yet" error until the content services land; the README's
// status table lists the fields concerned.
type Unimplemented struct{}

var (
	_ conduit.ArticleService = Unimplemented{}
	_ conduit.CommentService = Unimplemented{}
)

func (Unimplemented) CreateArticle(context.Context, int64, conduit.NewArticle) (*conduit.Article, error) {
	return nil, errNotImplemented
}
func (Unimplemented) UpdateArticle(context.Context, int64, int64, conduit.ArticleUpdate) (*conduit.Article, error) {
	return nil, errNotImplemented
}
func (Unimplemented) DeleteArticle(context.Context, int64, int64) error { return errNotImplemented }
func (Unimplemented) ArticleByID(context.Context, int64) (*conduit.Article, error) {
	return nil, errNotImplemented
}
func (Unimplemented) ArticleBySlug(context.Context, string) (*conduit.Article, error) {
	return nil, errNotImplemented
}
func (Unimplemented) ArticlesByIDs(context.Context, []int64) ([]*conduit.Article, error) {
	return nil, errNotImplemented
}
func (Unimplemented) Articles(context.Context, conduit.ArticleFilter, conduit.PageArgs) (*conduit.Page[*conduit.Article], error) {
	return nil, errNotImplemented
}
func (Unimplemented) CountArticles(context.Context, conduit.ArticleFilter) (int, error) {
	return 0, errNotImplemented
}
func (Unimplemented) TagsOf(context.Context, []int64) ([][]string, error) {
	return nil, errNotImplemented
}
func (Unimplemented) PopularTags(context.Context, int) ([]*conduit.Tag, error) {
	return nil, errNotImplemented
}
func (Unimplemented) FavoriteArticle(context.Context, int64, int64) (*conduit.Article, error) {
	return nil, errNotImplemented
}
func (Unimplemented) UnfavoriteArticle(context.Context, int64, int64) (*conduit.Article, error) {
	return nil, errNotImplemented
}
func (Unimplemented) FavoritedAmong(context.Context, int64, []int64) ([]bool, error) {
	return nil, errNotImplemented
}
func (Unimplemented) AddComment(context.Context, int64, int64, string) (*conduit.Comment, error) {
	return nil, errNotImplemented
}
func (Unimplemented) DeleteComment(context.Context, int64, int64) (*conduit.Comment, error) {
	return nil, errNotImplemented
}
func (Unimplemented) CommentByID(context.Context, int64) (*conduit.Comment, error) {
	return nil, errNotImplemented
}
func (Unimplemented) Comments(context.Context, int64, conduit.PageArgs) (*conduit.Page[*conduit.Comment], error) {
	return nil, errNotImplemented
}
