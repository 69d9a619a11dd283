// Package norule states no import rule.
package norule
