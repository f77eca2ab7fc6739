package report

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"regexp"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// series colours, picked to stay apart for colour-blind readers.
var colors = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {213, 94, 0, 255}, {240, 228, 66, 255}, {0, 0, 0, 255},
}

func colorOf(i int) color.RGBA { return colors[i%len(colors)] }

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// save writes a plot as SVG beside the report and returns its relative link.
func (b *builder) save(p *plot.Plot, name string, w, h vg.Length) (string, error) {
	file := unsafeName.ReplaceAllString(name, "_") + ".svg"
	if err := p.Save(w, h, filepath.Join(b.dir, file)); err != nil {
		return "", fmt.Errorf("report: plot %s: %w", file, err)
	}
	b.plots = append(b.plots, file)
	return file, nil
}

// image writes a markdown image line for a saved plot.
func (b *builder) image(alt, link string) {
	fmt.Fprintf(&b.md, "![%s](%s)\n\n", alt, link)
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

// logAxis makes the x axis logarithmic when the values are positive and
// span more than a factor of 10 (learning rates, L2 strengths).
func logAxis(p *plot.Plot, xs []float64) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if lo <= 0 || hi/lo < 10 {
		return false
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	return true
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
func addSeries(p *plot.Plot, xys plotter.XYs, i int, label string) error {
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	line.Color, points.Color = colorOf(i), colorOf(i)
	p.Add(line, points)
	p.Legend.Add(label, line, points)
	return nil
}
