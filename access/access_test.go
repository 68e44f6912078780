package access

import (
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

func TestAuthorize(t *testing.T) {
	cases := []struct {
		name  string
		p     Principal
		perm  Permission
		code  string
		allow bool
	}{
		{"admin anywhere", Principal{Role: RoleAdmin}, PermEditBoundaries, "120104", true},
		{"editor edits", Principal{Role: RoleEditor}, PermEditBoundaries, "120104001", true},
		{"editor does not report", Principal{Role: RoleEditor}, PermReport, "", false},
		{"reporter reports", Principal{Role: RoleReporter}, PermReport, "120104001001001", true},
		{"reporter does not draw", Principal{Role: RoleReporter}, PermEditBoundaries, "", false},
		{"viewer reads", Principal{Role: RoleViewer}, PermRead, "", true},
		{"viewer does not write", Principal{Role: RoleViewer}, PermReport, "", false},
		{"only admins manage tokens", Principal{Role: RoleEditor}, PermManageTokens, "", false},
		{"scope covers itself", Principal{Role: RoleEditor, Scope: "120104001"}, PermEditBoundaries, "120104001", true},
		{"scope covers descendants", Principal{Role: RoleEditor, Scope: "120104001"}, PermEditBoundaries, "120104001002003", true},
		{"scope excludes siblings", Principal{Role: RoleEditor, Scope: "120104001"}, PermEditBoundaries, "120104002001", false},
		{"scope excludes ancestors", Principal{Role: RoleEditor, Scope: "120104001"}, PermEditBoundaries, "120104", false},
		{"scoped admin is scoped", Principal{Role: RoleAdmin, Scope: "120110"}, PermEditBoundaries, "120104", false},
		{"unknown role can do nothing", Principal{Role: "root"}, PermRead, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.Authorize(c.perm, c.code)
			if (err == nil) != c.allow {
				t.Fatalf("Authorize = %v, want allowed %v", err, c.allow)
			}
			if err != nil && geo.ErrorCodeOf(err) != geo.EFORBIDDEN {
				t.Errorf("code %s, want forbidden", geo.ErrorCodeOf(err))
			}
		})
	}
}

func TestTokenValidateAndStatus(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	ok := Token{Name: "王工", Role: RoleEditor, Scope: "120104001", ExpiresAt: now.Add(time.Hour)}
	cases := []struct {
		name  string
		edit  func(*Token)
		field string
	}{
		{"valid", func(*Token) {}, ""},
		{"no name", func(t *Token) { t.Name = "" }, "name"},
		{"control character in the name", func(t *Token) { t.Name = "a\nb" }, "name"},
		{"unknown role", func(t *Token) { t.Role = "boss" }, "role"},
		{"scope not a code", func(t *Token) { t.Scope = "12x" }, "scope"},
		{"already expired", func(t *Token) { t.ExpiresAt = now }, "expires"},
		{"too long", func(t *Token) { t.ExpiresAt = now.Add(MaxTokenLifetime + time.Hour) }, "expires"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := ok
			c.edit(&tok)
			err := tok.Validate(now)
			var field string
			if e, isErr := err.(*geo.Error); isErr {
				field = e.Field
			}
			if field != c.field || (err == nil) != (c.field == "") {
				t.Errorf("Validate = %v, want field %q", err, c.field)
			}
		})
	}
	revoked := now
	for want, tok := range map[string]Token{
		"active": ok, "expired": {ExpiresAt: now}, "revoked": {ExpiresAt: now.Add(time.Hour), RevokedAt: &revoked},
	} {
		if got := tok.Status(now); got != want {
			t.Errorf("status %s, want %s", got, want)
		}
	}
}

func TestTokenSecrets(t *testing.T) {
	a, ha := NewTokenSecret()
	b, hb := NewTokenSecret()
	if a == b || ha == hb || !strings.HasPrefix(a, TokenPrefix) || len(a) != len(TokenPrefix)+26 {
		t.Errorf("secrets %q %q", a, b)
	}
	if HashToken(a) != ha {
		t.Error("the stored hash does not match the secret")
	}
}
