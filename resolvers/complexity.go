package resolvers

import (
	"github.com/conduit-graphql/conduit/graph"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/models"
)

// Complexity weighs each connection by the page it asks for, so a nested
// `first: 100` inside `first: 100` counts as the 10,000 rows it may touch.
func Complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	page := func(child int, first *int) int {
		n := conduit.DefaultPageSize
		if first != nil && *first > 0 {
			n = min(*first, conduit.MaxPageSize)
		}
		return 1 + n*child
	}
	conn := func(child int, first *int, _ *string) int { return page(child, first) }
	c.User.Articles = conn
	c.User.FavoriteArticles = conn
	c.User.Followers = conn
	c.User.Following = conn
	c.Article.Comments = conn
	c.Query.Feed = conn
	c.Query.Articles = func(child int, first *int, _ *string, last *int, _ *string, _ *models.ArticleFilter) int {
		if last != nil {
			return page(child, last)
		}
		return page(child, first)
	}
	c.Query.PopularTags = func(child int, first *int) int { return page(child, first) }
	c.Query.Nodes = func(child int, ids []string) int { return 1 + len(ids)*child }
	return c
}
