package testenv

import (
	"errors"
	"fmt"
	"testing"
)

// outcome records how requireTool ended a test, without ending this one.
type outcome struct {
	testing.TB
	skipped, failed bool
}

func (o *outcome) Helper()               {}
func (o *outcome) Skipf(string, ...any)  { o.skipped = true }
func (o *outcome) Fatalf(string, ...any) { o.failed = true }

func TestRequireTool(t *testing.T) {
	errMissing := errors.New("no binaries")
	missing := fmt.Errorf("start: %w", errMissing)
	for _, tc := range []struct {
		name, ci        string
		err             error
		skipped, failed bool
	}{
		{"PresentOK", "true", nil, false, false},
		{"MissingSkipsOffCI", "", missing, true, false},
		{"MissingFailsInCI", "true", missing, false, true},
		{"BrokenFailsAnywhere", "", errors.New("initdb: exit status 1"), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			var o outcome
			requireTool(&o, "tool", tc.err, errMissing)
			if o.skipped != tc.skipped || o.failed != tc.failed {
				t.Fatalf("got skipped=%v failed=%v, want skipped=%v failed=%v", o.skipped, o.failed, tc.skipped, tc.failed)
			}
		})
	}
}
