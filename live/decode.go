package live

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Decode sets the fields of the struct v points to from the message's
// fields, matched by their json tag name or Go name (case-insensitively,
// as encoding/json does). It converts as forms need: a string to an
// integer, a float or a bool ("on", "true", "1"...), a single value or a
// JSON array to a slice, a date ("2006-01-02"), a datetime-local value
// ("2006-01-02T15:04") or RFC 3339 to a time.Time; an empty string leaves
// a number or a time zero and a pointer nil. Objects decode as JSON.
// Fields the message lacks are left as they are; the transport's fields
// (starting with "_") are never decoded.
//
// Every field that cannot be converted is reported at once, as
// FieldErrors, which the browser shows at each field.
func (m Message) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("live: Decode needs a non-nil pointer to a struct, not %T", v)
	}
	errs := FieldErrors{}
	m.decodeStruct(rv.Elem(), errs)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (m Message) decodeStruct(sv reflect.Value, errs FieldErrors) {
	st := sv.Type()
	for i := range st.NumField() {
		f := st.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			m.decodeStruct(sv.Field(i), errs)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		key, raw, ok := m.lookup(name)
		if !ok {
			continue
		}
		if err := setField(sv.Field(i), raw); err != nil {
			errs[key] = err.Error()
		}
	}
}

// lookup finds the field name, exactly or else case-insensitively.
func (m Message) lookup(name string) (string, json.RawMessage, bool) {
	if raw, ok := m.fields[name]; ok && !strings.HasPrefix(name, "_") {
		return name, raw, true
	}
	for k, raw := range m.fields {
		if strings.EqualFold(k, name) && !strings.HasPrefix(k, "_") {
			return k, raw, true
		}
	}
	return "", nil, false
}

var timeType = reflect.TypeFor[time.Time]()

// setField converts raw into v.
func setField(v reflect.Value, raw json.RawMessage) error {
	text, isText := textOf(raw)
	switch {
	case v.Type() == timeType:
		return setTime(v, text)
	case v.Kind() == reflect.Pointer:
		if string(raw) == "null" || isText && text == "" {
			v.SetZero()
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := setField(p.Elem(), raw); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			list = []json.RawMessage{raw}
		}
		out := reflect.MakeSlice(v.Type(), len(list), len(list))
		for i, el := range list {
			if err := setField(out.Index(i), el); err != nil {
				return err
			}
		}
		v.Set(out)
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(strings.ToValidUTF8(text, "\uFFFD"))
	case reflect.Bool:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true", "on", "yes", "1":
			v.SetBool(true)
		case "false", "off", "no", "0", "":
			v.SetBool(false)
		default:
			return fmt.Errorf("must be true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if strings.TrimSpace(text) == "" {
			v.SetZero()
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("must be a whole number")
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if strings.TrimSpace(text) == "" {
			v.SetZero()
			return nil
		}
		n, err := strconv.ParseUint(strings.TrimSpace(text), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("must be a whole number, 0 or more")
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		if strings.TrimSpace(text) == "" {
			v.SetZero()
			return nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(text), v.Type().Bits())
		if err != nil {
			return fmt.Errorf("must be a number")
		}
		v.SetFloat(f)
	default:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			return fmt.Errorf("has the wrong form")
		}
	}
	return nil
}

// textOf returns raw as text: a JSON string's value or any other JSON
// value's text; isText reports a JSON string.
func textOf(raw json.RawMessage) (text string, isText bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	if string(raw) == "null" {
		return "", false
	}
	return string(raw), false
}

// timeLayouts are the forms a time arrives in: <input type=date>,
// datetime-local (with and without seconds), and RFC 3339.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func setTime(v reflect.Value, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		v.SetZero()
		return nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			v.Set(reflect.ValueOf(t))
			return nil
		}
	}
	return fmt.Errorf("must be a date")
}
