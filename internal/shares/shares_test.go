package shares

import "testing"

func TestCounter(t *testing.T) {
	c := Counter{Max: 2}
	steps := []struct {
		name  string
		take  bool // take, else give
		owner string
		want  bool // for a take
		total int
	}{
		{"a's first", true, "a", true, 1},
		{"a's second", true, "a", true, 2},
		{"a's third: its share", true, "a", false, 2},
		{"b's first", true, "b", true, 3},
		{"a gives one back", false, "a", false, 2},
		{"a's again", true, "a", true, 3},
		{"c gives what it does not hold", false, "c", false, 3},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.take {
				if got := c.Take(s.owner); got != s.want {
					t.Errorf("Take(%q) = %v, want %v", s.owner, got, s.want)
				}
			} else {
				c.Give(s.owner)
			}
			if got := c.Total(); got != s.total {
				t.Errorf("Total() = %d, want %d", got, s.total)
			}
		})
	}
}
