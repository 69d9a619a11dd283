package main

import (
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	in := "Name:\tconduit\nVmHWM:\t   40960 kB\nVmRSS:\t   20480 kB\nRssAnon:\t    4096 kB\nRssFile:\t   16384 kB\nThreads:\t7\n"
	m, err := parseStatus(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.rss != 20<<20 || m.peak != 40<<20 || m.anon != 4<<20 || m.file != 16<<20 {
		t.Errorf("parseStatus = %+v, want 20 MiB, 40 MiB, 4 MiB and 16 MiB", m)
	}
}
