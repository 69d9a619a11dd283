package resolvers

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/models"
)

// Tags loads, in one batch, the tags of the articles that came without them.
func (r articleResolver) Tags(ctx context.Context, objs []*conduit.Article) ([][]string, error) {
	out := make([][]string, len(objs))
	var missing []int64
	for i, a := range objs {
		if out[i] = a.Tags; out[i] == nil {
			missing = append(missing, a.ID)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	tags, err := loaders.For(ctx).ArticleTags().LoadAll(ctx, missing)
	if err != nil {
		return nil, err
	}
	for i, j := 0, 0; i < len(objs); i++ {
		if out[i] == nil {
			out[i], j = tags[j], j+1
		}
	}
	return out, nil
}

// Author loads the authors of a list of articles in one batch, unless the
// page read them already.
func (r articleResolver) Author(ctx context.Context, objs []*conduit.Article) ([]*conduit.User, error) {
	return authorsOf(ctx, objs, func(a *conduit.Article) (int64, *conduit.User) { return a.AuthorID, a.Author })
}

// authorsOf returns the authors of items: as read with them when every
// item has its author, else loaded in one batch.
func authorsOf[T any](ctx context.Context, items []T, author func(T) (int64, *conduit.User)) ([]*conduit.User, error) {
	out := make([]*conduit.User, len(items))
	ids := make([]int64, len(items))
	read := true
	for i, item := range items {
		ids[i], out[i] = author(item)
		read = read && out[i] != nil
	}
	if read {
		return out, nil
	}
	return loaders.For(ctx).UserByID().LoadAll(ctx, ids)
}

// ViewerHasFavorited says whether the viewer favorited the article, through
// the loader that pages prime (with what they read), for the whole list on
// a miss.
func (r articleResolver) ViewerHasFavorited(ctx context.Context, obj *conduit.Article) (bool, error) {
	l := loaders.For(ctx).ViewerHasFavorited()
	if list := listStart(ctx, obj); len(list) > 1 {
		ids := make([]int64, len(list))
		for i, a := range list {
			ids[i] = a.ID
		}
		_, _ = l.LoadAll(ctx, ids) // hits when primed; else one batch for all
	}
	return l.Load(ctx, obj.ID)
}

// Comments pages through the article's comments, oldest first.
func (r articleResolver) Comments(ctx context.Context, obj *conduit.Article, first *int, after *string) (*models.CommentConnection, error) {
	args, err := models.PageArgs(first, after, nil, nil)
	if err != nil {
		return nil, err
	}
	fields := itemFields(ctx, "Comment")
	_, authors := fields["author"]
	p, err := r.Resolver.Comments.Comments(ctx, obj.ID, args, authors)
	if err != nil {
		return nil, err
	}
	r.prefetchComments(ctx, fields, p.Items)
	total := obj.CommentsCount
	return models.NewConnection(p, func(context.Context) (int, error) { return total, nil }), nil
}

// CreateArticle publishes an article by the viewer.
func (r mutationResolver) CreateArticle(ctx context.Context, input models.CreateArticleInput) (*models.CreateArticlePayload, error) {
	viewer, err := conduit.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	a, err := r.Articles.CreateArticle(ctx, viewer.ID, conduit.NewArticle{
		Title: input.Title, Description: input.Description, Body: input.Body, Tags: input.Tags,
	})
	if err != nil {
		return nil, err
	}
	return &models.CreateArticlePayload{Article: primeArticle(ctx, a)}, nil
}

// UpdateArticle changes one of the viewer's articles.
func (r mutationResolver) UpdateArticle(ctx context.Context, input models.UpdateArticleInput) (*models.UpdateArticlePayload, error) {
	viewer, id, err := viewerAndID(ctx, "id", models.TypeArticle, input.ID)
	if err != nil {
		return nil, err
	}
	a, err := r.Articles.UpdateArticle(ctx, viewer.ID, id, conduit.ArticleUpdate{
		Title: input.Title, Description: input.Description, Body: input.Body, Tags: optionalList(input.Tags),
	})
	if err != nil {
		return nil, err
	}
	return &models.UpdateArticlePayload{Article: primeArticle(ctx, a)}, nil
}

// DeleteArticle deletes one of the viewer's articles.
func (r mutationResolver) DeleteArticle(ctx context.Context, input models.DeleteArticleInput) (*models.DeleteArticlePayload, error) {
	viewer, id, err := viewerAndID(ctx, "id", models.TypeArticle, input.ID)
	if err != nil {
		return nil, err
	}
	if err := r.Articles.DeleteArticle(ctx, viewer.ID, id); err != nil {
		return nil, err
	}
	loaders.For(ctx).ArticleByID().Clear(id)
	return &models.DeleteArticlePayload{DeletedArticleID: input.ID}, nil
}

// FavoriteArticle makes the viewer favorite an article.
func (r mutationResolver) FavoriteArticle(ctx context.Context, input models.FavoriteArticleInput) (*models.FavoriteArticlePayload, error) {
	a, err := r.changeFavorite(ctx, input.ArticleID, r.Articles.FavoriteArticle)
	if err != nil {
		return nil, err
	}
	return &models.FavoriteArticlePayload{Article: a}, nil
}

// UnfavoriteArticle removes the viewer's favorite.
func (r mutationResolver) UnfavoriteArticle(ctx context.Context, input models.UnfavoriteArticleInput) (*models.UnfavoriteArticlePayload, error) {
	a, err := r.changeFavorite(ctx, input.ArticleID, r.Articles.UnfavoriteArticle)
	if err != nil {
		return nil, err
	}
	return &models.UnfavoriteArticlePayload{Article: a}, nil
}

type favoriteChange func(ctx context.Context, userID, articleID int64) (*conduit.Article, error)

func (r mutationResolver) changeFavorite(ctx context.Context, articleID string, change favoriteChange) (*conduit.Article, error) {
	viewer, id, err := viewerAndID(ctx, "articleId", models.TypeArticle, articleID)
	if err != nil {
		return nil, err
	}
	a, err := change(ctx, viewer.ID, id)
	if err != nil {
		return nil, err
	}
	loaders.For(ctx).ViewerHasFavorited().Clear(id)
	return primeArticle(ctx, a), nil
}

// primeArticle makes the operation's later fields see a as it is now.
func primeArticle(ctx context.Context, a *conduit.Article) *conduit.Article {
	l := loaders.For(ctx).ArticleByID()
	l.Clear(a.ID)
	l.Prime(a.ID, a)
	return a
}

func optionalList(tags []string) *[]string {
	if tags == nil {
		return nil
	}
	return &tags
}
