package ui

import (
	"os"
	"regexp"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"slices"
	"testing"
)

// Every key the administration code and pages use exists in both locales.
func TestAdminCatalogue(t *testing.T) {
	need := []string{"menu.system", "menu.users", "menu.departments", "menu.roles"}
	for _, p := range AdminPerms {
		need = append(need, permKey(p))
	}
	src, err := os.ReadFile("ui_admin.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range regexp.MustCompile(`newPage\(w, r,[^)]*\)`).FindAllString(string(src), -1) {
		for _, m := range regexp.MustCompile(`"([a-z_]+\.[a-z_.]+)"`).FindAllStringSubmatch(call, -1) {
			need = append(need, m[1])
		}
	}
	for _, k := range need {
		for _, l := range []string{"zh", "en"} {
			if _, ok := locale.New(l).Lookup(k); !ok {
				t.Errorf("%s lacks %q", l, k)
			}
		}
	}
	// Every permission a role holds is described on the roles page.
	for _, role := range evidence.Roles {
		for _, p := range []evidence.Permission{evidence.PermRecordingsList, evidence.PermRecordingsRead, evidence.PermContentRead, evidence.PermRecordingsEdit,
			evidence.PermUpload, evidence.PermAuditRead, evidence.PermAccessRequest, evidence.PermAccessApprove, evidence.PermRegisterRead,
			evidence.PermGrantRevoke, evidence.PermUsersManage, evidence.PermPolicyManage} {
			if role.Can(p) && !slices.Contains(AdminPerms, p) {
				t.Errorf("%s is not in the roles page's table", p)
			}
		}
	}
}
