package main

import (
	"slices"
	"testing"
)

func TestMigrationNames(t *testing.T) {
	out := "MIGRATION       STATE\n20250101000000  pending\n20250201000000  applied\n"
	if got := migrationNames(out); !slices.Equal(got, []string{"20250101000000", "20250201000000"}) {
		t.Errorf("migrationNames = %q", got)
	}
	if got := migrationNames("MIGRATION       STATE\n"); len(got) != 0 {
		t.Errorf("no migrations: %q", got)
	}
}
