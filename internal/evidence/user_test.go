package evidence

import (
	"strings"
	"testing"
)

// R-ACT-3: display names are one line of plain text the notice can read
// out; officer numbers are letters, digits and '-', as device file names
// and other systems write them.
func TestValidateIdentity(t *testing.T) {
	names := []struct {
		name, in string
		ok       bool
	}{
		{"OKEmpty", "", true},
		{"OKChinese", "张伟", true},
		{"OKLatinWithSpace", "Zhang Wei", true},
		{"OK64Characters", strings.Repeat("张", 64), true},
		{"ErrTooLong", strings.Repeat("张", 65), false},
		{"ErrLeadingSpace", " 张伟", false},
		{"ErrNewline", "张\n伟", false},
		{"ErrLineSeparator", "张\u2028伟", false},
		{"ErrInvalidUTF8", "\xff", false},
	}
	for _, tt := range names {
		t.Run("DisplayName"+tt.name, func(t *testing.T) {
			if err := ValidateDisplayName(tt.in); (err == nil) != tt.ok || err != nil && ErrorCode(err) != EInvalid {
				t.Errorf("ValidateDisplayName(%q) = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
	numbers := []struct {
		name, in string
		ok       bool
	}{
		{"OKEmpty", "", true},
		{"OKDigits", "000123", true},
		{"OKLettersAndDash", "FN-0042", true},
		{"OK32", strings.Repeat("1", 32), true},
		{"ErrTooLong", strings.Repeat("1", 33), false},
		{"ErrSpace", "000 123", false},
		{"ErrSlash", "000/123", false},
		{"ErrFullWidthDigit", "０００１２３", false},
	}
	for _, tt := range numbers {
		t.Run("OfficerNo"+tt.name, func(t *testing.T) {
			if err := ValidateOfficerNo(tt.in); (err == nil) != tt.ok || err != nil && ErrorCode(err) != EInvalid {
				t.Errorf("ValidateOfficerNo(%q) = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
	if got := (User{Name: "zhangwei"}).Label(); got != "zhangwei" {
		t.Errorf("Label without a display name = %q", got)
	}
	if got := (User{Name: "zhangwei", DisplayName: "张伟"}).Label(); got != "张伟" {
		t.Errorf("Label = %q", got)
	}
}
