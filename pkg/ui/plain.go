package ui

import (
	"fmt"
	"math"
	"reflect"
	"sort"
)

// plain turns a Go value of pkg/report (structs of numbers, strings, slices
// and maps) into values encoding/json writes as they are: maps, slices,
// strings, finite numbers. Missing numbers are NaN in pkg/report, which JSON
// cannot hold: they become null. Struct fields keep their Go names (exported
// ones only, so the page reads the same names as the Go code), embedded
// structs are flattened as encoding/json does.
func plain(v any) any {
	return plainValue(reflect.ValueOf(v))
}

func plainValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return plainValue(v.Elem())
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return f
	case reflect.Struct:
		out := map[string]any{}
		plainFields(v, out)
		return out
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = plainValue(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i].Interface()) < fmt.Sprint(keys[j].Interface()) })
		for _, k := range keys {
			out[fmt.Sprint(k.Interface())] = plainValue(v.MapIndex(k))
		}
		return out
	}
	return v.Interface()
}

// plainFields adds a struct's exported fields to out, those of embedded
// structs as its own.
func plainFields(v reflect.Value, out map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		switch {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			plainFields(v.Field(i), out)
		case f.IsExported():
			out[f.Name] = plainValue(v.Field(i))
		}
	}
}
