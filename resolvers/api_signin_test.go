package resolvers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestSignInRateLimit checks that guessing passwords is slow: attempts are
// counted per client address and per e-mail address, before any hash runs.
func TestSignInRateLimit(t *testing.T) {
	cfg := apitest.Config()
	cfg.SignInLimit = auth.SignInLimit{PerIP: 4, PerEmail: 2}
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	api.MustSignUp(t, "guarded")
	signIn := func(ip, email string) apitest.Response {
		body, _ := json.Marshal(map[string]any{"query": apitest.SignInMutation, "variables": map[string]any{"e": email, "p": "password123"}})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = ip + ":4000"
		return api.Send(t, req)
	}
	t.Run("ErrPerEmail", func(t *testing.T) {
		require.Empty(t, signIn("198.51.100.1", "guarded@example.com").Errors)
		require.Empty(t, signIn("198.51.100.2", "GUARDED@example.com").Errors)
		resp := signIn("198.51.100.3", "guarded@example.com")
		require.Equal(t, "RATE_LIMITED", resp.Code(), "a third attempt within the minute, from anywhere")
		require.Regexp(t, `try again in (\d|[12]\d|30) s\.`, resp.Errors[0].Message, "2 a minute: one comes back within 30 s")
		require.JSONEq(t, `null`, string(resp.Data))
	})
	t.Run("ErrPerIP", func(t *testing.T) {
		for i := range 4 {
			require.Equal(t, "UNAUTHENTICATED", signIn("198.51.100.9", fmt.Sprintf("nobody%d@example.com", i)).Code())
		}
		require.Equal(t, "RATE_LIMITED", signIn("198.51.100.9", "nobody9@example.com").Code(), "a fifth attempt from one address")
		require.Equal(t, "UNAUTHENTICATED", signIn("198.51.100.10", "nobody9@example.com").Code(), "another address has its own budget")
	})
}
