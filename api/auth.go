package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// AuthConfig is the access policy. Writes always need a bearer token; reads
// (the /v1 GETs, tiles, /ogc) need one only when PublicReads is false.
type AuthConfig struct {
	PublicReads bool
	// WritesPerSecond and WriteBurst limit writes per token; AddrWritesPerSecond
	// and AddrWriteBurst per client address (which also pays for every
	// token lookup that misses the cache, so guessing tokens is throttled).
	// Zero rates disable a limit.
	WritesPerSecond     float64
	WriteBurst          int
	AddrWritesPerSecond float64
	AddrWriteBurst      int
	// CacheTTL is how long a looked-up token is trusted without asking the
	// database again; a revocation takes effect on every replica within it.
	// A token in use is read again in the background before its time runs
	// out (auth_cache.go). Expiry is checked on every request regardless.
	CacheTTL time.Duration
	// Now is the clock; nil means time.Now. It is called from many
	// goroutines at once.
	Now func() time.Time
}

// DefaultAuthConfig is the policy of a fresh installation.
var DefaultAuthConfig = AuthConfig{PublicReads: true, WritesPerSecond: 5, WriteBurst: 20,
	AddrWritesPerSecond: 20, AddrWriteBurst: 60, CacheTTL: 10 * time.Second}

// protectedPrefixes are the paths the policy applies to; everything else
// (health, metrics, the OpenAPI document, the dashboard's files) is public.
var protectedPrefixes = []string{"/v1/", "/tiles/", "/ogc/"}

// readPOSTs are POST routes that only read, so they follow the read policy.
// Every other non-GET route needs a token: a route added later is protected
// unless it is listed here.
var readPOSTs = map[string]bool{"/v1/resolve": true}

const principalKey = "gridmap.principal"

// recheckKey holds, for an event stream, a func that checks its token again.
const recheckKey = "gridmap.recheck"

// authenticator applies AuthConfig to every request.
type authenticator struct {
	cfg    AuthConfig
	tokens access.TokenStore
	perTok *limiters
	perIP  *limiters

	mu         sync.RWMutex
	cache      map[[32]byte]cachedToken // see auth_cache.go
	refreshing map[[32]byte]bool        // tokens being read again in the background
	reads      sync.WaitGroup           // the background reads under way

	readOnly   func() bool     // on a standby: record no token use
	background context.Context // ends the reads ahead (auth_cache.go) when the node stops
}

const maxCachedTokens = 10_000

func newAuthenticator(cfg AuthConfig, tokens access.TokenStore) *authenticator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &authenticator{cfg: cfg, tokens: tokens,
		perTok: newLimiters(cfg.WritesPerSecond, cfg.WriteBurst, 100_000),
		perIP:  newLimiters(cfg.AddrWritesPerSecond, cfg.AddrWriteBurst, 100_000),
		cache:  map[[32]byte]cachedToken{}, refreshing: map[[32]byte]bool{},
		background: context.Background()}
}

func protected(path string) bool {
	for _, p := range protectedPrefixes {
		if strings.HasPrefix(path, p) || path == strings.TrimSuffix(p, "/") {
			return true
		}
	}
	return false
}

func isWrite(c *gin.Context) bool {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	case http.MethodPost:
		return !readPOSTs[c.FullPath()]
	}
	return true
}

// middleware authenticates the caller, applies the read/write policy and the
// write rate limits, and leaves the caller in the context (see callerOf).
func (a *authenticator) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !protected(c.Request.URL.Path) || c.FullPath() == "" {
			// No route matched: the 404 or 405 that follows tells no more
			// than /openapi.json does, and a token would not change it.
			c.Next()
			return
		}
		now := a.cfg.Now()
		write := isWrite(c)
		if write {
			if ok, wait := a.perIP.allow(clientKey(c), now); !ok {
				tooMany(c, wait, "address")
				return
			}
		}
		secret, present, err := bearer(c.GetHeader("Authorization"))
		if !present && c.Request.URL.Path == eventsPath && c.Query("access_token") != "" {
			// EventSource cannot send headers: the event stream alone takes
			// the token in the URL (the access log records paths only).
			secret, present = c.Query("access_token"), true
		}
		if err != nil {
			unauthorized(c, "invalid_request", err.Error())
			return
		}
		if !present {
			if write || !a.cfg.PublicReads {
				unauthorized(c, "", "this request needs a bearer token (Authorization: Bearer …)")
				return
			}
			c.Next()
			return
		}
		if write && a.onStandby() {
			// The write is the primary's, and so is judging its token: this
			// node's copy may not hold one made a moment ago, and a lookup
			// here (which waits for the standby's replay) would only delay
			// the same answer.
			refuseReadOnly(c)
			return
		}
		p, err := a.principal(c, secret, now, !write)
		if err != nil {
			var ge *geo.Error
			if errors.As(err, &ge) && ge.Code == geo.EUNAUTHORIZED {
				refuseWith(c, "invalid_token", err)
				return
			}
			if errors.As(err, &ge) && ge.Code == geo.ERATELIMITED {
				tooMany(c, time.Second, "address")
				return
			}
			fail(c, err)
			return
		}
		c.Set(principalKey, p)
		if c.Request.URL.Path == eventsPath {
			// A stream outlives this check: it asks again as it runs.
			c.Set(recheckKey, func() error { _, err := a.principal(c, secret, a.cfg.Now(), false); return err })
		}
		if write {
			if ok, wait := a.perTok.allow(tokenKey(p), now); !ok {
				tooMany(c, wait, "token")
				return
			}
		}
		c.Next()
	}
}

// errUnknownToken is what principal returns for a secret no token has.
var errUnknownToken = refuseToken("unknown", "unknown token", nil)

// tokenRefusal is why a token was refused, told to the client beside the
// problem's English detail (Problem.Token).
type tokenRefusal struct {
	why       string
	expiredAt *time.Time
}

func (r *tokenRefusal) Error() string { return "token " + r.why }

// refuseToken is the 401 of a token refused for why.
func refuseToken(why, message string, expiredAt *time.Time) error {
	return &geo.Error{Code: geo.EUNAUTHORIZED, Message: message, Err: &tokenRefusal{why: why, expiredAt: expiredAt}}
}

// onStandby reports whether the node's database is a hot standby now.
func (a *authenticator) onStandby() bool { return a.readOnly != nil && a.readOnly() }

func tokenKey(p access.Principal) string { return strconv.FormatInt(p.TokenID, 10) }

// bearer extracts the secret of an "Authorization: Bearer" header. The
// secret is never put into an error message or a log.
func bearer(h string) (secret string, present bool, err error) {
	if h == "" {
		return "", false, nil
	}
	scheme, rest, _ := strings.Cut(h, " ")
	rest = strings.TrimSpace(rest)
	if !strings.EqualFold(scheme, "Bearer") || rest == "" {
		return "", true, errors.New("the Authorization header must be \"Bearer <token>\"")
	}
	return rest, true, nil
}

// principal looks the secret up (cache first) and checks that the token is
// neither revoked nor expired. A lookup that misses the cache on a read is
// charged to the client address like a write: guessing costs budget.
func (a *authenticator) principal(c *gin.Context, secret string, now time.Time, chargeMiss bool) (access.Principal, error) {
	hash := access.HashToken(secret)
	ct, fresh := a.cached(hash, now)
	if !fresh {
		if chargeMiss {
			if ok, _ := a.perIP.allow(clientKey(c), now); !ok {
				return access.Principal{}, geo.Errorf(geo.ERATELIMITED, "", "too many token lookups")
			}
		}
		if a.tokens == nil {
			return access.Principal{}, errUnknownToken
		}
		at := a.cfg.Now() // when the read began (see auth_cache.go)
		tok, err := a.tokens.TokenByHash(c.Request.Context(), hash)
		if geo.ErrorCodeOf(err) == geo.ENOTFOUND {
			return access.Principal{}, errUnknownToken
		}
		if err != nil {
			return access.Principal{}, err
		}
		ct = cachedToken{tok: tok, at: at}
		a.remember(hash, ct)
		a.touch(c.Request.Context(), tok.ID)
	}
	switch ct.tok.Status(now) {
	case "revoked":
		return access.Principal{}, refuseToken("revoked", "the token has been revoked", nil)
	case "expired":
		at := ct.tok.ExpiresAt.UTC()
		return access.Principal{}, refuseToken("expired", "the token expired at "+at.Format(time.RFC3339), &at)
	}
	return ct.tok.Principal(), nil
}

// cachedCaller returns the caller an Authorization header value names when
// the middleware would let it read without a lookup: a well-formed bearer
// token in the cache, fresh, neither revoked nor expired. Anything else (a
// miss, a stale entry, a malformed header, a refused token) is for the
// middleware to answer: ok is false.
func (a *authenticator) cachedCaller(header string, now time.Time) (p access.Principal, ok bool) {
	secret, present, err := bearer(header)
	if !present || err != nil {
		return access.Principal{}, false
	}
	ct, fresh := a.cached(access.HashToken(secret), now)
	if !fresh || ct.tok.Status(now) != "active" {
		return access.Principal{}, false
	}
	return ct.tok.Principal(), true
}

// touch records the use off the request path; about once per cache
// period per token and replica (at each read), and the store throttles
// further.
func (a *authenticator) touch(ctx context.Context, id int64) {
	if a.onStandby() {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := a.tokens.TouchToken(ctx, id); err != nil {
			slog.WarnContext(ctx, "could not record token use", "token_id", id, "err", err)
		}
	}()
}

// unauthorized answers 401 with the RFC 6750 challenge.
func unauthorized(c *gin.Context, code, detail string) {
	refuseWith(c, code, geo.Errorf(geo.EUNAUTHORIZED, "Authorization", "%s", detail))
}

// refuseWith answers a 401 for err (a geo.EUNAUTHORIZED, naming the
// Authorization header) with the challenge's error code.
func refuseWith(c *gin.Context, code string, err error) {
	challenge := `Bearer realm="gridmap"`
	if code != "" {
		challenge += `, error="` + code + `"`
	}
	c.Header("WWW-Authenticate", challenge)
	var ge *geo.Error
	if errors.As(err, &ge) && ge.Field == "" {
		named := *ge
		named.Field = "Authorization"
		err = &named
	}
	fail(c, err)
}

// callerOf returns the authenticated caller; ok is false for an anonymous
// (public) read.
func callerOf(c *gin.Context) (access.Principal, bool) {
	v, ok := c.Get(principalKey)
	if !ok {
		return access.Principal{}, false
	}
	p, ok := v.(access.Principal)
	return p, ok
}

// authorize returns nil when the caller may take perm on code ("" when the
// action is not tied to a place). Otherwise it returns the error to pass to
// fail — EUNAUTHORIZED for an anonymous caller, EFORBIDDEN for a role or
// scope that does not allow it — and sets the matching WWW-Authenticate
// challenge. Handlers of any resource (imports, reports) use it.
func authorize(c *gin.Context, perm access.Permission, code string) error {
	p, ok := callerOf(c)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="gridmap"`)
		return geo.Errorf(geo.EUNAUTHORIZED, "Authorization", "this request needs a bearer token (Authorization: Bearer …)")
	}
	if err := p.Authorize(perm, code); err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="gridmap", error="insufficient_scope"`)
		return err
	}
	return nil
}

// requireScope is authorize for the scope alone: it returns nil when the
// caller's scope covers code (an enclave's managing code, a report's
// responsible unit).
func requireScope(c *gin.Context, code string) error {
	return authorize(c, access.PermRead, code)
}

// permit is route middleware: it refuses, before any input is read, a
// caller whose role lacks perm. The scope is checked by the handler once it
// knows the code, and by the stores for geometry: a scoped caller's scope
// rides on the request's context (geo.WithEditScope; admins are exempt).
func permit(perm access.Permission) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := authorize(c, perm, ""); err != nil {
			fail(c, err)
			return
		}
		if p, _ := callerOf(c); p.Scope != "" && p.Role != access.RoleAdmin {
			c.Request = c.Request.WithContext(geo.WithEditScope(c.Request.Context(), p.Scope))
		}
		c.Next()
	}
}
