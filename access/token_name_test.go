package access

import (
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestTokenNames: a token's name is the actor every change, report and
// step of the separation of duties is recorded under, so Validate refuses
// a name that is blank, not UTF-8 (the database refused it with its own
// message), holds a control character, or a bidirectional control (U+202E
// shows "\u202eadmin" as "nimda", and a name that prints as another's) or
// an invisible character; and it stores the name trimmed and in Unicode
// NFC, so that two spellings of one name are one actor.
func TestTokenNames(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   string
		want string // the name after Validate; "" : refused
		msg  string // in the refusal
	}{
		{"a Chinese name", "王工", "王工", ""},
		{"a name with an inner space", "王 工", "王 工", ""},
		{"surrounding spaces are trimmed", "  王工\u3000", "王工", ""},
		{"decomposed is composed (NFC)", "Jose\u0301", "José", ""},
		{"100 characters", strings.Repeat("王", 100), strings.Repeat("王", 100), ""},
		{"an emoji with a joiner", "网格员👩\u200d💻", "网格员👩\u200d💻", ""},
		{"empty", "", "", "required"},
		{"a single space", " ", "", "required"},
		{"only an ideographic space", "\u3000", "", "required"},
		{"101 characters", strings.Repeat("王", 101), "", "101 characters; the limit is 100"},
		{"invalid UTF-8", "\xff\xfe", "", "UTF-8"},
		{"a NUL", "a\x00b", "", "control characters"},
		{"a line break", "a\nb", "", "control characters"},
		{"right-to-left override", "\u202eadmin", "", "U+202E"},
		{"left-to-right embedding", "a\u202ab", "", "U+202A"},
		{"pop directional formatting", "a\u202cb", "", "U+202C"},
		{"right-to-left isolate", "a\u2067b", "", "U+2067"},
		{"pop directional isolate", "a\u2069b", "", "U+2069"},
		{"left-to-right mark", "\u200e王工", "", "U+200E"},
		{"right-to-left mark", "王工\u200f", "", "U+200F"},
		{"Arabic letter mark", "王\u061c工", "", "U+061C"},
		{"zero width space", "王\u200b工", "", "U+200B"},
		{"byte order mark", "\ufeff王工", "", "U+FEFF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := Token{Name: c.in, Role: RoleReporter, ExpiresAt: now.Add(time.Hour)}
			err := tok.Validate(now)
			if c.want != "" {
				if err != nil || tok.Name != c.want {
					t.Errorf("Validate = %v, name %q; want %q", err, tok.Name, c.want)
				}
				return
			}
			e, ok := err.(*geo.Error)
			if !ok || e.Field != "name" || e.Code != geo.EINVALID || !strings.Contains(e.Message, c.msg) {
				t.Errorf("Validate = %v, want an invalid name saying %q", err, c.msg)
			}
		})
	}
}
