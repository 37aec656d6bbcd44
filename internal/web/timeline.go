package web

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
)

// detailRow is one field of an event, labelled in the reader's language:
// a value, an object (Nested) or a list of objects (Items).
type detailRow struct {
	Key, Label, Value string
	Nested            []detailRow
	Items             [][]detailRow
}

// codeWords says where the words for a field's coded values are in the
// message catalogue; codes without words are shown as they are.
var codeWords = map[string][]string{
	"status": {"status."}, "sex": {"sex."}, "dob_basis": {"dob_basis."}, "class": {"class."},
	"procedure": {"proc."}, "outcome": {"outcome."}, "fact": {"fact."}, "mechanism": {"mech."},
	"by": {"appeal.by."}, "kind": {"okind.", "kind."}, "target_kind": {"event."},
	"action": {"fuaction."}, "reason": {"fureason."},
}

// eventRows lays out an event's data as labelled fields, in the order the
// domain declares them, leaving out what is empty: the person page's
// timeline reads as a record, not as JSON.
func eventRows(l Lang, data any) []detailRow {
	return structRows(l, reflect.ValueOf(data))
}

func structRows(l Lang, v reflect.Value) []detailRow {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	var rows []detailRow
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fv := v.Field(i)
		if fv.IsZero() {
			continue
		}
		row := detailRow{Key: name, Label: fieldLabel(l, name)}
		ev := fv
		for ev.Kind() == reflect.Pointer || ev.Kind() == reflect.Interface {
			if ev.IsNil() {
				break
			}
			ev = ev.Elem()
		}
		switch {
		case ev.Kind() == reflect.Struct && ev.Type() != dateType:
			row.Nested = structRows(l, ev)
		case ev.Kind() == reflect.Slice && ev.Type().Elem().Kind() != reflect.Uint8 && isStructish(ev.Type().Elem()):
			for j := range ev.Len() {
				row.Items = append(row.Items, structRows(l, ev.Index(j)))
			}
		case ev.Kind() == reflect.Slice:
			var parts []string
			for j := range ev.Len() {
				parts = append(parts, scalar(l, name, ev.Index(j)))
			}
			row.Value = strings.Join(parts, ", ")
		default:
			row.Value = scalar(l, name, ev)
		}
		if row.Value == "" && row.Nested == nil && row.Items == nil {
			continue
		}
		rows = append(rows, row)
	}
	return rows
}

var dateType = reflect.TypeOf(domain.Date(0))

func isStructish(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && t != dateType
}

// fieldLabel is the label of a field: the timeline's own, else the form's,
// else the name made readable.
func fieldLabel(l Lang, name string) string {
	for _, k := range []string{"tl." + name, "field." + name} {
		if hasMessage(k) {
			return l.T(k)
		}
	}
	return strings.ReplaceAll(name, "_", " ")
}

func scalar(l Lang, name string, v reflect.Value) string {
	switch x := v.Interface().(type) {
	case domain.Date:
		return l.Date(x)
	case bool:
		if x {
			return l.T("tl.yes")
		}
		return l.T("tl.no")
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return l.Num(int(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return l.Num(int(v.Uint()))
	case reflect.Float32, reflect.Float64:
		return l.digits(strconv.FormatFloat(v.Float(), 'f', -1, 64))
	case reflect.String:
		s := v.String()
		// A date and time of day (an arrest): the date in the reader's
		// words, the time as written.
		if d, err := domain.ParseDate(s[:min(len(s), 10)]); err == nil && len(s) > 10 && s[10] == 'T' {
			return l.Date(d) + " " + l.digits(s[11:])
		}
		for _, p := range codeWords[name] {
			if hasMessage(p + s) {
				return l.T(p + s)
			}
		}
		return s
	}
	return ""
}
