package pubsub_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/pubsub"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// services are the store's services on a fresh SQLite database, with the
// article and comment writes publishing on hub.
type services struct {
	users    conduit.UserService
	articles conduit.ArticleService
	comments conduit.CommentService
}

func newServices(tb testing.TB, hub conduit.EventService, log *slog.Logger) services {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, testenv.SQLite(tb))
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, db.Close()) })
	require.NoError(tb, db.Migrate(ctx))
	return services{
		users:    store.NewUserService(db, &auth.Argon2{Memory: 64, Time: 1, Threads: 1}),
		articles: pubsub.NewArticleService(store.NewArticleService(db), hub, log),
		comments: pubsub.NewCommentService(store.NewCommentService(db), hub, log),
	}
}

func (s services) mustCreateUser(tb testing.TB, name string) *conduit.User {
	tb.Helper()
	u, err := s.users.CreateUser(context.Background(), conduit.NewUser{Username: name, Email: name + "@example.com", Password: "password123"})
	require.NoError(tb, err)
	return u
}

// requireNone fails if ch has an event within a short wait.
func requireNone(tb testing.TB, ch <-chan conduit.Event) {
	tb.Helper()
	select {
	case e := <-ch:
		require.FailNow(tb, "unexpected event", "%+v", e)
	case <-time.After(20 * time.Millisecond):
	}
}

// Each write that committed publishes one event, with ids only, on the
// topics that conduit.Topics names.
func TestPublish_OK(t *testing.T) {
	ctx := t.Context()
	hub := newMemory(t, 16)
	s := newServices(t, hub, nil)
	alice, bob := s.mustCreateUser(t, "alice"), s.mustCreateUser(t, "bob")
	feed := subscribe(t, ctx, hub, conduit.TopicArticles)

	a, err := s.articles.CreateArticle(ctx, alice.ID, conduit.NewArticle{Title: "T", Description: "D", Body: "B"})
	require.NoError(t, err)
	require.Equal(t, conduit.Event{Kind: conduit.EventArticleAdded, ArticleID: a.ID, AuthorID: alice.ID}, recv(t, feed))
	article := subscribe(t, ctx, hub, conduit.TopicArticle(a.ID))

	_, err = s.articles.UpdateArticle(ctx, alice.ID, a.ID, conduit.ArticleUpdate{Body: ptr("B2")})
	require.NoError(t, err)
	require.Equal(t, conduit.Event{Kind: conduit.EventArticleUpdated, ArticleID: a.ID}, recv(t, article))

	_, err = s.articles.FavoriteArticle(ctx, bob.ID, a.ID)
	require.NoError(t, err)
	require.Equal(t, conduit.Event{Kind: conduit.EventArticleUpdated, ArticleID: a.ID}, recv(t, article))
	_, err = s.articles.UnfavoriteArticle(ctx, bob.ID, a.ID)
	require.NoError(t, err)
	require.Equal(t, conduit.Event{Kind: conduit.EventArticleUpdated, ArticleID: a.ID}, recv(t, article))

	c, err := s.comments.AddComment(ctx, bob.ID, a.ID, "hi")
	require.NoError(t, err)
	want := conduit.Event{Kind: conduit.EventCommentAdded, ArticleID: a.ID, CommentID: c.ID, AuthorID: bob.ID}
	require.Equal(t, want, recv(t, article))
	_, err = s.comments.DeleteComment(ctx, bob.ID, c.ID)
	require.NoError(t, err)
	want.Kind = conduit.EventCommentDeleted
	require.Equal(t, want, recv(t, article))

	require.NoError(t, s.articles.DeleteArticle(ctx, alice.ID, a.ID))
	require.Equal(t, conduit.Event{Kind: conduit.EventArticleDeleted, ArticleID: a.ID}, recv(t, article))
	requireNone(t, feed)
	requireNone(t, article)
}

// A write that the service refused publishes nothing, and reads publish
// nothing either.
func TestPublish_ErrWrite(t *testing.T) {
	ctx := t.Context()
	hub := newMemory(t, 16)
	s := newServices(t, hub, nil)
	alice, bob := s.mustCreateUser(t, "alice"), s.mustCreateUser(t, "bob")
	a, err := s.articles.CreateArticle(ctx, alice.ID, conduit.NewArticle{Title: "T", Description: "D", Body: "B"})
	require.NoError(t, err)
	c, err := s.comments.AddComment(ctx, alice.ID, a.ID, "mine")
	require.NoError(t, err)
	feed := subscribe(t, ctx, hub, conduit.TopicArticles)
	article := subscribe(t, ctx, hub, conduit.TopicArticle(a.ID))
	missing := subscribe(t, ctx, hub, conduit.TopicArticle(a.ID+1000))

	for name, write := range map[string]func() error{
		"ErrInvalidArticle": func() error {
			_, err := s.articles.CreateArticle(ctx, alice.ID, conduit.NewArticle{})
			return err
		},
		"ErrNotAuthorUpdate": func() error {
			_, err := s.articles.UpdateArticle(ctx, bob.ID, a.ID, conduit.ArticleUpdate{Body: ptr("x")})
			return err
		},
		"ErrNotAuthorDelete": func() error { return s.articles.DeleteArticle(ctx, bob.ID, a.ID) },
		"ErrNotFoundDelete":  func() error { return s.articles.DeleteArticle(ctx, alice.ID, a.ID+1000) },
		"ErrNotFoundFavorite": func() error {
			_, err := s.articles.FavoriteArticle(ctx, bob.ID, a.ID+1000)
			return err
		},
		"ErrNotFoundUnfavorite": func() error {
			_, err := s.articles.UnfavoriteArticle(ctx, bob.ID, a.ID+1000)
			return err
		},
		"ErrNotFoundComment": func() error {
			_, err := s.comments.AddComment(ctx, bob.ID, a.ID+1000, "hi")
			return err
		},
		"ErrInvalidComment": func() error {
			_, err := s.comments.AddComment(ctx, bob.ID, a.ID, "")
			return err
		},
		"ErrNotAuthorComment": func() error {
			_, err := s.comments.DeleteComment(ctx, bob.ID, c.ID)
			return err
		},
		"Reads": func() error {
			if _, err := s.articles.ArticleByID(ctx, a.ID); err != nil {
				return err
			}
			_, err := s.comments.CommentByID(ctx, c.ID)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := write()
			if name == "Reads" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
			requireNone(t, feed)
			requireNone(t, article)
			requireNone(t, missing)
		})
	}
}

// A hub that cannot publish does not fail the write that committed; each
// failure is a debug line.
func TestPublish_HubFails(t *testing.T) {
	ctx := context.Background()
	hub := pubsub.NewMemory(pubsub.Options{})
	require.NoError(t, hub.Close())
	log := new(testenv.Buffer)
	s := newServices(t, hub, slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	alice := s.mustCreateUser(t, "alice")

	a, err := s.articles.CreateArticle(ctx, alice.ID, conduit.NewArticle{Title: "T", Description: "D", Body: "B"})
	require.NoError(t, err)
	require.NotZero(t, a.ID)
	require.Equal(t, 1, log.Count("publish event"))
}

func ptr[T any](v T) *T { return &v }
