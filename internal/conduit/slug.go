package conduit

import "strings"

// MaxSlugBase is the longest part of a slug made from a title, before any
// suffix that keeps it unique.
const MaxSlugBase = 80

// Slugify makes the URL-friendly base of a slug from a title: lower-case
// ASCII letters and digits, words joined by single dashes. A title with no
// such character gives "article".
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if b.Len() >= MaxSlugBase {
			break
		}
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
	s := strings.TrimRight(b.String(), "-")
	if s == "" {
		return "article"
	}
	return s
}
