package blob

import "testing"

func TestParseDigest(t *testing.T) {
	const hexSum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" // sha256("")
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"Prefixed", "sha256-" + hexSum, true},
		{"Bare", hexSum, true},
		{"UpperCase", "SHA256-E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", true},
		{"ErrShort", "sha256-e3b0", false},
		{"ErrNotHex", "sha256-" + hexSum[:62] + "zz", false},
		{"ErrEmpty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDigest(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseDigest(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.ok && d != Sum(nil) {
				t.Errorf("ParseDigest(%q) = %v, want %v", tt.in, d, Sum(nil))
			}
		})
	}
	if got := Sum(nil).String(); got != "sha256-"+hexSum {
		t.Errorf("String() = %q", got)
	}
}
