package main

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/skip2/go-qrcode"

	"github.com/gridmap-dev/gridmap/access"
)

// Enrolment: a grid worker's phone gets its token from a QR code. The code
// holds a link to the app (/m/) with the token in the fragment (#token=…),
// which a browser never sends to a server, so it stays out of access logs
// and proxies; the app keeps it and drops it from the address bar.

// enrolment says how token create shows the link.
type enrolment struct {
	qr      bool   // print the QR code on the terminal
	png     string // write the QR code to this PNG file
	baseURL string // where phones reach the server
}

// wanted reports whether a link was asked for: a QR code, or a server
// address for a reporter's token (a grid worker's, the app's user), whose
// link then goes out without a code (to send to the worker's phone).
func (e enrolment) wanted(role access.Role) bool {
	return e.qr || e.png != "" || e.baseURL != "" && role == access.RoleReporter
}

// link is the enrolment link of secret.
func (e enrolment) link(secret string) (string, error) {
	u, err := url.Parse(strings.TrimRight(e.baseURL, "/"))
	switch {
	case e.baseURL == "":
		return "", usagef("--qr and --qr-png need --url (or GRIDMAP_PUBLIC_URL): the address phones reach the server at, e.g. https://grid.example.gov.cn")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		return "", usagef("--url %q: want the server's address, such as https://grid.example.gov.cn or http://192.168.1.10:8080", e.baseURL)
	}
	return u.String() + "/m/#token=" + url.QueryEscape(secret), nil
}

// show prints the link, and its QR code on w and in the PNG if asked.
func (e enrolment) show(w io.Writer, link string) error {
	if e.qr || e.png != "" {
		if err := e.showQR(w, link); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "Enrolment link (it holds the token; hand it to this worker only):\n%s\n", link)
	return nil
}

// showQR prints the link's QR code on w and writes the PNG, as asked.
func (e enrolment) showQR(w io.Writer, link string) error {
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("make the QR code: %w", err)
	}
	if e.png != "" {
		if err := writePrivate(q, e.png); err != nil {
			return fmt.Errorf("write %s: %w", e.png, err)
		}
		fmt.Fprintf(w, "The enrolment QR code is in %s.\n", e.png)
	}
	if e.qr {
		// Light modules as blocks: right for the usual dark terminal.
		fmt.Fprint(w, "Scan with the phone's camera to open the app signed in:\n\n"+q.ToSmallString(false)+"\n")
	}
	return nil
}

// writePrivate writes the QR code's PNG readable by its owner alone: it
// holds the token. A file already there is truncated and narrowed first
// (qrcode's WriteFile would leave it, or make it, readable by all).
func writePrivate(q *qrcode.QRCode, path string) error {
	png, err := q.PNG(512)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(png); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
