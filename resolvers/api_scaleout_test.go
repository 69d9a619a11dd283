package resolvers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/pubsub"
	"github.com/conduit-graphql/conduit/internal/redisconn"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestScaleOut runs two instances of the service on one PostgreSQL database
// and one Redis, as a user who outgrew one machine would: a write through
// either instance leaves nothing stale in the shared cache, and a
// subscriber on one instance hears of a write made through the other.
func TestScaleOut(t *testing.T) {
	dsn, redisURL := testenv.Postgres(t), testenv.Redis(t)
	instance := func() *apitest.API {
		client, err := redisconn.New(redisURL)
		require.NoError(t, err)
		t.Cleanup(func() { client.Close() })
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		hub := pubsub.NewRedis(client, pubsub.Options{Logger: log})
		t.Cleanup(func() { hub.Close() })
		return apitest.NewWithDeps(t, dsn, apitest.Config(), cache.New(cache.NewRedis(client), cache.Options{Logger: log}), hub)
	}
	a, b := instance(), instance()

	ann := a.MustSignUp(t, "ann")
	bob := b.MustSignUp(t, "bob")
	art := a.MustCreateArticle(t, ann, "Shared Article", "one")
	const q = `query($id: ID!) { node(id: $id) { ... on Article { title favoritesCount author { username } } } }`
	type view struct {
		Node struct {
			Title          string
			FavoritesCount int
			Author         struct{ Username string }
		}
	}
	read := func(api *apitest.API) view {
		var v view
		api.Post(t, "", q, map[string]any{"id": art.ID}).Decode(t, &v)
		return v
	}
	read(a)
	require.Zero(t, a.Statements(func() { read(a) }), "instance a reads from the shared cache")
	require.Zero(t, b.Statements(func() { read(b) }), "so does instance b, warmed by a")

	t.Run("WritesThroughOneInstanceInvalidateForAll", func(t *testing.T) {
		b.Post(t, ann.Token, updateArticleMutation, map[string]any{"in": map[string]any{"id": art.ID, "title": "Renamed on B"}})
		require.Equal(t, "Renamed on B", read(a).Node.Title)
		a.Post(t, bob.Token, favoriteMutation, map[string]any{"id": art.ID})
		require.Equal(t, 1, read(b).Node.FavoritesCount)
		b.Post(t, ann.Token, updateViewerMutation, map[string]any{"in": map[string]any{"username": "annie"}})
		require.Equal(t, "annie", read(a).Node.Author.Username)
	})
	t.Run("SubscribersHearOtherInstances", func(t *testing.T) {
		srv := httptest.NewServer(a.Handler)
		defer srv.Close()
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
		c.Subscribe("1", `subscription($id: ID!) { commentAdded(articleId: $id) { body author { username } } }`, map[string]any{"id": art.ID})
		waitSubscribed(t, redisURL, "conduit:v2:events:article:"+strconv.FormatInt(apitest.MustParseID(t, art.ID), 10))
		b.MustAddComment(t, bob, art.ID, "written on b")
		var out struct {
			CommentAdded struct {
				Body   string
				Author struct{ Username string }
			}
		}
		c.Data("1", &out)
		require.Equal(t, "written on b", out.CommentAdded.Body)
		require.Equal(t, "bob", out.CommentAdded.Author.Username)
	})
}

// waitSubscribed waits until Redis has a subscriber on channel: Subscribe
// returns once SUBSCRIBE is sent, not when Redis has it.
func waitSubscribed(t *testing.T, redisURL, channel string) {
	t.Helper()
	client, err := redisconn.New(redisURL)
	require.NoError(t, err)
	defer client.Close()
	require.Eventually(t, func() bool {
		n, err := client.PubSubNumSub(context.Background(), channel).Result()
		return err == nil && n[channel] > 0
	}, 10*time.Second, 10*time.Millisecond, "no subscriber on %s", channel)
}
