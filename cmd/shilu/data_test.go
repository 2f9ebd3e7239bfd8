package main

import "testing"

// A signer key's base64 part may contain '+', the separator of its other
// parts; about half of all keys do, so 32 keys exercise it.
func TestLoadKeyRoundTrip(t *testing.T) {
	for range 32 {
		dir := t.TempDir()
		log1, v1, err := loadKey(dir)
		if err != nil {
			t.Fatalf("create key: %v", err)
		}
		log2, v2, err := loadKey(dir)
		if err != nil {
			t.Fatalf("reload key: %v", err)
		}
		if log1.Origin != log2.Origin || v1.KeyHash() != v2.KeyHash() {
			t.Fatalf("reloaded key differs: %s/%d vs %s/%d", log1.Origin, v1.KeyHash(), log2.Origin, v2.KeyHash())
		}
	}
}
