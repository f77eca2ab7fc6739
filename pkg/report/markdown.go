package report

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// page accumulates report.md's text and the files it links to.
type page struct {
	md    bytes.Buffer
	files []File
}

func (p *page) printf(format string, args ...any) { fmt.Fprintf(&p.md, format, args...) }

// table writes a markdown table and a blank line.
func (p *page) table(t *Table) {
	t.WriteMarkdown(&p.md)
	p.md.WriteString("\n")
}

// file adds a file beside report.md and links it as an image.
func (p *page) file(alt, name string, data []byte) {
	p.files = append(p.files, File{Name: name, Data: data})
	p.printf("![%s](%s)\n\n", alt, name)
}

// plot renders a plot as SVG beside report.md and links it.
func (p *page) plot(alt, name string, pl *plot.Plot, w, h vg.Length) error {
	data, err := plotSVG(pl, w, h)
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", name, err)
	}
	p.file(alt, fileName(name, ".svg"), data)
	return nil
}

func (p *page) result() *Page { return &Page{Markdown: p.md.Bytes(), Files: p.files} }

// Render turns the results into report.md's text and its SVG plots.
func (r *Results) Render() (*Page, error) {
	p := &page{}
	p.printf("# Sweep `%s`\n\n", r.Sweep)
	p.printf("Created %s; report written %s from `%s`. Contents: [summary](#summary), [leaderboard](#leaderboard), "+
		"[what matters](#what-matters), [hyperparameters](#effect-of-each-hyperparameter), [learning curves](#learning-curves), "+
		"[is the difference real](#is-the-difference-real), [attention](#attention), [groups](#per-group-results), "+
		"[before and after training](#before-and-after-training), [spec](#spec).\n\n",
		r.CreatedAt, time.Now().UTC().Format(time.RFC3339), r.Database)
	for _, section := range []func(*page) error{
		r.renderSummary, r.renderLeaderboard, r.renderWhatMatters, r.renderEffects, r.renderCurves,
		r.renderSignificance, r.renderAttention, r.renderGroups, r.renderCalibration, r.renderBeforeAfter,
	} {
		if err := section(p); err != nil {
			return nil, err
		}
	}
	p.printf("## Spec\n\n```yaml\n%s\n```\n", strings.TrimRight(r.Spec, "\n"))
	return p.result(), nil
}

// testHeader is the header cells of Results.TestMetrics.
func (r *Results) testHeader(prefix string) []string {
	out := make([]string, len(r.TestMetrics))
	for i, m := range r.TestMetrics {
		out[i] = prefix + m
	}
	return out
}

func (r *Results) renderSummary(p *page) error {
	s := r.Summary
	p.printf("## Summary\n\n")
	data := &Table{Header: []string{"split", "rows", "label rate", "Bayes AUC"}}
	for _, d := range s.Data {
		data.Rows = append(data.Rows, []string{d.Split, Cell(d.Rows), num4(d.LabelRate), num4(d.BayesAUC)})
	}
	p.table(data)
	if s.Bayes {
		p.printf("The Bayes AUC is the AUC of the true click probability (`p_true`): no model can do better on average.\n\n")
	}
	var parts []string
	for _, c := range s.Status {
		parts = append(parts, fmt.Sprintf("%d %s", c.N, c.Status))
	}
	p.printf("Trials: %d (%s); training time %.1f s summed over trials.\n\n", s.Trials, strings.Join(parts, ", "), s.Seconds)
	for _, f := range s.Failed {
		p.printf("- failed: `%s` %s %s: %s\n", f.Key, f.Model, f.Params, f.Error)
	}
	if len(s.Failed) > 0 {
		p.printf("\n")
	}
	p.printf("Best trial per model (by %s; test at that trial's best valid epoch):\n\n", r.Objective.label())
	header := append([]string{"model", "trial", "parameters", r.Objective.label()}, r.testHeader("test ")...)
	best := &Table{Header: append(header, "seconds")}
	for _, t := range s.BestPerModel {
		row := []string{t.Model, t.Key, t.Params, num4(t.Valid)}
		for _, v := range t.Test {
			row = append(row, num4(v))
		}
		best.Rows = append(best.Rows, append(row, fmt.Sprintf("%.1f", t.Seconds)))
	}
	p.table(best)
	return nil
}

func (r *Results) renderLeaderboard(p *page) error {
	p.printf("## Leaderboard\n\nOne row per configuration: mean ± standard deviation over its repeats (seeds), "+
		"ranked by mean %s. Test metrics come from each trial's best valid epoch: test never selects anything.\n\n", r.Objective.label())
	header := append([]string{"#", "model", "parameters", "repeats", r.Objective.label()}, r.testHeader("test ")...)
	t := &Table{Header: append(header, "best epoch", "seconds")}
	for _, c := range r.Leaderboard {
		row := []string{fmt.Sprint(c.Rank), c.Model, c.Params, fmt.Sprint(c.Repeats), pm(c.Valid)}
		for _, s := range c.Test {
			row = append(row, pm(s))
		}
		t.Rows = append(t.Rows, append(row, fmt.Sprintf("%.1f", c.BestEpoch), fmt.Sprintf("%.1f", c.Seconds)))
	}
	p.table(t)
	order := ""
	if r.Objective.info.Column { // the leaderboard view has a column of it
		order = fmt.Sprintf(" ORDER BY valid_%s %s", r.Objective.Metric, map[bool]string{true: "DESC", false: "ASC"}[r.Objective.Maximize])
	}
	p.printf("Every trial: `sweep query \"SELECT * FROM leaderboard WHERE sweep = '%s'%s\"`.\n\n", r.Sweep, order)
	return nil
}

func (r *Results) renderBeforeAfter(p *page) error {
	p.printf("## Before and after training\n\nTest metrics of the best trial of each model before the first step and at its best epoch.\n\n")
	header := []string{"model"}
	for _, m := range r.TestMetrics {
		header = append(header, m+" before", m+" after")
	}
	t := &Table{Header: header}
	for _, row := range r.BeforeAfter {
		cells := []string{row.Model}
		for i := range r.TestMetrics {
			cells = append(cells, num4(row.Before[i]), num4(row.After[i]))
		}
		t.Rows = append(t.Rows, cells)
	}
	p.table(t)
	return nil
}
