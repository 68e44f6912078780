package main

import (
	"strings"
	"testing"
)

func TestDisplayWidth(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"reporter", 8},
		{"网格员乙", 8},
		{"测试网格员", 10},
		{"长虹街道（南开）", 16},
		{"e\u0301", 1}, // e and a combining acute
		{"", 0},
	} {
		t.Run(c.s, func(t *testing.T) {
			if got := displayWidth(c.s); got != c.want {
				t.Errorf("displayWidth(%q) = %d, want %d", c.s, got, c.want)
			}
		})
	}
}

// TestWriteTableAlignsChineseNames: the column after a Chinese name starts
// at the same terminal column on every line.
func TestWriteTableAlignsChineseNames(t *testing.T) {
	var b strings.Builder
	if err := writeTable(&b, [][]string{{"ID", "NAME", "ROLE"}, {"3", "测试网格员", "reporter"}, {"4", "网格员乙", "reporter"}, {"12", "GIS", "editor"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := -1
	for _, l := range lines {
		i := strings.LastIndexByte(l, ' ') + 1 // where ROLE's column starts, in bytes
		col := displayWidth(l[:i])
		if want < 0 {
			want = col
		}
		if col != want {
			t.Errorf("%q: the last column starts at %d, want %d\n%s", l, col, want, b.String())
		}
	}
}
