package api

import (
	"encoding/json"
	"testing"
)

func TestRefusalProblem(t *testing.T) {
	cases := []struct {
		status      int
		reason      string
		code, field string
	}{
		{431, "", "too_large", "headers"},
		{400, "missing required Host header", "invalid", "Host"},
		{400, "", "invalid", "request"},
		{501, "", "invalid", "Transfer-Encoding"},
		{505, "unsupported protocol version", "invalid", "protocol"},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			ct, body := RefusalProblem(c.status, c.reason)
			var p Problem
			if err := json.Unmarshal(body, &p); err != nil || ct != "application/problem+json" {
				t.Fatalf("%s %s: %v", ct, body, err)
			}
			if p.Status != c.status || p.Code != c.code || p.Field != c.field || p.Detail == "" || p.Title == "" {
				t.Errorf("problem %+v, want status %d, code %s, field %s", p, c.status, c.code, c.field)
			}
		})
	}
}
