package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodePersistedQueryNotAllowed is the code of a document outside the
// allowlist in trusted-documents mode.
const CodePersistedQueryNotAllowed = "PERSISTED_QUERY_NOT_ALLOWED"

// TrustedDocuments is an allowlist of GraphQL documents by their SHA-256
// hash. With one configured, the server runs only those documents: a client
// sends the hash (extensions.persistedQuery.sha256Hash, as APQ clients do,
// or documentId) or the exact text of an allowed document.
type TrustedDocuments map[string]string

// LoadTrustedDocuments reads a manifest: a JSON object of hash → document,
// as GraphQL Code Generator's persisted documents and Apollo's persisted
// query manifests (converted) produce. Every hash is checked.
func LoadTrustedDocuments(path string) (TrustedDocuments, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	var docs TrustedDocuments
	if err := json.Unmarshal(b, &docs); err != nil {
		return nil, fmt.Errorf("trusted documents %s: want a JSON object of sha256 hash → document: %w", path, err)
	}
	for hash, doc := range docs {
		if got := sha256Hex(doc); got != strings.ToLower(hash) {
			return nil, fmt.Errorf("trusted documents %s: %q is not the sha256 of its document (%s)", path, hash, got)
		}
	}
	return docs, nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = TrustedDocuments{}

// ExtensionName names the extension.
func (TrustedDocuments) ExtensionName() string { return "TrustedDocuments" }

// Validate accepts any schema.
func (TrustedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters replaces a hash by its document and refuses
// any document that is not on the list.
func (t TrustedDocuments) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash := requestedHash(p.Extensions)
	switch {
	case hash != "":
		doc, ok := t[strings.ToLower(hash)]
		if !ok || p.Query != "" && p.Query != doc {
			return notAllowed()
		}
		p.Query = doc
	case p.Query != "":
		if _, ok := t[sha256Hex(p.Query)]; !ok {
			return notAllowed()
		}
	}
	return nil
}

// requestedHash reads the hash a client names: APQ's
// extensions.persistedQuery.sha256Hash, or a documentId ("sha256:<hex>" or
// plain hex) in the extensions.
func requestedHash(ext map[string]any) string {
	if pq, ok := ext["persistedQuery"].(map[string]any); ok {
		if h, ok := pq["sha256Hash"].(string); ok {
			return h
		}
	}
	if id, ok := ext["documentId"].(string); ok {
		return strings.TrimPrefix(id, "sha256:")
	}
	return ""
}

func notAllowed() *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "This server runs only trusted documents, and this one is not among them.",
		Extensions: map[string]any{"code": CodePersistedQueryNotAllowed},
	}
}
