package conduit

import "strings"

// MaxSlugBase is the longest part of a slug made from a title, before any
// suffix that keeps it unique.
const MaxSlugBase = 80

// Slugify makes the URL-friendly base of a slug from a title: lower-case
// ASCII letters and digits, words joined by single dashes. A title with no
// such character gives "article". A long title is cut at a word boundary.
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > MaxSlugBase {
		// Cut at a word boundary when there is one.
		s = s[:MaxSlugBase+1]
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			s = s[:i]
		} else {
			s = s[:MaxSlugBase]
		}
	}
	if s == "" {
		return "article"
	}
	return s
}
