// Package loaders batches the reads of fields below lists: one set of
// dataloaders per GraphQL operation, so a page of N items costs a fixed
// number of queries, not N. It holds what the operation read, never who
// its viewer is: that is the domain's (conduit.IsViewer).
//
// They read through the domain's services, so the database and the cache
// stay behind those interfaces.
//
// Never imports: internal/store, internal/pubsub, internal/httpapi,
// resolvers, graph, models, github.com/uptrace/bun,
// github.com/redis/go-redis/v9.
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

// Factory makes a fresh set of loaders for each operation, and one set
// per event and viewer that the subscribers of that event share.
type Factory struct {
	svc  Services
	opts []dataloadgen.Option

	mu     sync.Mutex
	events map[eventKey]*eventLoaders
	swept  time.Time
	now    func() time.Time
}

// eventKey names the loaders of one delivered event for one viewer (0:
// anonymous).
type eventKey struct {
	delivery uint64
	viewerID int64
}

type eventLoaders struct {
	l    *Loaders
	made time.Time
}

// EventLoadersTTL is how long the loaders of one event are shared. The
// subscribers of an event resolve it within milliseconds of each other;
// one that comes later reads afresh.
const EventLoadersTTL = 5 * time.Second

// DefaultWait is how long a loader gathers keys before it queries. Batch
// resolvers hand over whole lists at once, so this only joins stray calls.
const DefaultWait = time.Millisecond

// NewFactory returns a Factory over the services.
func NewFactory(svc Services) *Factory {
	return &Factory{svc: svc, opts: []dataloadgen.Option{dataloadgen.WithWait(DefaultWait)}, events: map[eventKey]*eventLoaders{}, now: time.Now}
}

// ForEvent returns the loaders that every subscriber with viewerID shares
// for the event hub delivery number delivery (conduit.Event.Delivery): an
// event fanned out to N subscribers reads what they select once per
// distinct viewer, not N times. Their reads do not end with the
// subscriber that happened to start them.
func (f *Factory) ForEvent(delivery uint64, viewerID int64) *Loaders {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.swept) > EventLoadersTTL {
		for k, e := range f.events {
			if now.Sub(e.made) > EventLoadersTTL {
				delete(f.events, k)
			}
		}
		f.swept = now
	}
	k := eventKey{delivery, viewerID}
	if e := f.events[k]; e != nil && now.Sub(e.made) <= EventLoadersTTL {
		return e.l
	}
	l := &Loaders{f: f, viewerID: viewerID, shared: true}
	f.events[k] = &eventLoaders{l: l, made: now}
	return l
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

	mu    sync.Mutex
	users map[int64]bool // ids primed into UserByID
	reads map[any]*read  // Once

	// shared loaders serve many subscribers: their reads ignore the end
	// of the context that starts them.
	shared bool
}

// read is one Once call, which later callers wait for.
type read struct {
	done chan struct{}
	v    any
	err  error
}

// Once returns what fetch returns for key, fetched once for these loaders:
// the subscribers of one event share the read. Keys of different reads
// must differ in type or value.
func (l *Loaders) Once(ctx context.Context, key any, fetch func(context.Context) (any, error)) (any, error) {
	l.mu.Lock()
	if l.reads == nil {
		l.reads = map[any]*read{}
	}
	r := l.reads[key]
	if r == nil {
		r = &read{done: make(chan struct{})}
		l.reads[key] = r
		l.mu.Unlock()
		func() {
			defer close(r.done)
			r.v, r.err = fetch(l.readContext(ctx))
		}()
		return r.v, r.err
	}
	l.mu.Unlock()
	select {
	case <-r.done:
		return r.v, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type articleKey int64

// ArticleWithTags returns the article with its tags, as
// ArticleService.ArticleByID does, read once for these loaders (Once).
func (l *Loaders) ArticleWithTags(ctx context.Context, id int64) (*conduit.Article, error) {
	v, err := l.Once(ctx, articleKey(id), func(ctx context.Context) (any, error) { return l.f.svc.Articles.ArticleByID(ctx, id) })
	a, _ := v.(*conduit.Article)
	return a, err
}

// readContext is the context of a read: ctx, or for shared loaders ctx
// without its end.
func (l *Loaders) readContext(ctx context.Context) context.Context {
	if l.shared {
		return context.WithoutCancel(ctx)
	}
	return ctx
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
		fetch := newFetch(l)
		if l.shared {
			inner := fetch
			fetch = func(ctx context.Context, keys []int64) ([]V, []error) { return inner(l.readContext(ctx), keys) }
		}
		*p = dataloadgen.NewLoader(fetch, l.f.opts...)
	}
	return *p
}

type loadersKey struct{}

// With returns a context that carries the loaders.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// For returns the loaders of the operation that ctx belongs to; in a
// subscription's response, those of the event it resolves.
func For(ctx context.Context) *Loaders {
	if l := find(ctx); l != nil {
		return l
	}
	panic("loaders: none in the context")
}

// EventReads returns the reads that the subscribers of the event ctx
// resolves share (Once), or nil when ctx has no loaders: the payload of a
// subscription's event is shared through them (graph.EventReads).
func EventReads(ctx context.Context) interface {
	Once(ctx context.Context, key any, fetch func(context.Context) (any, error)) (any, error)
} {
	if l := find(ctx); l != nil {
		return l
	}
	return nil
}

func find(ctx context.Context) *Loaders {
	switch v := ctx.Value(loadersKey{}).(type) {
	case *turn:
		return v.cur.Load()
	case *Loaders:
		return v
	}
	return nil
}

// turn passes each event of one subscription, with the loaders shared for
// it, to the response that resolves it. The subscription's stream hands
// over an event's loaders (Handover) only once the response of the event
// before has ended, which the start of the next response tells
// (ForResponse); so a response reads the loaders of its own event, never
// those of the one after.
type turn struct {
	free      chan struct{} // holds a token while no event is being resolved
	cur       atomic.Pointer[Loaders]
	responses atomic.Int64 // started
}

type turnKey struct{}

// ForSubscription prepares the context of a subscription, before it
// starts, for the loaders its events share (Handover).
func (f *Factory) ForSubscription(ctx context.Context) context.Context {
	t := &turn{free: make(chan struct{}, 1)}
	t.free <- struct{}{}
	t.cur.Store(f.New(ctx)) // for a response before any event: none reads it
	return context.WithValue(ctx, turnKey{}, t)
}

// ForResponse returns the context of one response: with fresh loaders, or
// in a subscription (ForSubscription) with those of the event it resolves.
func (f *Factory) ForResponse(ctx context.Context) context.Context {
	t, ok := ctx.Value(turnKey{}).(*turn)
	if !ok {
		return With(ctx, f.New(ctx))
	}
	// Responses of a subscription come one after another: when one
	// starts, the one before has ended and the next event may be handed
	// over. The first event needs no such word: the token is there.
	if t.responses.Add(1) > 1 {
		select {
		case t.free <- struct{}{}:
		default:
		}
	}
	return context.WithValue(ctx, loadersKey{}, t)
}

// Handover waits until the response of the subscription's previous event
// has ended, then makes l the loaders of the event the caller sends next.
// It returns false when ctx ends first; a context without ForSubscription
// waits for nothing.
func Handover(ctx context.Context, l *Loaders) bool {
	t, ok := ctx.Value(turnKey{}).(*turn)
	if !ok {
		return true
	}
	select {
	case <-t.free:
		t.cur.Store(l)
		return true
	case <-ctx.Done():
		return false
	}
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
