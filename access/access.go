package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/gridmap-dev/gridmap/geo"
)

// Role is the kind of work a token is for.
type Role string

// The roles, from the most to the least powerful.
const (
	RoleAdmin    Role = "admin"    // everything, including tokens
	RoleEditor   Role = "editor"   // GIS staff: draw, import and retire boundaries
	RoleReporter Role = "reporter" // grid workers: submit reports, see and move their cases
	RoleViewer   Role = "viewer"   // dashboards: read only
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleEditor, RoleReporter, RoleViewer}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", geo.Invalid("role", "unknown role %q; want admin, editor, reporter or viewer", s)
}

// Permission is one kind of action a caller may take.
type Permission string

// The permissions.
const (
	PermRead           Permission = "read"            // boundaries, tiles, resolution, audit results
	PermEditBoundaries Permission = "edit_boundaries" // create, revise and retire units and enclaves; import files
	PermReport         Permission = "report"          // submit reports and patrols; see and move cases
	PermManageTokens   Permission = "manage_tokens"   // create, list and revoke tokens
)

// permissions says what each role may do. An editor does not report and a
// reporter does not draw: a leaked grid worker's token cannot redraw a street.
var permissions = map[Role][]Permission{
	RoleAdmin:    {PermRead, PermEditBoundaries, PermReport, PermManageTokens},
	RoleEditor:   {PermRead, PermEditBoundaries},
	RoleReporter: {PermRead, PermReport},
	RoleViewer:   {PermRead},
}

// Can reports whether the role grants p.
func (r Role) Can(p Permission) bool {
	for _, q := range permissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// Principal is an authenticated caller: who (Name, also the change-log
// actor), what (Role) and where (Scope).
type Principal struct {
	TokenID   int64
	Name      string
	Role      Role
	Scope     string // a unit code; "" means everywhere
	ExpiresAt time.Time
}

// Covers reports whether code lies within the principal's scope: the scope
// unit itself and its descendants, which share its code as a prefix. For an
// enclave, pass its managing code: an enclave belongs to whoever manages it,
// not to the unit whose land surrounds it.
func (p Principal) Covers(code string) bool {
	return p.Scope == "" || (code != "" && strings.HasPrefix(code, p.Scope))
}

// Authorize returns nil when the principal may take action perm on code
// ("" for actions not tied to a place), or an EFORBIDDEN error that says
// which rule refused.
func (p Principal) Authorize(perm Permission, code string) error {
	if !p.Role.Can(perm) {
		return geo.Errorf(geo.EFORBIDDEN, "", "a %s token may not %s", p.Role, permissionVerb[perm])
	}
	if code != "" && !p.Covers(code) {
		return geo.Errorf(geo.EFORBIDDEN, "code", "%q is outside this token's scope %s", code, p.Scope)
	}
	return nil
}

var permissionVerb = map[Permission]string{
	PermRead:           "read",
	PermEditBoundaries: "edit boundaries",
	PermReport:         "submit or move reports",
	PermManageTokens:   "manage tokens",
}

// Token is a stored access token. The secret itself is never stored or
// kept: only its SHA-256 (see HashToken).
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	Scope      string     `json:"scope,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// MaxTokenLifetime bounds expiry: a forgotten token must die eventually.
const MaxTokenLifetime = 5 * 366 * 24 * time.Hour

// MaxTokenName is the most characters of a token's name (the database's
// check says the same).
const MaxTokenName = 100

// Validate checks a token about to be created at now, its name first made
// what is stored (NormalizeTokenName). Tokens already stored are not
// checked again: one with a name these rules refuse keeps working.
func (t *Token) Validate(now time.Time) error {
	t.Name = NormalizeTokenName(t.Name)
	if err := validateTokenName(t.Name); err != nil {
		return err
	}
	if _, err := ParseRole(string(t.Role)); err != nil {
		return err
	}
	if t.Scope != "" {
		if _, err := geo.LevelOfCode(t.Scope); err != nil {
			return geo.Invalid("scope", "scope %q is not a unit code", t.Scope)
		}
	}
	switch {
	case !t.ExpiresAt.After(now):
		return geo.Invalid("expires", "the expiry must be in the future")
	case t.ExpiresAt.Sub(now) > MaxTokenLifetime:
		return geo.Invalid("expires", "a token may live at most 5 years")
	}
	return nil
}

// A token's name is a person: the actor of every change made with it, the
// reporter of its reports, and whom the separation of duties tells apart
// (casework/duties.go) by comparing names. So a name must read as what it
// is and be one string for one name: surrounding white space is dropped
// and the name is put in Unicode NFC (an "é" typed as e and a combining
// accent is the "é" typed as one character), and a name is refused when it
// is blank, not UTF-8 (the database refused it with its own message), holds
// a control character, or a format character: a bidirectional control
// (U+202E shows "\u202eadmin" as "nimda"; U+202A–U+202E, U+2066–U+2069,
// U+200E, U+200F, U+061C) or an invisible one (U+200B, U+2060, U+FEFF…),
// with which two names that print alike are two actors. The zero-width
// joiners (U+200C, U+200D), which some scripts and emoji need, and the tags
// of emoji flags are kept.

// NormalizeTokenName is a token name as it is stored: without surrounding
// white space, in Unicode NFC. Text that is not UTF-8 is left for
// Validate to refuse.
func NormalizeTokenName(s string) string {
	s = strings.TrimSpace(s)
	if utf8.ValidString(s) {
		s = norm.NFC.String(s)
	}
	return s
}

// SameTokenName reports whether two names are one person's: equal once
// normalised (NormalizeTokenName), so that a name stored before names were
// normalised is still recognised.
func SameTokenName(a, b string) bool { return NormalizeTokenName(a) == NormalizeTokenName(b) }

// validateTokenName checks a normalised name.
func validateTokenName(name string) error {
	if err := geo.ValidateName("name", name, MaxTokenName, true); err != nil {
		return err
	}
	i := strings.IndexFunc(name, hiddenFormat)
	if i < 0 {
		return nil
	}
	r, _ := utf8.DecodeRuneInString(name[i:])
	what := "an invisible formatting character"
	if unicode.Is(unicode.Bidi_Control, r) {
		what = "a bidirectional control character, which displays the text around it in another order"
	}
	return geo.Invalid("name", "name holds U+%04X, %s: a name must read as the person it names", r, what)
}

// hiddenFormat reports whether r is a format character (Unicode Cf: bidi
// controls, zero-width spaces, the BOM…) other than the zero-width
// joiners and the tags of emoji flags.
func hiddenFormat(r rune) bool {
	switch {
	case r == '\u200c', r == '\u200d', r >= 0xE0020 && r <= 0xE007F:
		return false
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r)
}

// Status is "active", "expired" or "revoked" at now.
func (t *Token) Status(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case !now.Before(t.ExpiresAt):
		return "expired"
	}
	return "active"
}

// Principal is the caller the token stands for.
func (t *Token) Principal() Principal {
	return Principal{TokenID: t.ID, Name: t.Name, Role: t.Role, Scope: t.Scope, ExpiresAt: t.ExpiresAt}
}

// TokenPrefix starts every secret, so that secret scanners and people can
// tell a gridmap token from other strings.
const TokenPrefix = "gm_"

// NewTokenSecret returns a new random secret (128 bits from crypto/rand)
// and the hash to store for it.
func NewTokenSecret() (secret string, hash [32]byte) {
	secret = TokenPrefix + rand.Text()
	return secret, HashToken(secret)
}

// HashToken is the stored form of a secret. A plain SHA-256 suffices (no
// salt, no slow hash): the secret is 128 random bits, not a password.
func HashToken(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// TokenStore keeps tokens. TokenByHash returns ENOTFOUND for an unknown
// hash (whatever its status: callers check expiry and revocation);
// RevokeToken returns ENOTFOUND for an unknown id.
type TokenStore interface {
	CreateToken(ctx context.Context, t Token, hash [32]byte) (Token, error)
	TokenByHash(ctx context.Context, hash [32]byte) (Token, error)
	TouchToken(ctx context.Context, id int64) error
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, id int64) (Token, error)
}
