package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestRepeatedFieldsRefusedBeforeValidation: validating a field repeated
// thousands of times is quadratic, so a 110 KB document within the token
// limit cost seconds of CPU. It is now counted and refused before
// validation, with the default limits.
func TestRepeatedFieldsRefusedBeforeValidation(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	doc := "{ " + strings.Repeat("__typename ", 9990) + "}"
	require.Greater(t, len(doc), 100_000)
	for _, variant := range []string{doc, "# a new comment misses the query cache\n" + doc} {
		start := time.Now()
		resp := api.Post(t, "", variant, nil)
		elapsed := time.Since(start)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
		require.Contains(t, resp.Errors[0].Message, "9990 fields")
		require.Less(t, elapsed, 2*time.Second, "refused without validating (a generous bound, for the race detector)")
	}

	t.Run("ErrFieldsInFragments", func(t *testing.T) {
		// 4 spreads of a 300-field fragment: the document is small, what
		// it asks for is not.
		frag := "fragment F on User { " + strings.Repeat("username ", 300) + "}"
		resp := api.Post(t, "", `{ a: viewer { ...F } b: viewer { ...F } c: viewer { ...F } d: viewer { ...F } } `+frag, nil)
		require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
	})
	t.Run("ErrIntrospectionCosts", func(t *testing.T) {
		resp := api.Post(t, "", "{ "+strings.Repeat("__schema { description } ", 20)+"}", nil)
		require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
	})
	t.Run("UnderTheLimit", func(t *testing.T) {
		resp := api.Post(t, "", "{ "+strings.Repeat("__typename ", 950)+"}", nil)
		require.Empty(t, resp.Errors)
	})
	t.Run("ErrConfiguredLimit", func(t *testing.T) {
		cfg := apitest.Config()
		cfg.Limits.Fields = 5
		small := apitest.NewWith(t, testenv.SQLite(t), cfg)
		require.Empty(t, small.Post(t, "", `{ viewer { id username email bio } }`, nil).Errors)
		resp := small.Post(t, "", `{ viewer { id username email bio image } }`, nil)
		require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
		require.Contains(t, resp.Errors[0].Message, "limit of 5")
	})
}
