package audit

import (
	"context"
	"testing"
)

// BenchmarkAppend measures one append to a growing log: encode, hash, update
// the compact range, sign a checkpoint. The memStore makes storage nearly
// free, so this is the log's own cost per entry; the "sign" baseline in the
// same run shows how much of it the Ed25519 signature is.
func BenchmarkAppend(b *testing.B) {
	l, _ := testLog(b)
	b.Run("append", func(b *testing.B) {
		m := newMemStore()
		ctx := context.Background()
		e := testEntry(2)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.Append(ctx, m, e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sign", func(b *testing.B) {
		root := make([]byte, 32)
		for i := uint64(0); b.Loop(); i++ {
			if _, err := l.checkpoint(i, root); err != nil {
				b.Fatal(err)
			}
		}
	})
}
