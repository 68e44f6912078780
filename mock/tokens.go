package mock

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

var _ access.TokenStore = (*Tokens)(nil)

// Tokens is an in-memory access.TokenStore.
type Tokens struct {
	// Err, if set, is returned by every call.
	Err error

	mu      sync.Mutex
	byHash  map[[32]byte]access.Token
	touched []int64
}

// Issue stores a new token and returns its secret, for setting up a test.
func (s *Tokens) Issue(role access.Role, scope, name string, expires time.Time) string {
	secret, hash := access.NewTokenSecret()
	if _, err := s.create(access.Token{Name: name, Role: role, Scope: scope, CreatedBy: "test", ExpiresAt: expires}, hash); err != nil {
		panic(err)
	}
	return secret
}

// Touched returns the ids TouchToken was called with, in order.
func (s *Tokens) Touched() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.touched)
}

func (s *Tokens) create(t access.Token, hash [32]byte) (access.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byHash == nil {
		s.byHash = map[[32]byte]access.Token{}
	}
	if _, dup := s.byHash[hash]; dup {
		return access.Token{}, geo.Errorf(geo.ECONFLICT, "", "conflicts with a stored version")
	}
	t.ID, t.CreatedAt = int64(len(s.byHash)+1), now()
	s.byHash[hash] = t
	return t, nil
}

// CreateToken implements access.TokenStore.
func (s *Tokens) CreateToken(_ context.Context, t access.Token, hash [32]byte) (access.Token, error) {
	if s.Err != nil {
		return access.Token{}, s.Err
	}
	return s.create(t, hash)
}

// TokenByHash implements access.TokenStore.
func (s *Tokens) TokenByHash(_ context.Context, hash [32]byte) (access.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return access.Token{}, s.Err
	}
	t, ok := s.byHash[hash]
	if !ok {
		return access.Token{}, geo.Errorf(geo.ENOTFOUND, "", "unknown token")
	}
	return t, nil
}

// TouchToken implements access.TokenStore.
func (s *Tokens) TouchToken(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touched = append(s.touched, id)
	return s.Err
}

// ListTokens implements access.TokenStore: newest first.
func (s *Tokens) ListTokens(context.Context) ([]access.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return nil, s.Err
	}
	var out []access.Token
	for _, t := range s.byHash {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b access.Token) int { return int(b.ID - a.ID) })
	return out, nil
}

// RevokeToken implements access.TokenStore.
func (s *Tokens) RevokeToken(_ context.Context, id int64) (access.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return access.Token{}, s.Err
	}
	for h, t := range s.byHash {
		if t.ID == id {
			if t.RevokedAt == nil {
				at := now()
				t.RevokedAt = &at
				s.byHash[h] = t
			}
			return t, nil
		}
	}
	return access.Token{}, geo.Errorf(geo.ENOTFOUND, "id", "no token has id %d", id)
}
