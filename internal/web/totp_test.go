package web

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/skip2/go-qrcode"

	"shilu/internal/evidence"
)

// X-SEC-1: the TOTP enrolment shows the otpauth:// URI as a QR code made on
// the server (a PNG in a data: URL, no outside service), keeps the secret as
// text beside it, and lets no cache keep either. No QR decoder is at hand,
// so the image is read module by module and compared with the symbol the
// library makes of the URI (whose own tests decode its symbols): the image
// encodes the URI exactly when the two agree.
func TestTOTPSetupQRCode(t *testing.T) {
	e := newPeopleEnv(t)
	e.addUser("admin", evidence.RoleSysAdmin, goodPassword, false)
	_, s := e.login("admin", goodPassword, "")
	a := e.do("POST", "/api/v1/totp/setup", s, "")
	if a.code != http.StatusOK {
		t.Fatalf("setup: %d %s", a.code, a.body)
	}
	if cc := a.hdr.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var setup struct{ Secret, URI, QR string }
	a.decode(t, &setup)
	b64, ok := strings.CutPrefix(setup.QR, "data:image/png;base64,")
	if !ok || setup.Secret == "" || !strings.HasPrefix(setup.URI, "otpauth://totp/") {
		t.Fatalf("setup answer %.120s: want secret, otpauth URI and a PNG data URL", a.body)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("qr: not a PNG: %v", err)
	}
	q, err := qrcode.New(setup.URI, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	want := q.Bitmap()
	n, size := len(want), img.Bounds().Dx()
	if size < 2*n {
		t.Fatalf("image %d px for %d modules: under two pixels a module", size, n)
	}
	for y := range n {
		for x := range n {
			px := img.At((2*x+1)*size/(2*n), (2*y+1)*size/(2*n))
			r, g, b, _ := px.RGBA()
			dark := r+g+b < 3*0x8000
			if dark != want[y][x] {
				t.Fatalf("module (%d,%d) dark=%v, want %v: the image is not the URI's QR code", x, y, dark, want[y][x])
			}
		}
	}
	// The sign-in page, where the enrolment happens, has the image's place
	// and keeps the key as text for those who cannot scan.
	p := e.do("GET", "/login", cred{}, "")
	if !strings.Contains(p.body, `id="totp-qr"`) || !strings.Contains(p.body, `id="totp-secret"`) {
		t.Errorf("sign-in page lacks the QR image or the key's text")
	}
	if cc := p.hdr.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("sign-in page Cache-Control %q, want no-store", cc)
	}
}
