package resolvers

import (
	"context"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/models"
)

// Viewer is the signed-in user; null when anonymous, UNAUTHENTICATED when
// the request's token was refused.
func (r queryResolver) Viewer(ctx context.Context) (*conduit.User, error) {
	if err := conduit.AuthErrorFromContext(ctx); err != nil {
		return nil, err
	}
	return conduit.ViewerFromContext(ctx), nil
}

// User finds a user by username, and reads what is selected below it.
func (r queryResolver) User(ctx context.Context, username string) (*conduit.User, error) {
	u, err := notFoundIsNil(r.Users.UserByUsername(ctx, username))
	if u != nil {
		loaders.For(ctx).PrimeUser(u)
		r.prefetchUsers(ctx, ownFields(ctx, "User"), []*conduit.User{u})
	}
	return u, err
}

// Article finds an article by slug, and reads what is selected below it.
func (r queryResolver) Article(ctx context.Context, slug string) (*conduit.Article, error) {
	a, err := notFoundIsNil(r.Resolver.Articles.ArticleBySlug(ctx, slug))
	if a != nil {
		loaders.For(ctx).ArticleByID().Prime(a.ID, a)
		r.prefetchArticles(ctx, ownFields(ctx, "Article"), conduit.ArticleParts{}, []*conduit.Article{a})
	}
	return a, err
}

// Articles pages through all articles, newest first, optionally filtered.
func (r queryResolver) Articles(ctx context.Context, first *int, after *string, last *int, before *string, filter *models.ArticleFilter) (*models.ArticleConnection, error) {
	f, ok, err := r.articleFilter(ctx, filter)
	if err != nil || !ok {
		return emptyArticles(first, after, last, before, err)
	}
	return r.articleConnection(ctx, f, first, after, last, before)
}

// Feed pages through the articles of the authors the viewer follows.
func (r queryResolver) Feed(ctx context.Context, first *int, after *string) (*models.ArticleConnection, error) {
	viewer, err := conduit.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	return r.articleConnection(ctx, conduit.ArticleFilter{FeedOf: viewer.ID}, first, after, nil, nil)
}

// PopularTags lists the most used tags.
func (r queryResolver) PopularTags(ctx context.Context, first *int) ([]*conduit.Tag, error) {
	n := conduit.DefaultPageSize
	if first != nil {
		if *first < 1 || *first > conduit.MaxPageSize {
			return nil, conduit.FieldError("first", "first must be between 1 and %d.", conduit.MaxPageSize)
		}
		n = *first
	}
	return r.Resolver.Articles.PopularTags(ctx, n)
}

// articleFilter resolves the usernames of a filter; ok is false when one of
// them names nobody, so nothing can match.
func (r *Resolver) articleFilter(ctx context.Context, in *models.ArticleFilter) (f conduit.ArticleFilter, ok bool, err error) {
	if in == nil {
		return f, true, nil
	}
	if in.Tag != nil {
		f.Tag = *in.Tag
	}
	for _, c := range []struct {
		name *string
		id   *int64
	}{{in.Author, &f.AuthorID}, {in.FavoritedBy, &f.FavoritedByID}} {
		if c.name == nil {
			continue
		}
		u, err := notFoundIsNil(r.Users.UserByUsername(ctx, *c.name))
		if err != nil || u == nil {
			return f, false, err
		}
		*c.id = u.ID
	}
	return f, true, nil
}

func emptyArticles(first *int, after *string, last *int, before *string, err error) (*models.ArticleConnection, error) {
	if err != nil {
		return nil, err
	}
	if _, err := models.PageArgs(first, after, last, before); err != nil {
		return nil, err
	}
	return models.NewConnection(&conduit.Page[*conduit.Article]{}, nil), nil
}

// articleConnection pages through the articles that match f, reading with
// the page what the operation selects below its items.
func (r *Resolver) articleConnection(ctx context.Context, f conduit.ArticleFilter, first *int, after *string, last *int, before *string) (*models.ArticleConnection, error) {
	args, err := models.PageArgs(first, after, last, before)
	if err != nil {
		return nil, err
	}
	fields := itemFields(ctx, "Article")
	parts := articleParts(ctx, fields)
	p, err := r.Articles.Articles(ctx, f, args, parts)
	if err != nil {
		return nil, err
	}
	primeArticleParts(ctx, parts, p.Items)
	r.prefetchArticles(ctx, fields, parts, p.Items)
	return models.NewConnection(p, func(ctx context.Context) (int, error) { return r.Articles.CountArticles(ctx, f) }), nil
}

// articleParts says what to read of each article for the fields selected
// on a page's items: for a signed-in viewer, what they did too.
func articleParts(ctx context.Context, fields map[string][]ast.SelectionSet) conduit.ArticleParts {
	_, body := fields["body"]
	_, tags := fields["tags"]
	authorSets, author := fields["author"]
	_, favorited := fields["viewerHasFavorited"]
	return conduit.ArticleParts{Body: body, Tags: tags, Author: author,
		ViewerID:        conduit.ViewerIDFromContext(ctx),
		ViewerFavorited: favorited,
		ViewerFollows:   author && selects(ctx, authorSets, "User", "viewerIsFollowing"),
	}
}

// primeArticleParts gives the loaders what a page read with its articles:
// the authors, and what the viewer did.
func primeArticleParts(ctx context.Context, parts conduit.ArticleParts, articles []*conduit.Article) {
	l := loaders.For(ctx)
	for _, a := range articles {
		if a.Author != nil {
			l.PrimeUser(a.Author)
		}
		if a.Viewer == nil {
			continue
		}
		if parts.ViewerFavorited {
			l.ViewerHasFavorited().Prime(a.ID, a.Viewer.Favorited)
		}
		if parts.ViewerFollows {
			l.ViewerIsFollowing().Prime(a.AuthorID, a.Viewer.FollowsAuthor)
		}
	}
}
