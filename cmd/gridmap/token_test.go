package main

import (
	"bytes"
	"context"
	"errors"
	stdpng "image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

func TestTokenCommands(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	url := "--database-url=" + db.URL()

	var out, msg bytes.Buffer
	if err := tokenCreate(ctx, []string{url, "--role", "editor", "--scope", "120104001", "--name", "王工", "--expires", "30d"}, &out, &msg); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out.String())
	// A date is midnight in China, and is listed so whatever the machine's zone.
	day := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	var said bytes.Buffer
	if err := tokenCreate(ctx, []string{url, "--role", "viewer", "--name", "大屏", "--expires", day}, io.Discard, &said); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said.String(), "expires "+day+"T00:00:00+08:00") {
		t.Errorf("token create said %q; want the expiry in China time", said.String())
	}
	if !strings.HasPrefix(secret, access.TokenPrefix) || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("stdout %q: want the token alone on one line", out.String())
	}
	if strings.Contains(msg.String(), secret) {
		t.Error("the token is repeated on stderr")
	}
	if !strings.Contains(msg.String(), " in "+databaseLabel(db.URL())+":") {
		t.Errorf("token create said %q; want the database it wrote to named", msg.String())
	}
	tok, err := db.TokenByHash(ctx, access.HashToken(secret))
	if err != nil || tok.Name != "王工" || tok.Role != access.RoleEditor || tok.Scope != "120104001" ||
		tok.ExpiresAt.Sub(time.Now()) < 29*24*time.Hour {
		t.Fatalf("stored token %+v (%v)", tok, err)
	}

	var list bytes.Buffer
	if err := tokenList(ctx, []string{url}, &list); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list.String(), "王工") || !strings.Contains(list.String(), "active") || strings.Contains(list.String(), secret) ||
		!strings.Contains(list.String(), day+" 00:00") {
		t.Errorf("list:\n%s", list.String())
	}
	if err := tokenRevoke(ctx, []string{url, "--name", "王工"}, &msg); err != nil {
		t.Fatal(err)
	}
	if tok, _ = db.TokenByHash(ctx, access.HashToken(secret)); tok.Status(time.Now()) != "revoked" {
		t.Errorf("status after revoke: %s", tok.Status(time.Now()))
	}

	bad := [][]string{
		{url, "--role", "boss", "--name", "x"},
		{url, "--role", "viewer"},
		{url, "--role", "viewer", "--name", "x", "--scope", "12"},
		{url, "--role", "viewer", "--name", "x", "--expires", "yesterday"},
	}
	for _, args := range bad {
		if err := tokenCreate(ctx, args, &out, &msg); err == nil {
			t.Errorf("token create %v accepted", args[1:])
		}
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"90d", now.AddDate(0, 0, 90), true},
		{"12h", now.Add(12 * time.Hour), true},
		{"2027-01-31", time.Date(2027, 1, 30, 16, 0, 0, 0, time.UTC), true},
		{"2027-01-31T08:00:00+08:00", time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), true},
		{"0d", time.Time{}, false},
		{"-5h", time.Time{}, false},
		{"soon", time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseExpiry(c.in, now)
			if (err == nil) != c.ok || (c.ok && !got.Equal(c.want)) {
				t.Errorf("got %v %v, want %v", got, err, c.want)
			}
		})
	}
}

// TestTokenCreateQR: --qr prints a QR code of the enrolment link, which
// opens the app with the token in the fragment; --qr-png writes it for
// printing. Without a server address nothing is stored.
func TestTokenCreateQR(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	url := "--database-url=" + db.URL()
	png := filepath.Join(t.TempDir(), "王五.png")
	var out, msg bytes.Buffer
	err := tokenCreate(ctx, []string{url, "--role", "reporter", "--scope", "120104001001001", "--name", "王五",
		"--qr", "--qr-png", png, "--url", "http://192.168.1.10:8080/"}, &out, &msg)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out.String())
	link := "http://192.168.1.10:8080/m/#token=" + secret
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.String(), link+"\n") || !strings.Contains(msg.String(), q.ToSmallString(false)) {
		t.Errorf("stderr does not show the link and its QR code:\n%s", msg.String())
	}
	f, err := os.Open(png)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := stdpng.DecodeConfig(f); err != nil || cfg.Width != 512 {
		t.Errorf("the PNG: %+v, %v", cfg, err)
	}

	before, _ := db.ListTokens(ctx)
	for _, args := range [][]string{
		{url, "--role", "reporter", "--name", "赵六", "--qr"},
		{url, "--role", "reporter", "--name", "赵六", "--qr", "--url", "ftp://grid.example"},
		{url, "--role", "reporter", "--name", "赵六", "--qr-png", png, "--url", "grid.example"},
	} {
		var usage *usageError
		if err := tokenCreate(ctx, args, &out, &msg); !errors.As(err, &usage) {
			t.Errorf("token create %v: %v, want a usage error", args[1:], err)
		}
	}
	if after, _ := db.ListTokens(ctx); len(after) != len(before) {
		t.Errorf("a refused enrolment stored a token")
	}
}

// TestTokenCreateLinkWithoutQR: a reporter's token made with a server
// address gets its enrolment link without --qr (to send to the worker's
// phone); another role's does not.
func TestTokenCreateLinkWithoutQR(t *testing.T) {
	db := pgtest.Open(t)
	url := "--database-url=" + db.URL()
	for _, tt := range []struct {
		role     string
		wantLink bool
	}{{"reporter", true}, {"admin", false}, {"viewer", false}} {
		t.Run(tt.role, func(t *testing.T) {
			var out, msg bytes.Buffer
			args := []string{url, "--role", tt.role, "--name", "孙七 " + tt.role, "--url", "https://grid.example.gov.cn"}
			if err := tokenCreate(context.Background(), args, &out, &msg); err != nil {
				t.Fatal(err)
			}
			link := "https://grid.example.gov.cn/m/#token=" + strings.TrimSpace(out.String())
			if got := strings.Contains(msg.String(), link+"\n"); got != tt.wantLink {
				t.Errorf("stderr shows the link: %v, want %v:\n%s", got, tt.wantLink, msg.String())
			}
			if strings.Contains(msg.String(), "Scan with") {
				t.Errorf("a QR code without --qr:\n%s", msg.String())
			}
		})
	}
}

// TestTokenNameIsAPerson: a name a live token has for another role or scope
// is refused (it would open that person's own reports), unless
// --same-person says it is theirs, and so is one revoked tokens had; a
// re-issue (same role and scope) passes. A scope no unit has is warned
// about.
func TestTokenNameIsAPerson(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	url := "--database-url=" + db.URL()
	create := func(args ...string) (string, error) {
		var out, msg bytes.Buffer
		err := tokenCreate(ctx, append([]string{url, "--expires", "30d"}, args...), &out, &msg)
		return msg.String(), err
	}
	if _, err := create("--role", "reporter", "--scope", "120104001001001", "--name", "王伟"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		ok   bool
	}{
		{"another person's post", []string{"--role", "reporter", "--scope", "120110003021001", "--name", "王伟"}, false},
		{"another role", []string{"--role", "viewer", "--scope", "120104001001001", "--name", "王伟"}, false},
		{"a new phone (a re-issue)", []string{"--role", "reporter", "--scope", "120104001001001", "--name", "王伟"}, true},
		{"the same person's new post", []string{"--role", "reporter", "--scope", "120104001002001", "--name", "王伟", "--same-person"}, true},
		{"another name", []string{"--role", "reporter", "--scope", "120110003021001", "--name", "王伟·120110003021"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg, err := create(c.args...)
			var usage *usageError
			switch {
			case c.ok && err != nil:
				t.Errorf("refused: %v", err)
			case !c.ok && (!errors.As(err, &usage) || !strings.Contains(err.Error(), "--same-person")):
				t.Errorf("err %v (%s), want a usage error naming --same-person", err, msg)
			}
		})
	}
	if err := tokenRevoke(ctx, []string{url, "--name", "王伟"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	// A name is never freed (a review's finding): a new colleague given a
	// revoked worker's name would open the old worker's reports.
	if _, err := create("--role", "reporter", "--scope", "120110003022001", "--name", "王伟"); err == nil {
		t.Error("a revoked token's name given for another post")
	}
	if _, err := create("--role", "reporter", "--scope", "120104001001001", "--name", "王伟"); err != nil {
		t.Errorf("a re-issue after revocation: %v", err)
	}

	if msg, err := create("--role", "viewer", "--scope", "999999", "--name", "测试"); err != nil || !strings.Contains(msg, "no current unit has code 999999") {
		t.Errorf("a scope no unit has: %v, %q", err, msg)
	}
}

// TestTokenNameWithRecords: a name reports are filed under (the demo's, or
// imported ones), which no token had, is refused unless --same-person says
// they are the new holder's: the token would open them.
func TestTokenNameWithRecords(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	var reporter string
	if err := db.Pool.QueryRow(ctx, `SELECT reporter FROM report ORDER BY reporter LIMIT 1`).Scan(&reporter); err != nil {
		t.Fatal(err)
	}
	create := func(extra ...string) error {
		args := append([]string{"--database-url=" + db.URL(), "--expires", "30d", "--role", "reporter", "--scope", "120104001001001",
			"--name", reporter}, extra...)
		return tokenCreate(ctx, args, io.Discard, io.Discard)
	}
	if err := create(); err == nil || !strings.Contains(err.Error(), "recorded under") {
		t.Errorf("a name %q reports are filed under: %v, want a refusal naming the records", reporter, err)
	}
	if err := create("--same-person"); err != nil {
		t.Errorf("with --same-person: %v", err)
	}
}
