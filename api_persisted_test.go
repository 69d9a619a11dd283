package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/httpapi"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

func hashOf(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// postParams sends a request body with extensions.
func (a *testAPI) postParams(t *testing.T, params map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(params)
	req := newGraphQLRequest(t, "")
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return a.send(t, req)
}

func TestAutomaticPersistedQueries(t *testing.T) {
	api := newTestAPI(t, testenv.SQLite(t))
	const doc = `{ viewer { username } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hashOf(doc)}}
	miss := api.postParams(t, map[string]any{"extensions": ext})
	require.Equal(t, http.StatusOK, miss.Status, "a miss is a step of the protocol, not a bad request")
	require.Equal(t, "PERSISTED_QUERY_NOT_FOUND", miss.code())
	first := api.postParams(t, map[string]any{"query": doc, "extensions": ext})
	require.Empty(t, first.Errors)
	hit := api.postParams(t, map[string]any{"extensions": ext})
	require.Empty(t, hit.Errors)
	require.JSONEq(t, `{"viewer": null}`, string(hit.Data))
}

func TestTrustedDocuments(t *testing.T) {
	const allowed = `query Viewer { viewer { username } }`
	manifest := filepath.Join(t.TempDir(), "documents.json")
	b, _ := json.Marshal(map[string]string{hashOf(allowed): allowed})
	require.NoError(t, os.WriteFile(manifest, b, 0o600))
	docs, err := httpapi.LoadTrustedDocuments(manifest)
	require.NoError(t, err)
	cfg := testConfig()
	cfg.Trusted = docs
	api := newTestAPIWith(t, testenv.SQLite(t), cfg)

	t.Run("ByHash", func(t *testing.T) {
		for _, ext := range []map[string]any{
			{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hashOf(allowed)}},
			{"documentId": "sha256:" + hashOf(allowed)},
		} {
			resp := api.postParams(t, map[string]any{"extensions": ext})
			require.Empty(t, resp.Errors)
			require.JSONEq(t, `{"viewer": null}`, string(resp.Data))
		}
		resp := api.postParams(t, map[string]any{"documentId": "sha256:" + hashOf(allowed)})
		require.Empty(t, resp.Errors, "documentId as a top-level parameter")
	})
	t.Run("ByText", func(t *testing.T) {
		require.Empty(t, api.post(t, "", allowed, nil).Errors)
	})
	t.Run("ErrNotAllowed", func(t *testing.T) {
		resp := api.post(t, "", `{ viewer { username email } }`, nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "PERSISTED_QUERY_NOT_ALLOWED", resp.code())
		resp = api.postParams(t, map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hashOf("{ other }")}}})
		require.Equal(t, "PERSISTED_QUERY_NOT_ALLOWED", resp.code())
	})
	t.Run("ErrBadManifest", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(bad, []byte(`{"abc": "{ viewer { id } }"}`), 0o600))
		_, err := httpapi.LoadTrustedDocuments(bad)
		require.ErrorContains(t, err, "not the sha256")
		err = run(t.Context(), []string{"serve", "--trusted-documents", bad}, func(string) string { return "" }, io.Discard, io.Discard)
		require.ErrorContains(t, err, "not the sha256", "the server refuses to start with a bad list")
	})
}
