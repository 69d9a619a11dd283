package store

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
)

// seedText makes the words of seeded rows from one random stream.
type seedText struct {
	r *rand.Rand
}

func (t seedText) pick(list []string) string { return list[t.r.IntN(len(list))] }

// username is unique for a unique n.
func (t seedText) username(n int) string {
	return fmt.Sprintf("%s_%s%d", t.pick(seedAdjectives), t.pick(seedNouns), n)
}

// title is about topic.
func (t seedText) title(topic string) string {
	return capitalize(fmt.Sprintf(t.pick(seedTitleForms), t.pick(seedVerbs), topic,
		t.pick(seedAdjectives), t.pick(seedNouns), 3+t.r.IntN(10)))
}

// sentence is 5 to 16 words, capitalized, with a full stop.
func (t seedText) sentence() string {
	var b strings.Builder
	for i := range 5 + t.r.IntN(12) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.pick(seedSentenceWords))
	}
	b.WriteByte('.')
	return capitalize(b.String())
}

// paragraph is 2 to 6 sentences.
func (t seedText) paragraph() string {
	s := make([]string, 2+t.r.IntN(5))
	for i := range s {
		s[i] = t.sentence()
	}
	return strings.Join(s, " ")
}

// body is Markdown: 2 to 6 paragraphs, now and then a heading, a list or
// a code block.
func (t seedText) body(topic string) string {
	var b strings.Builder
	for i := range 2 + t.r.IntN(5) {
		if i > 0 {
			b.WriteString("\n\n")
		}
		switch t.r.IntN(8) {
		case 0:
			fmt.Fprintf(&b, "## %s and %s\n\n", capitalize(topic), t.pick(seedTopics))
		case 1:
			for range 2 + t.r.IntN(3) {
				fmt.Fprintf(&b, "- %s\n", t.sentence())
			}
			b.WriteByte('\n')
		case 2:
			fmt.Fprintf(&b, "```\n%s(%s)\n```\n\n", t.pick(seedVerbs), t.pick(seedNouns))
		}
		b.WriteString(t.paragraph())
	}
	return b.String()
}

// comment is 1 to 3 sentences.
func (t seedText) comment() string {
	s := make([]string, 1+t.r.IntN(3))
	for i := range s {
		s[i] = t.sentence()
	}
	return strings.Join(s, " ")
}

func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}
