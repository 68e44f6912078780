package main

import (
	"bufio"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/redcon"
	"github.com/tidwall/rtree"
)

// TestIntersectsAnswersAsTile38 asks a served engine over RESP, as the
// benchmark does, and checks the replies byte for byte.
func TestIntersectsAnswersAsTile38(t *testing.T) {
	var tree rtree.RTreeG[*unit]
	for _, u := range []struct{ id, outline string }{ // in order: a leaf lists its items as they came
		{"120101", `{"type":"MultiPolygon","coordinates":[[[[117,39],[117.2,39],[117.2,39.2],[117,39.2],[117,39]]]]}`},
		{"120101001", `{"type":"Polygon","coordinates":[[[117,39],[117.1,39],[117.1,39.1],[117,39.1],[117,39]]]}`},
		{"120102", `{"type":"Polygon","coordinates":[[[117.05,39.15],[117.3,39.15],[117.3,39.3],[117.05,39.15]]]}`},
	} {
		if err := add(&tree, u.id, u.outline); err != nil {
			t.Fatal(err)
		}
	}
	addr := serve(t, &tree)
	tests := []struct {
		name, command, reply string // reply: a RESP array as [..], its ids sorted
	}{
		{"inside two", "INTERSECTS units IDS POINT 39.05 117.05", "[0 [120101 120101001]]"},
		{"inside one", "INTERSECTS units IDS POINT 39.12 117.15", "[0 [120101]]"},
		{"on an edge", "INTERSECTS units IDS POINT 39.15 117.15", "[0 [120101 120102]]"},
		{"outside all", "INTERSECTS units IDS POINT 38 116", "[0 []]"},
		{"lower case", "intersects units ids point 39.12 117.15", "[0 [120101]]"},
		{"other key", "INTERSECTS fleet IDS POINT 39 117", "-ERR expected INTERSECTS units IDS POINT lat lon"},
		{"bad number", "INTERSECTS units IDS POINT 39,1 117", "-ERR invalid point"},
		{"too few", "INTERSECTS units IDS POINT 39", "-ERR expected INTERSECTS units IDS POINT lat lon"},
		{"ping", "PING", "+PONG"},
		{"unknown", "SET units a OBJECT {}", "-ERR unknown command 'SET'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ask(t, addr, tt.command); got != tt.reply {
				t.Errorf("%s: got %s, want %s", tt.command, got, tt.reply)
			}
		})
	}
}

// serve starts the engine on a free port and returns its address.
func serve(t *testing.T, tree *rtree.RTreeG[*unit]) string {
	t.Helper()
	srv := redcon.NewServer("127.0.0.1:0", handler(tree, "units"), nil, nil)
	started := make(chan error, 1)
	go srv.ListenServeAndSignal(started)
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr().String()
}

// ask sends one command as a RESP array and returns the reply as text.
func ask(t *testing.T, addr, command string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	args := strings.Fields(command)
	req := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		req += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	reply, err := readReply(bufio.NewReader(c))
	if err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	return reply
}

// readReply reads one RESP value as text: an array as [..], an array of
// strings sorted (an R-tree lists matches in no set order).
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '$':
		s, err := r.ReadString('\n')
		return strings.TrimSuffix(s, "\r\n"), err
	case '*':
		n, _ := strconv.Atoi(line[1:])
		elems := make([]string, n)
		for i := range elems {
			if elems[i], err = readReply(r); err != nil {
				return "", err
			}
		}
		if !slices.ContainsFunc(elems, func(e string) bool { return strings.HasPrefix(e, "[") }) {
			slices.Sort(elems) // the ids, not the [cursor, ids] pair
		}
		return "[" + strings.Join(elems, " ") + "]", nil
	case ':':
		return line[1:], nil
	}
	return line, nil
}
