package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// privateFields are the fields whose answer depends on who asks: the
// viewer, their feed, and what the viewer did or may see. A GET query that
// selects none of them and is sent without credentials is public: every
// anonymous client gets the same answer, which shared caches may keep.
// Add a field here when its answer depends on the viewer.
var privateFields = map[string]bool{
	"Query.viewer":               true,
	"Query.feed":                 true,
	"User.email":                 true,
	"User.viewerIsFollowing":     true,
	"Article.viewerHasFavorited": true,
}

// Cache-Control values of GET answers that are not public.
const cacheControlPrivate = "private, no-store"

// publicCacheControl is the Cache-Control value of public answers for
// maxAge ("" when public caching is off: a max-age under a second).
func publicCacheControl(maxAge time.Duration) string {
	if maxAge < time.Second {
		return ""
	}
	return "public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
}

// isPublic reports whether r's operation has the same answer for every
// anonymous client: r carries no credentials and selects no private field.
func isPublic(r *http.Request, op *ast.OperationDefinition) bool {
	return r.Header.Get("Authorization") == "" && op != nil && op.Operation == ast.Query && publicSelection(op.SelectionSet)
}

// publicSelection reports whether a selection set, fragments included,
// selects no private field. @skip and @include are not evaluated: a field
// that may be selected counts.
func publicSelection(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.ObjectDefinition != nil && privateFields[s.ObjectDefinition.Name+"."+s.Name] {
				return false
			}
			if !publicSelection(s.SelectionSet) {
				return false
			}
		case *ast.InlineFragment:
			if !publicSelection(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || !publicSelection(s.Definition.SelectionSet) {
				return false
			}
		}
	}
	return true
}

// writePublicResponse answers a public GET: with data and no errors, the
// answer gets Cache-Control and a strong ETag of its body, and a request
// whose If-None-Match names that ETag gets 304 without a body. An answer
// with errors may not be kept: it is private.
func writePublicResponse(w http.ResponseWriter, r *http.Request, cacheControl string, resp *graphql.Response) {
	h := w.Header()
	// What else decides the answer: credentials (none here, but a cache
	// must not give this answer to a request with them) and the media type.
	h.Add("Vary", "Authorization, Accept")
	if resp == nil || len(resp.Errors) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 || len(resp.Data) == 0 {
		h.Set("Cache-Control", cacheControlPrivate)
		writeResponse(w, http.StatusOK, resp)
		return
	}
	// The body, and its media type: each representation has its own tag.
	sum := sha256.New()
	sum.Write([]byte(h.Get("Content-Type")))
	sum.Write(dataPrefix)
	sum.Write(resp.Data)
	sum.Write(dataSuffix)
	var b [sha256.Size]byte
	etag := `"` + hex.EncodeToString(sum.Sum(b[:0])[:16]) + `"`
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", etag)
	if etagMatch(r.Header.Values("If-None-Match"), etag) {
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeResponse(w, http.StatusOK, resp)
}

// etagMatch reports whether If-None-Match values name etag, by the weak
// comparison that RFC 9110 prescribes for If-None-Match ("*" matches any).
func etagMatch(values []string, etag string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "*" || strings.TrimPrefix(part, "W/") == etag {
				return true
			}
		}
	}
	return false
}
