package tiles

import (
	"context"
	"sync"
)

// Tiles that cannot be cached (reports, density, patrols) are drawn from
// the database at every request that does not share an identical one's
// drawing, and a request with a filter of its own (since=, a random time)
// shares nothing. An attacker's anonymous loops of density tiles over
// 280,000 reports, each drawing seconds long, held every render slot, and
// the dashboards' boundary tiles waited 5–20 s behind them. So these
// drawings have slots of their own, fewer than the boundaries', and each
// client (its address, as the API's rate limits know it) has at most half
// of them under way at once: a client's own flood queues behind itself,
// and another client finds a slot free.

// freshSlots is how many uncached tiles are drawn at once, beside the
// renders slots of the cacheable ones: half as many, at least two.
func freshSlots(renders int) int { return max(2, renders/2) }

// freshPerClient is how many uncached drawings one client has under way at
// once, of slots: half of them, at least one. A map's dozen report tiles at
// street level draw in tens of milliseconds each, so one after another
// they still come in well under a second; identical requests share their
// drawings whatever their client (rounds.go, drawFresh).
func freshPerClient(slots int) int { return max(1, slots/2) }

// clientTurns bounds what each client has under way at once.
type clientTurns struct {
	mu      sync.Mutex
	limit   int
	clients map[string]*clientTurn
}

// clientTurn is one client's turns, and how many of its requests hold or
// wait for one (the entry goes when none does).
type clientTurn struct {
	turns chan struct{}
	users int
}

func newClientTurns(limit int) *clientTurns {
	return &clientTurns{limit: limit, clients: map[string]*clientTurn{}}
}

// wait returns once client holds a turn, with the function that gives it
// back, or ctx's error. A request without a client ("", a caller inside
// the process) waits for nothing.
func (ct *clientTurns) wait(ctx context.Context, client string) (release func(), err error) {
	if client == "" {
		return func() {}, nil
	}
	ct.mu.Lock()
	c := ct.clients[client]
	if c == nil {
		c = &clientTurn{turns: make(chan struct{}, ct.limit)}
		ct.clients[client] = c
	}
	c.users++
	ct.mu.Unlock()
	select {
	case c.turns <- struct{}{}:
		return func() { <-c.turns; ct.leave(client, c) }, nil
	case <-ctx.Done():
		ct.leave(client, c)
		return nil, ctx.Err()
	}
}

func (ct *clientTurns) leave(client string, c *clientTurn) {
	ct.mu.Lock()
	if c.users--; c.users == 0 {
		delete(ct.clients, client)
	}
	ct.mu.Unlock()
}
