package evidence

import (
	"encoding/json"
	"fmt"
	"time"
)

// Zone is the bureau's time zone: times are stored in UTC and shown, and
// calendar days counted, in Asia/Shanghai. China has kept no daylight saving
// since 1991, so a fixed offset is exact and needs no tzdata.
var Zone = time.FixedZone("CST", 8*3600)

// Message is text meant for people, held as a key of the message catalogue
// (internal/locale) and the values it is filled with. The words are chosen
// at the edge, in the reader's language: the domain holds no prose, so the
// same finding or error reads in Chinese on the workbench and in English
// for an English-speaking reader.
//
// Args may be strings, integers, floats, time.Duration (shown as 1天4小时56分),
// time.Time (shown in Zone) and Messages (translated in turn, e.g. a field's
// name). A Message survives JSON with its argument types (MarshalJSON), so a
// stored finding is rendered as richly as a fresh one.
type Message struct {
	Key  string
	Args []any
}

// Msg returns the message key filled with args.
func Msg(key string, args ...any) Message { return Message{Key: key, Args: args} }

// IsZero reports whether m holds no message.
func (m Message) IsZero() bool { return m.Key == "" }

// String is for logs and tests, never for users: the key and its arguments.
func (m Message) String() string {
	if len(m.Args) == 0 {
		return m.Key
	}
	return fmt.Sprintf("%s%v", m.Key, m.Args)
}

// msgArg is one argument in JSON, tagged with its type.
type msgArg struct {
	S *string    `json:"s,omitempty"`
	I *int64     `json:"i,omitempty"`
	F *float64   `json:"f,omitempty"`
	D *int64     `json:"d,omitempty"` // a duration in microseconds
	T *time.Time `json:"t,omitempty"`
	M *Message   `json:"m,omitempty"`
	B *bool      `json:"b,omitempty"`
}

type msgJSON struct {
	Key  string   `json:"key"`
	Args []msgArg `json:"args,omitempty"`
}

// MarshalJSON writes m with each argument tagged by type. Arguments of
// other types are written as their fmt form.
func (m Message) MarshalJSON() ([]byte, error) {
	out := msgJSON{Key: m.Key}
	for _, a := range m.Args {
		var v msgArg
		switch x := a.(type) {
		case string:
			v.S = &x
		case int:
			i := int64(x)
			v.I = &i
		case int64:
			v.I = &x
		case int32:
			i := int64(x)
			v.I = &i
		case float64:
			v.F = &x
		case bool:
			v.B = &x
		case time.Duration:
			d := x.Microseconds()
			v.D = &d
		case time.Time:
			t := x.UTC()
			v.T = &t
		case Message:
			v.M = &x
		default:
			s := fmt.Sprint(x)
			v.S = &s
		}
		out.Args = append(out.Args, v)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (m *Message) UnmarshalJSON(b []byte) error {
	var in msgJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*m = Message{Key: in.Key}
	for _, v := range in.Args {
		var a any
		switch {
		case v.S != nil:
			a = *v.S
		case v.I != nil:
			a = *v.I
		case v.F != nil:
			a = *v.F
		case v.B != nil:
			a = *v.B
		case v.D != nil:
			a = time.Duration(*v.D) * time.Microsecond
		case v.T != nil:
			a = v.T.UTC()
		case v.M != nil:
			a = *v.M
		default:
			return fmt.Errorf("message %q: an argument of no known type", in.Key)
		}
		m.Args = append(m.Args, a)
	}
	return nil
}
