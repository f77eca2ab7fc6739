package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
)

// The parallel-coordinates plot is drawn as SVG directly: each axis has a
// scale of its own (linear, log or categories), which a single-axis
// plotting library does not offer.

// Layout of the parallel-coordinates SVG, in pixels.
const (
	parAxisGap = 130 // between axes
	parLeft    = 70
	parRight   = 150 // room for the colour bar
	parTop     = 60
	parHeight  = 300 // of an axis
	parBottom  = 60  // the "unset" slot and margin
)

// viridis runs from dark purple (worst) to yellow (best).
var viridis = [][3]float64{{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}

// ramp returns the colour at f ∈ [0, 1] of viridis.
func ramp(f float64) string {
	f = math.Max(0, math.Min(1, f))
	pos := f * float64(len(viridis)-1)
	i := min(int(pos), len(viridis)-2)
	t := pos - float64(i)
	var c [3]int
	for k := range c {
		c[k] = int(math.Round(viridis[i][k]*(1-t) + viridis[i+1][k]*t))
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])
}

// axisY maps a value to its height on an axis; NaN (unset) goes to the
// slot below the axis.
func axisY(a ParAxis, v float64) float64 {
	if math.IsNaN(v) {
		return parTop + parHeight + 25
	}
	lo, hi, x := a.Min, a.Max, v
	if a.Log {
		lo, hi, x = math.Log(lo), math.Log(hi), math.Log(v)
	}
	t := 0.5
	if hi > lo {
		t = (x - lo) / (hi - lo)
	}
	return parTop + (1-t)*parHeight
}

// svgText writes a text element with escaped content.
func svgText(b *bytes.Buffer, x, y float64, anchor, style, text string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s" %s>`, x, y, anchor, style)
	xml.EscapeText(b, []byte(text))
	b.WriteString("</text>\n")
}

// parallelSVG draws the parallel-coordinates plot: one polyline per trial
// across the axes, coloured by the objective (yellow best), worst drawn
// first so the best lie on top.
func parallelSVG(axes []ParAxis, lines []ParLine, o Objective) []byte {
	var b bytes.Buffer
	width := parLeft + parAxisGap*(len(axes)-1) + parRight
	height := parTop + parHeight + parBottom
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	svgText(&b, float64(width)/2, 20, "middle", `font-size="14"`,
		fmt.Sprintf("%d finished trials, coloured by %s", len(lines), o.label()))
	obj := axes[len(axes)-1]
	shade := func(v float64) float64 { // 1 for the best objective, 0 for the worst
		if obj.Max == obj.Min {
			return 1
		}
		f := (v - obj.Min) / (obj.Max - obj.Min)
		if !o.Maximize {
			f = 1 - f
		}
		return f
	}
	for _, l := range lines {
		b.WriteString(`<polyline fill="none" stroke-width="1.4" stroke-opacity="0.75" stroke="` + ramp(shade(l.Objective)) + `" points="`)
		for i, a := range axes {
			fmt.Fprintf(&b, "%d,%.1f ", parLeft+parAxisGap*i, axisY(a, l.Values[i]))
		}
		b.WriteString(`"><title>`)
		xml.EscapeText(&b, []byte(fmt.Sprintf("%s %s %s: %.4f", l.Key, l.Model, l.Params, l.Objective)))
		b.WriteString("</title></polyline>\n")
	}
	for i, a := range axes {
		parAxis(&b, float64(parLeft+parAxisGap*i), a)
	}
	parColourBar(&b, float64(width-parRight+50), obj, o)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// parAxis draws one axis at x: its line, name and value labels.
func parAxis(b *bytes.Buffer, x float64, a ParAxis) {
	fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-width="1.2"/>`+"\n", x, parTop, x, parTop+parHeight)
	name := a.Name
	if a.Log {
		name += " (log)"
	}
	svgText(b, x, parTop-14, "middle", `font-size="12" font-weight="bold"`, name)
	label := func(y float64, text string) {
		if len(text) > 16 {
			text = text[:15] + "…"
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x-3, y, x+3, y)
		svgText(b, x+5, y+4, "start", `font-size="10" fill="#333"`, text)
	}
	if a.Categorical {
		for k, c := range a.Categories {
			label(axisY(a, float64(k)), c)
		}
	} else {
		label(axisY(a, a.Min), fmt.Sprintf("%.4g", a.Min))
		if a.Max != a.Min {
			label(axisY(a, a.Max), fmt.Sprintf("%.4g", a.Max))
		}
	}
	if a.Unset {
		svgText(b, x+5, axisY(a, math.NaN())+4, "start", `font-size="10" fill="#777"`, "— unset")
	}
}

// parColourBar draws the objective's colour scale, best at the top.
func parColourBar(b *bytes.Buffer, x float64, obj ParAxis, o Objective) {
	b.WriteString(`<defs><linearGradient id="objective" x1="0" y1="1" x2="0" y2="0">`)
	for k := range viridis {
		f := float64(k) / float64(len(viridis)-1)
		fmt.Fprintf(b, `<stop offset="%.2f" stop-color="%s"/>`, f, ramp(f))
	}
	b.WriteString("</linearGradient></defs>\n")
	fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="14" height="%d" fill="url(#objective)" stroke="#555"/>`+"\n", x, parTop, parHeight)
	best, worst := obj.Max, obj.Min
	if !o.Maximize {
		best, worst = worst, best
	}
	svgText(b, x+18, parTop+10, "start", `font-size="10"`, fmt.Sprintf("%.4f best", best))
	svgText(b, x+18, parTop+parHeight, "start", `font-size="10"`, fmt.Sprintf("%.4f worst", worst))
}
