package api

import "testing"

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
		{`{"name":"\\ud800"}`, false}, // a backslash, then the letters u d 8 0 0
		{`{"name":"\\\ud800"}`, true},
		{`{"name":"\"\ud83d\ude00\""}`, false},
		{`{"name":"\u12"}`, false}, // malformed: the decoder says so
	} {
		t.Run(tc.json, func(t *testing.T) {
			if got := loneSurrogate([]byte(tc.json)); got != tc.lone {
				t.Errorf("loneSurrogate = %v, want %v", got, tc.lone)
			}
		})
	}
}

func FuzzLoneSurrogate(f *testing.F) {
	for _, s := range []string{`"\ud800"`, `"\ud83d\ude00"`, `"\\ud800"`, `"a\u00e9"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		loneSurrogate(raw) // must not panic or loop
	})
}
