package api

import (
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
)

// TestOtherDistrictsEnclaveStaysPrivate: an editor scoped to one district must
// not learn the phone numbers of an enclave another district manages. Its
// GET of the enclave leaves them out; a POST of the enclave's code (409, the
// code is taken) and a DELETE of a retired enclave (a "retry") must not hand
// them over either.
func TestOtherDistrictsEnclaveStaysPrivate(t *testing.T) {
	s := newEditServer(t, nil)
	admin := s.token(t, access.RoleAdmin, "", "管理员")
	path := "/v1/enclaves/" + demo.EnclaveCode
	const phone = "13912345678"

	f, tag := s.getFeature(t, path, admin)
	props := f["properties"].(map[string]any)
	if props["managing_code"] == nil || strings.HasPrefix(props["managing_code"].(string), demo.NankaiCode) {
		t.Fatalf("the demo enclave should be managed outside %s: %v", demo.NankaiCode, props["managing_code"])
	}
	attrs, _ := props["properties"].(map[string]any)
	if attrs == nil {
		attrs = map[string]any{}
	}
	attrs["contact_phone"] = phone
	props["properties"] = attrs
	if r := s.req(t, "PUT", path, admin, mustJSON(t, f), "If-Match", tag); r.status != 200 {
		t.Fatalf("admin PUT: %d %s", r.status, r.body)
	}

	editor := s.token(t, access.RoleEditor, demo.NankaiCode, "南开区编辑")
	if r := s.req(t, "GET", path, editor, nil); r.status != 200 || strings.Contains(string(r.body), phone) {
		t.Fatalf("GET by an editor of another district: %d, shows the phone: %v", r.status, strings.Contains(string(r.body), phone))
	}

	t.Run("POST of a taken code", func(t *testing.T) {
		f, _ := s.getFeature(t, path, editor)
		p := f["properties"].(map[string]any)
		p["managing_code"] = demo.NankaiCode // in the editor's scope: authorize passes
		delete(p, "properties")
		r := s.req(t, "POST", "/v1/enclaves", editor, mustJSON(t, f))
		if r.status != 409 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		if strings.Contains(string(r.body), phone) {
			t.Errorf("the 409 to an editor of another district carries the enclave's phone number: %s", r.body)
		}
	})

	t.Run("DELETE of a retired enclave", func(t *testing.T) {
		_, tag := s.getFeature(t, path, admin)
		if r := s.req(t, "DELETE", path, admin, nil, "If-Match", tag); r.status != 200 {
			t.Fatalf("admin DELETE: %d %s", r.status, r.body)
		}
		r := s.req(t, "DELETE", path, editor, nil, "If-Match", tag)
		if r.status != 403 || strings.Contains(string(r.body), phone) {
			t.Errorf("DELETE by an editor of another district: %d, carries the enclave's phone number: %s", r.status, r.body)
		}
	})
}
