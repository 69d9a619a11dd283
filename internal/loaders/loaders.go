// Package loaders batches the reads of fields below lists: one set of
// dataloaders per GraphQL operation, so a page of N items costs a fixed
// number of queries, not N.
package loaders

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Services are the reads the loaders batch.
type Services struct {
	Users    conduit.UserService
	Articles conduit.ArticleService
}

// Factory makes a fresh set of loaders for each operation.
type Factory struct {
	svc  Services
	opts []dataloadgen.Option
}

// DefaultWait is how long a loader gathers keys before it queries. Batch
// resolvers hand over whole lists at once, so this only joins stray calls.
const DefaultWait = time.Millisecond

// NewFactory returns a Factory over the services.
func NewFactory(svc Services) *Factory {
	return &Factory{svc: svc, opts: []dataloadgen.Option{dataloadgen.WithWait(DefaultWait)}}
}

// Loaders holds every loader of one operation. Viewer-dependent loaders are
// bound to the viewer of that operation, and nothing here outlives it. Each
// loader is made when the operation first uses it: most operations use one
// or two, and { __typename } none.
type Loaders struct {
	f        *Factory
	viewerID int64

	made               sync.Mutex
	userByID           *dataloadgen.Loader[int64, *conduit.User]
	viewerIsFollowing  *dataloadgen.Loader[int64, bool]
	articleByID        *dataloadgen.Loader[int64, *conduit.Article]
	articleTags        *dataloadgen.Loader[int64, []string]
	viewerHasFavorited *dataloadgen.Loader[int64, bool]

	signedIn atomic.Int64

	mu    sync.Mutex
	users map[int64]bool // ids primed into UserByID
}

// PrimeUser gives UserByID a user the operation already has.
func (l *Loaders) PrimeUser(u *conduit.User) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.users == nil {
		l.users = map[int64]bool{}
	}
	l.UserByID().Clear(u.ID)
	l.UserByID().Prime(u.ID, u)
	l.users[u.ID] = true
}

// UnknownUsers returns the ids, without repeats, of users not primed yet.
func (l *Loaders) UnknownUsers(ids []int64) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !l.users[id] && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// SignIn records that userID signed in during this operation (signUp,
// signIn), so the rest of the operation may show what only they may see.
func (l *Loaders) SignIn(userID int64) { l.signedIn.Store(userID) }

// IsViewer reports whether userID is the operation's viewer: the one the
// request's token names, or the one who signed in during it.
func (l *Loaders) IsViewer(ctx context.Context, userID int64) bool {
	return userID != 0 && (conduit.ViewerIDFromContext(ctx) == userID || l.signedIn.Load() == userID)
}

// New returns loaders for an operation run by the viewer in ctx.
func (f *Factory) New(ctx context.Context) *Loaders {
	return &Loaders{f: f, viewerID: conduit.ViewerIDFromContext(ctx)}
}

// UserByID loads users by id.
func (l *Loaders) UserByID() *dataloadgen.Loader[int64, *conduit.User] {
	return lazy(l, &l.userByID, func(l *Loaders) fetch[*conduit.User] { return listFetch(l.f.svc.Users.UsersByIDs) })
}

// ViewerIsFollowing loads whether the viewer follows users, by their ids.
func (l *Loaders) ViewerIsFollowing() *dataloadgen.Loader[int64, bool] {
	return lazy(l, &l.viewerIsFollowing, func(l *Loaders) fetch[bool] { return viewerFetch(l.viewerID, l.f.svc.Users.FollowingAmong) })
}

// ArticleByID loads articles (without tags) by id.
func (l *Loaders) ArticleByID() *dataloadgen.Loader[int64, *conduit.Article] {
	return lazy(l, &l.articleByID, func(l *Loaders) fetch[*conduit.Article] { return listFetch(l.f.svc.Articles.ArticlesByIDs) })
}

// ArticleTags loads articles' tags by article id.
func (l *Loaders) ArticleTags() *dataloadgen.Loader[int64, []string] {
	return lazy(l, &l.articleTags, func(l *Loaders) fetch[[]string] { return listFetch(l.f.svc.Articles.TagsOf) })
}

// ViewerHasFavorited loads whether the viewer favorited articles, by their ids.
func (l *Loaders) ViewerHasFavorited() *dataloadgen.Loader[int64, bool] {
	return lazy(l, &l.viewerHasFavorited, func(l *Loaders) fetch[bool] { return viewerFetch(l.viewerID, l.f.svc.Articles.FavoritedAmong) })
}

// fetch is a loader's batch function.
type fetch[V any] func(context.Context, []int64) ([]V, []error)

// lazy returns the loader in *p, made on first use with the batch function
// that newFetch returns (a function, so that nothing is built per call).
func lazy[V any](l *Loaders, p **dataloadgen.Loader[int64, V], newFetch func(*Loaders) fetch[V]) *dataloadgen.Loader[int64, V] {
	l.made.Lock()
	defer l.made.Unlock()
	if *p == nil {
		*p = dataloadgen.NewLoader(newFetch(l), l.f.opts...)
	}
	return *p
}

type loadersKey struct{}

// With returns a context that carries the loaders.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// For returns the loaders of the operation that ctx belongs to.
func For(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}

// listFetch adapts a service read that answers in key order.
func listFetch[V any](read func(context.Context, []int64) ([]V, error)) func(context.Context, []int64) ([]V, []error) {
	return func(ctx context.Context, keys []int64) ([]V, []error) {
		vals, err := read(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		return vals, nil
	}
}

// viewerFetch adapts a per-viewer read; an anonymous viewer needs no query.
func viewerFetch(viewerID int64, read func(context.Context, int64, []int64) ([]bool, error)) func(context.Context, []int64) ([]bool, []error) {
	return func(ctx context.Context, keys []int64) ([]bool, []error) {
		if viewerID == 0 {
			return make([]bool, len(keys)), nil
		}
		vals, err := read(ctx, viewerID, keys)
		if err != nil {
			return nil, []error{err}
		}
		return vals, nil
	}
}
