package jsontext

import (
	"testing"
	"unicode/utf8"
)

func TestLoneSurrogate(t *testing.T) {
	for _, tc := range []struct {
		json string
		lone bool
	}{
		{`{"name":"plain"}`, false},
		{`{"name":"网格"}`, false},
		{`{"name":"\u7f51\u683c"}`, false},
		{`{"name":"\ud83d\ude00"}`, false}, // a pair: 😀
		{`{"name":"\uD83D\uDE00 and \u00e9"}`, false},
		{`{"name":"ab\ud800cd"}`, true},
		{`{"name":"x\udbffy"}`, true},
		{`{"name":"x\udc00"}`, true},            // low alone
		{`{"name":"\ud800\u0041"}`, true},       // high, then not a low
		{`{"name":"\ud800\ud800\udc00"}`, true}, // high, then a pair
		{`{"name":"\ud800"}`, true},
		{`{"\ud800":"x"}`, true},      // in a member's name
		{`{"name":"\\ud800"}`, false}, // a backslash, then the letters u d 8 0 0
		{`{"name":"\\\ud800"}`, true},
		{`{"name":"\"\ud83d\ude00\""}`, false},
		{`{"name":"\u12"}`, false}, // malformed: the decoder says so
		{`"\ud800`, true},          // cut after the escape
		{`"\`, false},
	} {
		t.Run(tc.json, func(t *testing.T) {
			if got := LoneSurrogate([]byte(tc.json)); got != tc.lone {
				t.Errorf("LoneSurrogate = %v, want %v", got, tc.lone)
			}
		})
	}
}

func TestBadMember(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"a":"x","name":"\ud800"}`, "name"},
		{`{"properties":{"note":"\ud800"},"type":"Feature"}`, "note"}, // the innermost
		{`{"list":["\ud800"]}`, "list"},
		{`{"\ud800":"x"}`, ""}, // in a name: no member's value
		{`["\ud800"]`, ""},     // no object
		{`{"a":"x"}`, ""},
	} {
		t.Run(tc.json, func(t *testing.T) {
			if got := BadMember([]byte(tc.json), LoneSurrogate); got != tc.want {
				t.Errorf("BadMember = %q, want %q", got, tc.want)
			}
		})
	}
	if got := BadMember([]byte("{\"ok\":\"a\",\"bad\":\"\xff\"}"), func(b []byte) bool { return !utf8.Valid(b) }); got != "bad" {
		t.Errorf("invalid UTF-8 in %q", got)
	}
}

func FuzzLoneSurrogate(f *testing.F) {
	for _, s := range []string{`"\ud800"`, `"\ud83d\ude00"`, `"\\ud800"`, `"a\u00e9"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		LoneSurrogate(raw) // must not panic or loop
	})
}
