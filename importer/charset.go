package importer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Attribute text in Chinese shapefiles is UTF-8 (QGIS, recent ArcGIS) or
// GBK (ArcGIS Desktop, SuperMap, older tools), often with no .cpg to say
// which. GBK is decoded as GB18030, its superset: the same bytes give the
// same characters, and the rare characters only GB18030 has come out right.

// charset decodes attribute bytes.
type charset struct {
	Name string            // canonical name: "UTF-8", "GB18030", ...
	enc  encoding.Encoding // nil for UTF-8
}

var utf8Charset = charset{Name: "UTF-8"}

// decode turns raw bytes into text. UTF-8 input must be valid; other
// encodings must decode without replacement characters.
func (c charset) decode(b []byte) (string, bool) {
	if c.enc == nil {
		return string(b), utf8.Valid(b)
	}
	s, err := c.enc.NewDecoder().Bytes(b)
	if err != nil {
		return "", false
	}
	return string(s), !strings.ContainsRune(string(s), utf8.RuneError)
}

// encode is decode's inverse, for the exporter.
func (c charset) encode(s string) ([]byte, bool) {
	if c.enc == nil {
		return []byte(s), true
	}
	b, err := c.enc.NewEncoder().Bytes([]byte(s))
	return b, err == nil
}

// lookupCharset accepts the names and code page numbers found in .cpg files
// and on the command line.
func lookupCharset(name string) (charset, bool) {
	raw := strings.ToLower(strings.TrimSpace(name))
	switch n := strings.TrimPrefix(raw, "cp"); n {
	case "utf-8", "utf8", "65001", "utf_8":
		return utf8Charset, true
	case "gbk", "936", "gb2312", "ms936", "windows-936", "euc-cn", "gb18030", "54936", "gb_2312-80":
		return charset{Name: "GB18030", enc: simplifiedchinese.GB18030}, true
	case "big5", "950":
		return charset{Name: "Big5", enc: traditionalchinese.Big5}, true
	case "88591", "8859_1", "iso-8859-1", "latin1", "1252", "windows-1252", "ansi 1252":
		return charset{Name: "Windows-1252", enc: charmap.Windows1252}, true
	}
	if e, err := htmlindex.Get(raw); err == nil {
		cname, _ := htmlindex.Name(e)
		if cname == "utf-8" {
			return utf8Charset, true
		}
		return charset{Name: strings.ToUpper(cname), enc: e}, true
	}
	return charset{}, false
}

// ldidCharset maps a dBase language driver id (byte 29 of the header) to a
// charset, for the ids that are reliable: Chinese tools set them.
func ldidCharset(id byte) (charset, bool) {
	switch id {
	case 0x4d, 0x7a: // 936 (GBK)
		c, _ := lookupCharset("gbk")
		return c, true
	case 0x4f, 0x78: // 950 (Big5)
		c, _ := lookupCharset("big5")
		return c, true
	}
	return charset{}, false
}

// detectCharset decides between UTF-8 and GB18030 from samples of attribute
// text (only the samples with bytes above 0x7f matter). Valid UTF-8 wins,
// unless its non-ASCII letters are not Chinese while the GB18030 reading
// is: short GBK strings can happen to be valid UTF-8 (é, ж, ...).
func detectCharset(samples [][]byte) (charset, bool) {
	gb, _ := lookupCharset("gb18030")
	allUTF8, utfHan, gbOK, gbHan := true, 0, true, 0
	for _, s := range samples {
		if utf8.Valid(s) {
			utfHan += hanRunes(string(s))
		} else {
			allUTF8 = false
		}
		if t, ok := gb.decode(s); ok {
			gbHan += hanRunes(t)
		} else {
			gbOK = false
		}
	}
	switch {
	case allUTF8 && (utfHan > 0 || !gbOK || gbHan == 0):
		return utf8Charset, true
	case gbOK:
		return gb, true
	}
	return charset{}, false
}

func hanRunes(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}
