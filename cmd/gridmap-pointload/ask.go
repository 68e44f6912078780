package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// askHTTP asks GET /v1/resolve on a kept-alive HTTP/1.1 connection and
// reads the answer by its Content-Length (gridmap sends one).
func askHTTP(host string) asker {
	var req []byte
	return func(w *bufio.Writer, r *bufio.Reader, lng, lat float64) (bool, error) {
		req = append(req[:0], "GET /v1/resolve?lng="...)
		req = strconv.AppendFloat(req, lng, 'f', 7, 64)
		req = append(req, "&lat="...)
		req = strconv.AppendFloat(req, lat, 'f', 7, 64)
		req = append(req, " HTTP/1.1\r\nHost: "...)
		req = append(req, host...)
		req = append(req, "\r\n\r\n"...)
		if err := send(w, req); err != nil {
			return false, err
		}
		return readHTTP(r)
	}
}

// readHTTP reads one answer; ok is its status being 200.
func readHTTP(r *bufio.Reader) (ok bool, err error) {
	status, err := r.ReadSlice('\n')
	if err != nil {
		return false, err
	}
	ok = bytes.HasPrefix(status, []byte("HTTP/1.1 200 "))
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return false, err
		}
		if len(line) <= 2 {
			break
		}
		if name, value, found := bytes.Cut(line, []byte(":")); found && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return false, fmt.Errorf("Content-Length %q: %w", value, err)
			}
		}
	}
	if length < 0 {
		return false, errors.New("an answer without Content-Length")
	}
	_, err = r.Discard(length)
	return ok, err
}

// askRESP asks INTERSECTS key IDS POINT lat lon (Tile38 takes the
// latitude first) and reads the whole reply.
func askRESP(key string) asker {
	var req, lat, lng []byte
	return func(w *bufio.Writer, r *bufio.Reader, x, y float64) (bool, error) {
		lat = strconv.AppendFloat(lat[:0], y, 'f', 7, 64)
		lng = strconv.AppendFloat(lng[:0], x, 'f', 7, 64)
		req = append(req[:0], "*6\r\n"...)
		for _, arg := range [][]byte{[]byte("INTERSECTS"), []byte(key), []byte("IDS"), []byte("POINT"), lat, lng} {
			req = append(req, '$')
			req = strconv.AppendInt(req, int64(len(arg)), 10)
			req = append(req, "\r\n"...)
			req = append(req, arg...)
			req = append(req, "\r\n"...)
		}
		if err := send(w, req); err != nil {
			return false, err
		}
		return readRESP(r)
	}
}

// readRESP reads one RESP value; ok is false for an error reply.
func readRESP(r *bufio.Reader) (ok bool, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return false, err
	}
	if len(line) < 3 {
		return false, fmt.Errorf("RESP line %q", line)
	}
	switch line[0] {
	case '+', ':':
		return true, nil
	case '-':
		return false, nil
	case '$':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil {
			return false, fmt.Errorf("RESP bulk length %q: %w", line, err)
		}
		if n < 0 {
			return true, nil // $-1: a null bulk string, not an error
		}
		_, err = r.Discard(n + 2)
		return true, err
	case '*':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil {
			return false, fmt.Errorf("RESP array length %q: %w", line, err)
		}
		ok = true
		for range n {
			elemOK, err := readRESP(r)
			if err != nil {
				return false, err
			}
			ok = ok && elemOK
		}
		return ok, nil
	}
	return false, fmt.Errorf("RESP reply of unknown type %q", line[0])
}

// send writes one request and flushes it: one request in flight.
func send(w *bufio.Writer, req []byte) error {
	if _, err := w.Write(req); err != nil {
		return err
	}
	return w.Flush()
}
