package httpapi

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
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

// TrustedDocuments is an allowlist of GraphQL documents. With one
// configured, the server runs only those documents: a client names one by
// its id (extensions.persistedQuery.sha256Hash, as APQ clients do,
// documentId, or Relay's doc_id) or sends its exact text.
type TrustedDocuments struct {
	byID   map[string]string   // id → document
	byText map[string]struct{} // sha256 of each document
}

// Formats of a trusted-documents manifest.
const apolloManifestFormat = "apollo-persisted-query-manifest"

// LoadTrustedDocuments reads a manifest, in any of the forms that client
// builds write:
//
//   - a JSON object of id → document, where the id is the document's
//     sha256 (hex, or "sha256:<hex>" as GraphQL Code Generator's client
//     preset writes it), or its sha1 or md5 (Relay's persist output, and the
//     client preset with another hashAlgorithm); each id is checked;
//   - Apollo's persisted-query manifest (format
//     "apollo-persisted-query-manifest", version 1): each operation's id is
//     what clients send; an id of 64 hex digits must be its body's sha256.
func LoadTrustedDocuments(path string) (*TrustedDocuments, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	var head struct {
		Format     *string `json:"format"`
		Version    int     `json:"version"`
		Operations []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	if err := json.Unmarshal(b, &head); err == nil && head.Format != nil {
		if *head.Format != apolloManifestFormat || head.Version != 1 {
			return nil, fmt.Errorf("trusted documents %s: format %q version %d is not one this server reads (Apollo's is %q version 1)", path, *head.Format, head.Version, apolloManifestFormat)
		}
		t := newTrusted()
		for i, op := range head.Operations {
			if op.ID == "" || op.Body == "" {
				return nil, fmt.Errorf("trusted documents %s: operation %d has no id or no body", path, i)
			}
			id := op.ID
			if isHex(id, 64) {
				id = strings.ToLower(id)
				if got := sha256Hex(op.Body); got != id {
					return nil, fmt.Errorf("trusted documents %s: %q is not the sha256 of its body (%s)", path, op.ID, got)
				}
			}
			if err := t.add(id, op.Body); err != nil {
				return nil, fmt.Errorf("trusted documents %s: %w", path, err)
			}
		}
		return t, nil
	}
	var docs map[string]string
	if err := json.Unmarshal(b, &docs); err != nil {
		return nil, fmt.Errorf("trusted documents %s: want a JSON object of hash → document (GraphQL Code Generator, Relay) or an Apollo persisted-query manifest: %w", path, err)
	}
	t := newTrusted()
	for key, doc := range docs {
		id, err := checkedID(key, doc)
		if err != nil {
			return nil, fmt.Errorf("trusted documents %s: %w", path, err)
		}
		if err := t.add(id, doc); err != nil {
			return nil, fmt.Errorf("trusted documents %s: %w", path, err)
		}
	}
	return t, nil
}

// checkedID checks that key is the hash of doc, by the length of its hex
// digits, and returns the id clients send for it.
func checkedID(key, doc string) (string, error) {
	id := strings.ToLower(strings.TrimPrefix(key, "sha256:"))
	var got string
	switch {
	case isHex(id, 64):
		got = sha256Hex(doc)
	case isHex(id, 40) && !strings.HasPrefix(key, "sha256:"):
		sum := sha1.Sum([]byte(doc))
		got = hex.EncodeToString(sum[:])
	case isHex(id, 32) && !strings.HasPrefix(key, "sha256:"):
		sum := md5.Sum([]byte(doc))
		got = hex.EncodeToString(sum[:])
	default:
		return "", fmt.Errorf("%q is not the sha256 (nor the sha1 or md5) of its document, in hex", key)
	}
	if got != id {
		return "", fmt.Errorf("%q is not the sha256 (nor the sha1 or md5) of its document (%s)", key, got)
	}
	return id, nil
}

func newTrusted() *TrustedDocuments {
	return &TrustedDocuments{byID: map[string]string{}, byText: map[string]struct{}{}}
}

func (t *TrustedDocuments) add(id, doc string) error {
	if old, ok := t.byID[id]; ok && old != doc {
		return fmt.Errorf("id %q names two different documents", id)
	}
	t.byID[id] = doc
	t.byText[sha256Hex(doc)] = struct{}{}
	return nil
}

// Len is the number of ids.
func (t *TrustedDocuments) Len() int { return len(t.byID) }

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*TrustedDocuments)(nil)

// ExtensionName names the extension.
func (*TrustedDocuments) ExtensionName() string { return "TrustedDocuments" }

// Validate accepts any schema.
func (*TrustedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters replaces an id by its document and refuses
// any document that is not on the list.
func (t *TrustedDocuments) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	id := requestedID(p.Extensions)
	switch {
	case id != "":
		doc, ok := t.lookup(id)
		if !ok || p.Query != "" && p.Query != doc {
			return notAllowed()
		}
		p.Query = doc
	case p.Query != "":
		if _, ok := t.byText[sha256Hex(p.Query)]; !ok {
			return notAllowed()
		}
	}
	return nil
}

// lookup finds the document of an id as a client sends it: a hash with or
// without its "sha256:" prefix, in either case, or an Apollo manifest's id.
func (t *TrustedDocuments) lookup(id string) (string, bool) {
	if doc, ok := t.byID[id]; ok {
		return doc, true
	}
	doc, ok := t.byID[strings.ToLower(strings.TrimPrefix(id, "sha256:"))]
	return doc, ok
}

// requestedID reads the id a client names: APQ's
// extensions.persistedQuery.sha256Hash, or a documentId (Relay's doc_id
// included; readParams moves both into the extensions).
func requestedID(ext map[string]any) string {
	if pq, ok := ext["persistedQuery"].(map[string]any); ok {
		if h, ok := pq["sha256Hash"].(string); ok {
			return h
		}
	}
	if id, ok := ext["documentId"].(string); ok {
		return id
	}
	return ""
}

func notAllowed() *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "This server runs only trusted documents, and this one is not among them.",
		Extensions: map[string]any{"code": CodePersistedQueryNotAllowed},
	}
}
