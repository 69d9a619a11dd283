package conduit

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"How to Train Your Dragon":  "how-to-train-your-dragon",
		"  Go 1.26: what's new?! ":  "go-1-26-what-s-new",
		"日本語":                       "article",
		"Ünïcode  Çafé":             "n-code-af",
		strings.Repeat("abc ", 100): strings.TrimRight(strings.Repeat("abc-", 20), "-"),
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanTags(t *testing.T) {
	got := CleanTags([]string{" go ", "db", "go", "", "  ", "Go"})
	if want := []string{"go", "db", "Go"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("CleanTags = %q, want %q", got, want)
	}
}

func TestErrorCode(t *testing.T) {
	err := fmt.Errorf("create: %w", Errorf(EFORBIDDEN, "Not yours."))
	if ErrorCode(err) != EFORBIDDEN || ErrorMessage(err) != "Not yours." {
		t.Fatalf("wrapped error lost its code: %v", err)
	}
	if ErrorCode(errors.New("disk full")) != EINTERNAL || ErrorMessage(errors.New("secret detail")) == "secret detail" {
		t.Fatal("an unclassified error must be internal and hide its detail")
	}
}

func TestUserValidation(t *testing.T) {
	n := NewUser{Username: "ok_name", Email: "a@example.com", Password: "12345678"}
	if err := n.Validate(); err != nil {
		t.Fatalf("valid user refused: %v", err)
	}
	n = NewUser{Username: strings.Repeat("a", MaxUsernameLen+1), Email: "Name <a@example.com>", Password: strings.Repeat("p", MaxPasswordLen+1)}
	fields := ErrorFields(n.Validate())
	for _, f := range []string{"username", "email", "password"} {
		if len(fields[f]) == 0 {
			t.Errorf("no error for %s over its limit", f)
		}
	}
	bio := strings.Repeat("b", MaxBioLen+1)
	if ErrorFields((&UserUpdate{Bio: &bio}).Validate())["bio"] == nil {
		t.Error("bio over its limit accepted")
	}
}

func TestArticleValidation(t *testing.T) {
	long := strings.Repeat("t", MaxTitleLen+1)
	tags := make([]string, MaxTags+1)
	for i := range tags {
		tags[i] = fmt.Sprint("t", i)
	}
	n := NewArticle{Title: long, Description: " ", Body: strings.Repeat("b", MaxBodyLen+1), Tags: append(tags, strings.Repeat("x", MaxTagLen+1))}
	fields := ErrorFields(n.Validate())
	for _, f := range []string{"title", "description", "body", "tags"} {
		if len(fields[f]) == 0 {
			t.Errorf("no error for %s", f)
		}
	}
	if err := ValidateCommentBody(strings.Repeat("c", MaxCommentLen+1)); ErrorCode(err) != EINVALID {
		t.Error("comment over its limit accepted")
	}
}
