package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"regexp"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// series colours, picked to stay apart for colour-blind readers.
var colors = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {213, 94, 0, 255}, {240, 228, 66, 255}, {0, 0, 0, 255},
}

func colorOf(i int) color.RGBA { return colors[i%len(colors)] }

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// fileName turns a plot's name into a safe file name.
func fileName(name, ext string) string { return unsafeName.ReplaceAllString(name, "_") + ext }

// plotSVG renders a plot as SVG.
func plotSVG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

// logX makes the x axis logarithmic.
func logX(p *plot.Plot) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
}

// heatGrid is a rows × columns matrix for plotter.HeatMap; NaN cells are
// drawn blank (padding positions).
type heatGrid struct {
	v          [][]float64
	cols, rows int
}

func (g heatGrid) Dims() (c, r int)   { return g.cols, g.rows }
func (g heatGrid) Z(c, r int) float64 { return g.v[r][c] }
func (g heatGrid) X(c int) float64    { return float64(c + 1) }
func (g heatGrid) Y(r int) float64    { return float64(r + 1) }

// blues runs from white (no weight) to dark blue (the largest weight).
type blues int

func (n blues) Colors() []color.Color {
	out := make([]color.Color, n)
	for i := range out {
		f := float64(i) / float64(n-1)
		out[i] = color.RGBA{uint8(255 - f*(255-8)), uint8(255 - f*(255-48)), uint8(255 - f*(255-107)), 255}
	}
	return out
}

// heatMap colours cells from white (0) to dark blue (max); padding (NaN)
// stays light grey.
func heatMap(g heatGrid, max float64) *plotter.HeatMap {
	hm := plotter.NewHeatMap(g, blues(64))
	hm.NaN = color.RGBA{240, 240, 240, 255}
	hm.Min, hm.Max = 0, max
	return hm
}

// addSeries draws a line with points in the i-th colour and names it in the legend.
func addSeries(p *plot.Plot, xys []XY, i int, label string) error {
	line, points, err := plotter.NewLinePoints(toXYs(xys))
	if err != nil {
		return err
	}
	line.Color, points.Color = colorOf(i), colorOf(i)
	p.Add(line, points)
	p.Legend.Add(label, line, points)
	return nil
}

// addScatter draws points in the i-th colour, named in the legend when
// label is not empty.
func addScatter(p *plot.Plot, xys []XY, c color.Color, label string) error {
	s, err := plotter.NewScatter(toXYs(xys))
	if err != nil {
		return err
	}
	s.GlyphStyle.Color = c
	s.GlyphStyle.Radius = vg.Points(3)
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(s)
	if label != "" {
		p.Legend.Add(label, s)
	}
	return nil
}

func toXYs(xys []XY) plotter.XYs {
	out := make(plotter.XYs, len(xys))
	for i, p := range xys {
		out[i] = plotter.XY{X: p.X, Y: p.Y}
	}
	return out
}

// num4 prints a value with 4 decimals, or nothing for NaN.
func num4(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return fmt.Sprintf("%.4f", v)
}

// numG prints a value with 5 significant digits, or nothing for NaN.
func numG(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return fmt.Sprintf("%.5g", v)
}

// pm prints a Stat as mean ± std, the mean alone for one value, nothing
// for none.
func pm(s Stat) string {
	switch {
	case s.N == 0 || math.IsNaN(s.Mean):
		return ""
	case s.N == 1:
		return fmt.Sprintf("%.4f", s.Mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", s.Mean, s.Std)
}
