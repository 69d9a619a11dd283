package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// TestRateLimitBeforeTokenCheck: a flood of made-up tokens from one
// address is refused by the address's budget before the token check, which
// reads the database, is asked about them; up to then each is counted as
// anonymous, as a request without a token is.
func TestRateLimitBeforeTokenCheck(t *testing.T) {
	var checks atomic.Int64
	h := newLimitedHandler(t, RateLimit{PerSecond: 0.01, Burst: 1}, func(ctx context.Context, authorization string) (context.Context, error) {
		checks.Add(1)
		if authorization == "" {
			return ctx, nil
		}
		err := conduit.Errorf(conduit.EUNAUTHENTICATED, "The token is not valid.")
		return conduit.NewContextWithAuthError(ctx, err), err
	})
	send := func(ip, authorization string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ ok }"}`))
		r.RemoteAddr = ip + ":1234"
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", authorization)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	// The address's signed-in budget is SignedInPerIP bursts; the first
	// refused token also takes the one anonymous token, so the others are
	// refused after their check, as anonymous requests over budget.
	require.Equal(t, http.StatusOK, send("198.51.100.1", "Bearer garbage").Code)
	for range SignedInPerIP - 1 {
		require.Equal(t, http.StatusTooManyRequests, send("198.51.100.1", "Bearer garbage").Code)
	}
	require.EqualValues(t, SignedInPerIP, checks.Load(), "within the address's budget every token is checked")

	w := send("198.51.100.1", "Bearer more-garbage")
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	require.Contains(t, w.Body.String(), `"RATE_LIMITED"`)
	require.NotEmpty(t, w.Header().Get("Retry-After"))
	require.EqualValues(t, SignedInPerIP, checks.Load(), "beyond it, refused before the token check")

	require.Equal(t, http.StatusOK, send("198.51.100.2", "Bearer garbage").Code, "another address has its own budget")
	require.EqualValues(t, SignedInPerIP+1, checks.Load())
}

// newLimitedHandler is New on a one-field schema ({ ok }) with the rate
// limit rl and authenticate as the token check.
func newLimitedHandler(t *testing.T, rl RateLimit, authenticate func(context.Context, string) (context.Context, error)) http.Handler {
	t.Helper()
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphqls", Input: "type Query { ok: Boolean }"})
	return New(Options{
		Schema: &graphql.ExecutableSchemaMock{
			SchemaFunc: func() *ast.Schema { return schema },
			ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
				return 0, false
			},
			ExecFunc: func(context.Context) graphql.ResponseHandler {
				return graphql.OneShot(&graphql.Response{Data: []byte(`{"ok":true}`)})
			},
		},
		Limits:         DefaultLimits,
		RateLimit:      rl,
		Authenticate:   authenticate,
		PerResponse:    func(ctx context.Context) context.Context { return ctx },
		ErrorPresenter: graphql.DefaultErrorPresenter,
		Recover:        graphql.DefaultRecover,
		Logger:         slog.New(slog.DiscardHandler),
	})
}
