package httpapi_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/httpapi"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

func hashOf(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// postParams sends a request body with extensions.
func postParams(t *testing.T, a *apitest.API, params map[string]any) apitest.Response {
	t.Helper()
	body, _ := json.Marshal(params)
	req := apitest.NewGraphQLRequest(t, "")
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return a.Send(t, req)
}

func TestAutomaticPersistedQueries(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	const doc = `{ viewer { username } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hashOf(doc)}}
	miss := postParams(t, api, map[string]any{"extensions": ext})
	require.Equal(t, http.StatusOK, miss.Status, "a miss is a step of the protocol, not a bad request")
	require.Equal(t, "PERSISTED_QUERY_NOT_FOUND", miss.Code())
	first := postParams(t, api, map[string]any{"query": doc, "extensions": ext})
	require.Empty(t, first.Errors)
	hit := postParams(t, api, map[string]any{"extensions": ext})
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
	cfg := apitest.Config()
	cfg.Trusted = docs
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)

	t.Run("ByHash", func(t *testing.T) {
		for _, ext := range []map[string]any{
			{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hashOf(allowed)}},
			{"documentId": "sha256:" + hashOf(allowed)},
		} {
			resp := postParams(t, api, map[string]any{"extensions": ext})
			require.Empty(t, resp.Errors)
			require.JSONEq(t, `{"viewer": null}`, string(resp.Data))
		}
		resp := postParams(t, api, map[string]any{"documentId": "sha256:" + hashOf(allowed)})
		require.Empty(t, resp.Errors, "documentId as a top-level parameter")
	})
	t.Run("ByText", func(t *testing.T) {
		require.Empty(t, api.Post(t, "", allowed, nil).Errors)
	})
	t.Run("ErrNotAllowed", func(t *testing.T) {
		resp := api.Post(t, "", `{ viewer { username email } }`, nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "PERSISTED_QUERY_NOT_ALLOWED", resp.Code())
		resp = postParams(t, api, map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hashOf("{ other }")}}})
		require.Equal(t, "PERSISTED_QUERY_NOT_ALLOWED", resp.Code())
	})
	t.Run("ErrBadManifest", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(bad, []byte(`{"abc": "{ viewer { id } }"}`), 0o600))
		_, err := httpapi.LoadTrustedDocuments(bad)
		require.ErrorContains(t, err, "not the sha256")
		// serve parses its configuration here before it opens anything.
		_, err = cli.ParseServe([]string{"--trusted-documents", bad}, func(string) string { return "" }, io.Discard)
		require.ErrorContains(t, err, "not the sha256", "the server refuses to start with a bad list")
	})
}

// TestTrustedDocumentFormats: the manifests that client builds write are
// loaded as they are, and each client's way of naming a document runs it.
func TestTrustedDocumentFormats(t *testing.T) {
	const doc = `query Viewer { viewer { username } }`
	md5Sum, sha1Sum := md5.Sum([]byte(doc)), sha1.Sum([]byte(doc))
	md5Hex, sha1Hex := hex.EncodeToString(md5Sum[:]), hex.EncodeToString(sha1Sum[:])
	write := func(t *testing.T, manifest any) string {
		path := filepath.Join(t.TempDir(), "manifest.json")
		b, err := json.Marshal(manifest)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, b, 0o600))
		return path
	}
	apollo := func(ops ...map[string]string) map[string]any {
		return map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops}
	}
	for _, tc := range []struct {
		name     string
		manifest any
		requests []map[string]any // each must run doc
	}{
		{"CodegenClientPreset", map[string]string{"sha256:" + hashOf(doc): doc}, []map[string]any{
			{"documentId": "sha256:" + hashOf(doc)},
			{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": "sha256:" + hashOf(doc)}}},
			{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hashOf(doc)}}},
			{"query": doc},
		}},
		{"CodegenSHA1", map[string]string{sha1Hex: doc}, []map[string]any{{"documentId": sha1Hex}, {"query": doc}}},
		{"Apollo", apollo(map[string]string{"id": hashOf(doc), "name": "Viewer", "type": "query", "body": doc}), []map[string]any{
			{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hashOf(doc)}}},
			{"query": doc},
		}},
		{"ApolloOwnIDs", apollo(map[string]string{"id": "Viewer-v1", "name": "Viewer", "type": "query", "body": doc}), []map[string]any{
			{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": "Viewer-v1"}}},
			{"query": doc},
		}},
		{"RelayMD5", map[string]string{md5Hex: doc}, []map[string]any{{"doc_id": md5Hex}, {"documentId": md5Hex}, {"query": doc}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := httpapi.LoadTrustedDocuments(write(t, tc.manifest))
			require.NoError(t, err)
			cfg := apitest.Config()
			cfg.Trusted = docs
			api := apitest.NewWith(t, testenv.SQLite(t), cfg)
			for _, params := range tc.requests {
				resp := postParams(t, api, params)
				require.Empty(t, resp.Errors, "%v", params)
				require.JSONEq(t, `{"viewer": null}`, string(resp.Data))
			}
			resp := api.Post(t, "", `{ viewer { username email } }`, nil)
			require.Equal(t, "PERSISTED_QUERY_NOT_ALLOWED", resp.Code(), "nothing else runs")
			resp = postParams(t, api, map[string]any{"documentId": "sha256:" + hashOf("{ viewer { id } }")})
			require.Equal(t, "PERSISTED_QUERY_NOT_ALLOWED", resp.Code())
		})
	}
	t.Run("RelayGET", func(t *testing.T) {
		docs, err := httpapi.LoadTrustedDocuments(write(t, map[string]string{md5Hex: doc}))
		require.NoError(t, err)
		cfg := apitest.Config()
		cfg.Trusted = docs
		api := apitest.NewWith(t, testenv.SQLite(t), cfg)
		req := httptest.NewRequest(http.MethodGet, "/graphql?doc_id="+md5Hex, nil)
		req.Header.Set("Accept", "application/graphql-response+json")
		resp := api.Send(t, req)
		require.Empty(t, resp.Errors)
		require.JSONEq(t, `{"viewer": null}`, string(resp.Data))
	})
	for name, tc := range map[string]struct {
		manifest any
		err      string
	}{
		"ErrApolloHash":     {apollo(map[string]string{"id": hashOf("{ other }"), "body": doc}), "is not the sha256 of its body"},
		"ErrApolloNoBody":   {apollo(map[string]string{"id": "x"}), "has no id or no body"},
		"ErrFormat":         {map[string]any{"format": "some-other-manifest", "version": 1}, `format "some-other-manifest" version 1 is not one this server reads`},
		"ErrApolloVersion":  {map[string]any{"format": "apollo-persisted-query-manifest", "version": 2}, "version 2 is not one"},
		"ErrMD5":            {map[string]string{md5Hex: doc + " "}, "is not the sha256 (nor the sha1 or md5) of its document"},
		"ErrSHA1":           {map[string]string{sha1Hex: "{ other }"}, "is not the sha256 (nor the sha1 or md5)"},
		"ErrPrefixedNot256": {map[string]string{"sha256:" + sha1Hex: doc}, "is not the sha256"},
		"ErrDuplicate":      {apollo(map[string]string{"id": "a", "body": doc}, map[string]string{"id": "a", "body": "{ other }"}), `id "a" names two different documents`},
		"ErrNotAnObject":    {[]string{doc}, "want a JSON object of hash → document"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := httpapi.LoadTrustedDocuments(write(t, tc.manifest))
			require.ErrorContains(t, err, tc.err)
		})
	}
}
