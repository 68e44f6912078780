package api

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestCSVTextIsNotAFormula (a review's finding): a name, code or id a
// spreadsheet would run (=HYPERLINK(…), +, -, @) is written with a leading
// ', which the spreadsheet shows as text; other text as it is. The field
// still reads back, through a CSV reader, as the text with the '.
func TestCSVTextIsNotAFormula(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example","点这里")`, `'=HYPERLINK("http://evil.example","点这里")`},
		{"+86 13900000000", "'+86 13900000000"},
		{"-1+1", "'-1+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"南开区", "南开区"},
		{"120104001001001", "120104001001001"},
		{"E-120104-1", "E-120104-1"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			line := append(appendCSV(nil, tc.in), '\n')
			rows, err := csv.NewReader(bytes.NewReader(line)).ReadAll()
			if err != nil || len(rows) != 1 || rows[0][0] != tc.want {
				t.Errorf("written %q, read back %q (%v); want %q", line, rows, err, tc.want)
			}
		})
	}
}
