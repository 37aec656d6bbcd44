package domain

import (
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// One walk over a payload's values serves both checks that look at every
// field whatever its type: the limits of ValidateTexts and the search for a
// NUL of FindNUL. It runs for every event of every import, so what can be
// known from the type alone (JSON names, limits) is worked out once per
// payload type, before any event, and the path of a field is built only when
// it is at fault.

type walkMode uint8

const (
	walkLimits walkMode = iota // every limit (ValidateTexts)
	walkNUL                    // only a NUL in a text (FindNUL)
)

// fieldPlan is what the walk needs of one exported field of a struct.
type fieldPlan struct {
	index  int
	name   string // the JSON name: the segment of the path and the key of the limits
	ranged bool   // a whole number with a range of its own
	// signed: a model figure (tag habeas:"signed"), which may be below 0
	// (deaths averted: the baseline less a scenario, run by run), within
	// ±MaxTotal.
	signed bool
	lo, hi int64
	text   int // the longest text, for strings and slices or pointers of strings
}

type structPlan []fieldPlan

// planOf works out the fields of a struct type.
func planOf(t reflect.Type) structPlan {
	var p structPlan
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fp := fieldPlan{index: i, name: name, text: textLimit(name), signed: sf.Tag.Get("habeas") == "signed"}
		if k := sf.Type.Kind(); k >= reflect.Int && k <= reflect.Int64 && sf.Type != dateType {
			fp.lo, fp.hi, fp.ranged = intLimit(t.Name(), name)
		}
		p = append(p, fp)
	}
	return p
}

// payloadPlans holds the plan of every struct reachable from a payload of a
// known kind. It is built once when the package loads and never written
// again; a type not in it (a payload made outside the domain's kinds) is
// planned on the spot.
var payloadPlans = func() map[reflect.Type]structPlan {
	plans := map[reflect.Type]structPlan{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			add(t.Elem())
		case reflect.Struct:
			if _, ok := plans[t]; ok || t == dateType {
				return
			}
			plans[t] = planOf(t)
			for i := range t.NumField() {
				add(t.Field(i).Type)
			}
		}
	}
	for _, k := range Kinds {
		if p, ok := newPayload(k); ok {
			add(reflect.TypeOf(p))
		}
	}
	return plans
}()

func structPlanOf(t reflect.Type) structPlan {
	if p, ok := payloadPlans[t]; ok {
		return p
	}
	return planOf(t)
}

// walkValue checks v, a value of a field whose longest text is maxText. A
// fault is returned with the path below v; each caller prefixes its own
// segment on the way out.
func walkValue(v reflect.Value, maxText int, mode walkMode) *Error {
	if !v.IsValid() {
		return nil
	}
	if v.Type() == dateType {
		if mode == walkLimits {
			if d := Date(v.Int()); d != NoDate && d < EarliestDate {
				return Invalid("", "%s is before %s", d, EarliestDate)
			}
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return walkValue(v.Elem(), maxText, mode)
	case reflect.String:
		s := v.String()
		if mode == walkNUL {
			if strings.IndexByte(s, 0) >= 0 {
				return Invalid("", "contains a NUL character")
			}
			return nil
		}
		if err := ValidateText("", s); err != nil {
			return err.(*Error)
		}
		if len(s) > maxText && utf8.RuneCountInString(s) > maxText {
			return Invalid("", "is %d characters long; at most %d", utf8.RuneCountInString(s), maxText)
		}
	case reflect.Float32, reflect.Float64:
		if mode == walkNUL {
			return nil
		}
		if f := v.Float(); f < 0 {
			return Invalid("", "must not be negative")
		} else if f > MaxAreaM2 || f != f {
			return Invalid("", "must be from 0 to %g", MaxAreaM2)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := walkValue(v.Index(i), maxText, mode); err != nil {
				return under(err, "["+strconv.Itoa(i)+"]")
			}
		}
	case reflect.Struct:
		for _, f := range structPlanOf(v.Type()) {
			fv := v.Field(f.index)
			if f.signed && fv.Kind() == reflect.Float64 {
				if x := fv.Float(); mode == walkLimits && (x != x || x < -MaxTotal || x > MaxTotal) {
					return Invalid("."+f.name, "must be from %d to %d", -MaxTotal, MaxTotal)
				}
				continue
			}
			if f.ranged {
				if mode == walkLimits {
					switch n := fv.Int(); {
					case n < 0 && f.lo == 0:
						return Invalid("."+f.name, "must not be negative")
					case n < f.lo || n > f.hi:
						return Invalid("."+f.name, "must be from %d to %d, not %d", f.lo, f.hi, n)
					}
				}
				continue
			}
			if err := walkValue(fv, f.text, mode); err != nil {
				return under(err, "."+f.name)
			}
		}
	}
	return nil
}

// under puts a fault found below a segment of the path under it.
func under(err *Error, seg string) *Error {
	if err.Field == "" || err.Field[0] == '.' || err.Field[0] == '[' {
		err.Field = seg + err.Field
	} else {
		err.Field = seg + "." + err.Field
	}
	return err
}

// walkPayload walks an event's payload; a fault names its field from "data".
func walkPayload(data any, mode walkMode) *Error {
	if err := walkValue(reflect.ValueOf(data), MaxText, mode); err != nil {
		err.Field = "data" + err.Field
		return err
	}
	return nil
}
