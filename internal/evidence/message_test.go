package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMessageJSONKeepsTypes(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		m    Message
	}{
		{"NoArgs", Msg("finding.notice_missing")},
		{"Scalars", Msg("finding.gap", "000123", int64(3), 1.5, true)},
		{"DurationAndTime", Msg("finding.late", 172*time.Second, at)},
		{"Nested", Msg("err.too_long", Msg("field.party"), int64(500))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			var got Message
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.m, got); diff != "" {
				t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
			}
		})
	}
}

func TestMessageJSONIntWidens(t *testing.T) {
	b, _ := json.Marshal(Msg("k", 7))
	var got Message
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Args[0] != int64(7) {
		t.Errorf("int arg came back as %T %v, want int64 7", got.Args[0], got.Args[0])
	}
}

func TestMessageJSONRefusesUntyped(t *testing.T) {
	var m Message
	if err := json.Unmarshal([]byte(`{"key":"k","args":[{}]}`), &m); err == nil {
		t.Error("an argument with no type was accepted")
	}
}

// An Error says in logs what it is (code, key, arguments); its Message is
// for people, and any other error gets the generic one.
func TestErrorMessage(t *testing.T) {
	err := fmt.Errorf("store: create user: %w", Errorf(EConflict, "err.user.exists", "zhangwei"))
	if got, want := err.Error(), "store: create user: conflict: err.user.exists[zhangwei]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if diff := cmp.Diff(Msg("err.user.exists", "zhangwei"), ErrorMessage(err)); diff != "" {
		t.Errorf("ErrorMessage (-want +got):\n%s", diff)
	}
	if got := ErrorMessage(errors.New("disk on fire")); got.Key != "err.internal" || len(got.Args) != 0 {
		t.Errorf("ErrorMessage of an internal error = %v", got)
	}
	if got := ErrorMessage(nil); !got.IsZero() {
		t.Errorf("ErrorMessage(nil) = %v", got)
	}
}
