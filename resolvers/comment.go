package resolvers

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/models"
)

// Author loads the authors of a list of comments in one batch, unless the
// page read them already.
func (r commentResolver) Author(ctx context.Context, objs []*conduit.Comment) ([]*conduit.User, error) {
	return authorsOf(ctx, objs, func(c *conduit.Comment) (int64, *conduit.User) { return c.AuthorID, c.Author })
}

// Article loads the articles of a list of comments in one batch.
func (r commentResolver) Article(ctx context.Context, objs []*conduit.Comment) ([]*conduit.Article, error) {
	ids := make([]int64, len(objs))
	for i, c := range objs {
		ids[i] = c.ArticleID
	}
	return loaders.For(ctx).ArticleByID().LoadAll(ctx, ids)
}

// AddComment adds the viewer's comment to an article.
func (r mutationResolver) AddComment(ctx context.Context, input models.AddCommentInput) (*models.AddCommentPayload, error) {
	viewer, articleID, err := viewerAndID(ctx, "articleId", models.TypeArticle, input.ArticleID)
	if err != nil {
		return nil, err
	}
	c, err := r.Comments.AddComment(ctx, viewer.ID, articleID, input.Body)
	if err != nil {
		return nil, err
	}
	loaders.For(ctx).ArticleByID().Clear(articleID)
	return &models.AddCommentPayload{Comment: c}, nil
}

// DeleteComment deletes one of the viewer's comments.
func (r mutationResolver) DeleteComment(ctx context.Context, input models.DeleteCommentInput) (*models.DeleteCommentPayload, error) {
	viewer, id, err := viewerAndID(ctx, "id", models.TypeComment, input.ID)
	if err != nil {
		return nil, err
	}
	c, err := r.Comments.DeleteComment(ctx, viewer.ID, id)
	if err != nil {
		return nil, err
	}
	loaders.For(ctx).ArticleByID().Clear(c.ArticleID)
	return &models.DeleteCommentPayload{DeletedCommentID: input.ID}, nil
}
