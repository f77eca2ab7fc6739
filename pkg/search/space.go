package search

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// ModelNames are the models a spec may list.
var ModelNames = model.Models()

func hyperNames() string { return strings.Join(model.HyperNames(), ", ") }

// usersOf lists the models that read h.
func usersOf(h model.Hyper) []string {
	var out []string
	for _, m := range model.Models() {
		if h.UsedByModel(m) {
			out = append(out, m)
		}
	}
	return out
}

// Axis is the values one hyperparameter takes in a model's search space:
// either a list (a grid axis, or a uniform choice in random search) or a
// distribution (random search only).
type Axis struct {
	Name   string
	Values []any   // float64, int, string or []int; one value for a constant
	Dist   string  // "" for a list, else uniform, loguniform or int
	Low    float64 // distribution bounds
	High   float64
	Step   float64 // optional grid step of a distribution (0: continuous)
}

// Space is a model's search space, its axes sorted by name.
type Space []Axis

// modelSpace merges `space` with `per_model[m]` (the latter wins) and
// validates every axis.
func (s *Spec) modelSpace(m string) (Space, error) {
	raw := map[string]any{}
	where := map[string]string{}
	for k, v := range s.Space {
		raw[k], where[k] = v, "$.space."+k
	}
	for k, v := range s.PerModel[m] {
		raw[k], where[k] = v, "$.per_model."+m+"."+k
		if h, ok := model.LookupHyper(k); ok && !h.UsedByModel(m) {
			return nil, s.errorAt(where[k], "%s does not use %s (used by %s)", m, k, strings.Join(usersOf(h), ", "))
		}
	}
	var sp Space
	for name, v := range raw {
		ax, err := s.parseAxis(name, v, where[name])
		if err != nil {
			return nil, err
		}
		sp = append(sp, ax)
	}
	sort.Slice(sp, func(i, j int) bool { return sp[i].Name < sp[j].Name })
	return sp, nil
}

func (s *Spec) parseAxis(name string, v any, path string) (Axis, error) {
	h, ok := model.LookupHyper(name)
	if !ok {
		return Axis{}, s.errorAt(path, "unknown hyperparameter %q (known: %s)", name, hyperNames())
	}
	ax := Axis{Name: name}
	switch x := v.(type) {
	case map[string]any:
		return s.parseDist(ax, h, x, path)
	case []any:
		if len(x) == 0 {
			return ax, s.errorAt(path, "%s: empty list: give at least one value", name)
		}
		// A list of ints is one value of a list-valued hyperparameter
		// (hidden: [400, 400]); a list of lists is a grid axis.
		if h.Kind == model.IntList {
			if _, isList := x[0].([]any); !isList {
				x = []any{x}
			}
		}
		for i, e := range x {
			val, err := h.Check(e)
			if err != nil {
				return ax, s.errorAt(fmt.Sprintf("%s[%d]", path, i), "%v", err)
			}
			ax.Values = append(ax.Values, val)
		}
	default:
		val, err := h.Check(v)
		if err != nil {
			return ax, s.errorAt(path, "%v", err)
		}
		ax.Values = []any{val}
	}
	if s.Search.Method == "grid" || s.Search.Method == "" {
		seen := map[string]bool{}
		for _, val := range ax.Values {
			c := canonicalValue(val)
			if seen[c] {
				return ax, s.errorAt(path, "%s: value %s appears twice", name, c)
			}
			seen[c] = true
		}
	}
	return ax, nil
}

func (s *Spec) parseDist(ax Axis, h model.Hyper, m map[string]any, path string) (Axis, error) {
	if s.Search.Method == "grid" {
		return ax, s.errorAt(path, "%s: a distribution needs search method random or tpe (grid takes a list)", ax.Name)
	}
	for k, v := range m {
		switch k {
		case "uniform", "loguniform", "int":
			if ax.Dist != "" {
				return ax, s.errorAt(path, "%s: give one distribution, not %s and %s", ax.Name, ax.Dist, k)
			}
			b, ok := v.([]any)
			if !ok || len(b) != 2 {
				return ax, s.errorAt(path+"."+k, "%s: %s takes [low, high]", ax.Name, k)
			}
			lo, ok1 := model.Number(b[0])
			hi, ok2 := model.Number(b[1])
			if !ok1 || !ok2 {
				return ax, s.errorAt(path+"."+k, "%s: %s bounds must be numbers", ax.Name, k)
			}
			if lo >= hi {
				return ax, s.errorAt(path+"."+k, "%s: %s needs low < high, got [%g, %g]", ax.Name, k, lo, hi)
			}
			if k == "loguniform" && lo <= 0 {
				return ax, s.errorAt(path+"."+k, "%s: loguniform bounds must be > 0, got [%g, %g]", ax.Name, lo, hi)
			}
			if k == "int" && (h.Kind != model.Int || lo != math.Trunc(lo) || hi != math.Trunc(hi)) {
				return ax, s.errorAt(path+"."+k, "%s: int takes whole-number bounds of an integer hyperparameter", ax.Name)
			}
			if k != "int" && h.Kind != model.Float && h.Kind != model.Int {
				return ax, s.errorAt(path+"."+k, "%s: %s needs a numeric hyperparameter", ax.Name, k)
			}
			ax.Dist, ax.Low, ax.High = k, lo, hi
			for _, bound := range []float64{lo, hi} {
				if _, err := h.Check(bound); err != nil && h.Kind == model.Float {
					return ax, s.errorAt(path+"."+k, "%v", err)
				}
			}
		case "choice":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return ax, s.errorAt(path+".choice", "%s: choice takes a non-empty list", ax.Name)
			}
			for i, e := range list {
				val, err := h.Check(e)
				if err != nil {
					return ax, s.errorAt(fmt.Sprintf("%s.choice[%d]", path, i), "%v", err)
				}
				ax.Values = append(ax.Values, val)
			}
		case "step":
			st, ok := model.Number(v)
			if !ok || st <= 0 {
				return ax, s.errorAt(path+".step", "%s: step must be a positive number", ax.Name)
			}
			ax.Step = st
		default:
			return ax, s.errorAt(path+"."+k, "%s: unknown distribution %q (known: uniform, loguniform, int, choice, step)", ax.Name, k)
		}
	}
	if ax.Dist == "" && ax.Values == nil {
		return ax, s.errorAt(path, "%s: a mapping needs one of uniform, loguniform, int, choice", ax.Name)
	}
	if ax.Dist != "" && ax.Values != nil {
		return ax, s.errorAt(path, "%s: give choice or a distribution, not both", ax.Name)
	}
	if ax.Dist == "loguniform" && ax.Step > 0 && s.Search.Method == "tpe" {
		return ax, s.errorAt(path+".step", "%s: tpe cannot model a loguniform distribution with a step (its steps are even on a linear scale, its density on a log one): drop the step, or use {int: ...} or a choice", ax.Name)
	}
	return ax, nil
}

// canonicalValue formats a value the same way on every machine; trial keys hash it.
func canonicalValue(v any) string {
	switch x := v.(type) {
	case float64:
		return fmt.Sprintf("%g", x)
	case int:
		return fmt.Sprintf("%d", x)
	case string:
		return fmt.Sprintf("%q", x)
	case bool:
		return fmt.Sprintf("%t", x)
	case []int:
		parts := make([]string, len(x))
		for i, n := range x {
			parts[i] = fmt.Sprintf("%d", n)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprintf("%v", v)
}
