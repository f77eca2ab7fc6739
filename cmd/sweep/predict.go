package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
)

// predictFlags are predict's flags.
type predictFlags struct {
	modelPath, sweep, trial, data, out string
	keep                               []string
	attention                          bool
}

func newPredictCmd(g *globals) *cobra.Command {
	var f predictFlags
	cmd := &cobra.Command{
		Use:   "predict (--model M | --sweep NAME --trial ID|best) --data F.parquet --out G.parquet",
		Short: "Score data with a model file or a trial's saved model and write the scores as Parquet",
		Long: `predict scores rows and writes, in input row order: the label (when the input
has one), the group column's values as the input holds them (when the model has
a group column and the input has it), the --keep columns as the input holds
them, "score", and with --attention "attention": the weights the model put on
each item of the row's history (dot, din, bst), most recent first.

With --model, the model file (sweep export-model) holds everything needed: no
database and no training files are read. With --sweep and --trial, the sweep's
data is re-loaded from its stored spec to rebuild the vocabularies and dense
statistics (refused when its files changed since the sweep read them), and
--data may also name a split of the sweep: train, valid or test.

--data is encoded as the train rows were: values never seen in training are
scored as "unknown"; a missing column or a column of another type is an error
naming it.`,
		Example: `  sweep predict --model best.safetensors --data new.parquet --out scores.parquet --keep item_id --attention
  sweep predict --sweep quickstart --trial best --data new.parquet --out scores.parquet
  sweep predict --sweep quickstart --trial c0aafd28d5b5fd54 --data test --out test.parquet --db results/sweeps.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(g.db); err != nil {
				return err
			}
			msg, err := predict(g, f)
			if err != nil {
				return fmt.Errorf("predict: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg)
			return nil
		},
	}
	cmd.Flags().StringVar(&f.modelPath, "model", "", "model file written by `sweep export-model` (then no --sweep, --trial or database)")
	cmd.Flags().StringVar(&f.sweep, "sweep", "", "the sweep's name")
	cmd.Flags().StringVar(&f.trial, "trial", "", `trial id, trial key, or "best" (the done trial with the best valid value of the sweep's objective)`)
	cmd.Flags().StringVar(&f.data, "data", "", "Parquet file, folder or glob to score (the model's columns); with --sweep also a split: train, valid, test")
	cmd.Flags().StringVar(&f.out, "out", "", "output Parquet file")
	cmd.Flags().StringSliceVar(&f.keep, "keep", nil, "input columns to copy into the output as they are (comma-separated)")
	cmd.Flags().BoolVar(&f.attention, "attention", false, "also write each row's attention weights over its history (dot, din, bst)")
	return cmd
}

func (f predictFlags) check(db string) error {
	for _, fl := range []struct{ name, v string }{{"--data", f.data}, {"--out", f.out}} {
		if fl.v == "" {
			return fmt.Errorf("predict: %s is required", fl.name)
		}
	}
	switch {
	case f.modelPath != "" && (f.sweep != "" || f.trial != ""):
		return fmt.Errorf("predict: give --model, or --sweep and --trial, not both")
	case f.modelPath == "" && (f.sweep == "" || f.trial == ""):
		return fmt.Errorf("predict: --model is required (or --sweep and --trial)")
	}
	other := [2]string{"--db", db}
	if f.modelPath != "" {
		other = [2]string{"--model", f.modelPath}
	}
	if err := checkOut(f.out, [2]string{"--data", f.data}, other); err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	return nil
}

// checkOut refuses an --out that would destroy something: a folder, or
// the file of another flag (--data, --db, --model) by path or by file
// identity (a link to it is the same file).
func checkOut(out string, others ...[2]string) error {
	fo, errO := os.Stat(out)
	if errO == nil && fo.IsDir() {
		return fmt.Errorf("--out %s is a folder: give a file, such as one inside it", out)
	}
	a, errA := filepath.Abs(out)
	for _, o := range others {
		flag, path := o[0], o[1]
		b, errB := filepath.Abs(path)
		same := errA == nil && errB == nil && a == b
		if fp, err := os.Stat(path); err == nil && errO == nil && os.SameFile(fo, fp) {
			same = true
		}
		if same {
			return fmt.Errorf("--out %s is the %s file: it would be overwritten; give another --out", out, flag)
		}
	}
	return nil
}

// scoring is what predict scores: rows of an encoded data set, the model,
// and where the rows' raw values are.
type scoring struct {
	pr    *model.Predictor
	ds    *dataset.Dataset
	rows  []int32  // rows of ds to score
	files []string // the files (folders, globs) ds's rows come from, in row order
	what  string   // for the message
}

// predict scores f.data and writes f.out; it returns the line to print.
func predict(g *globals, f predictFlags) (string, error) {
	var sc scoring
	var err error
	var from string
	if f.modelPath != "" {
		sc, err = modelScoring(f.modelPath, f.data)
		from = "model " + f.modelPath
	} else {
		var tm *trialModel
		if tm, err = loadTrial(g.db, f.sweep, f.trial); err == nil {
			sc, err = trialScoring(tm, f.data)
			from = fmt.Sprintf("trial %d (%s %s)", tm.trial.ID, tm.trial.Model, tm.trial.Key)
		}
	}
	if err != nil {
		return "", err
	}
	if f.attention && !sc.pr.AttendsHistory() {
		return "", fmt.Errorf("--attention: model %s has no attention over the history (dot, din and bst have)", sc.pr.Params().Model)
	}
	scores := make([]float32, len(sc.rows))
	var att [][]float32
	if f.attention {
		att = make([][]float32, len(sc.rows))
		sc.pr.PredictAttention(sc.ds, sc.rows, scores, att)
	} else {
		sc.pr.Predict(sc.ds, sc.rows, scores)
	}
	cols, err := outputColumns(sc, f.keep, scores, att)
	if err != nil {
		return "", err
	}
	if err := dataset.WriteColumns(f.out, len(sc.rows), cols); err != nil {
		return "", err
	}
	msg := fmt.Sprintf("predict: %s scored %d rows of %s", from, len(sc.rows), sc.what)
	if sc.ds.HasLabel {
		labels := make([]float32, len(sc.rows))
		for i, r := range sc.rows {
			labels[i] = sc.ds.Label[r]
		}
		msg += fmt.Sprintf(": auc %.4f logloss %.4f", model.AUC(scores, labels), model.LogLoss(scores, labels))
	}
	return msg + " → " + f.out, nil
}

// modelScoring encodes data with a model file's encoding.
func modelScoring(path, data string) (scoring, error) {
	mf, err := model.ReadModelFile(path)
	if err != nil {
		return scoring{}, err
	}
	enc, err := mf.Data()
	if err != nil {
		return scoring{}, err
	}
	ds, err := enc.Encode([]string{data})
	if err != nil {
		return scoring{}, err
	}
	pr, err := mf.Predictor(0)
	if err != nil {
		return scoring{}, err
	}
	return scoring{pr: pr, ds: ds, rows: ds.Test, files: []string{data}, what: data}, nil
}

// trialScoring encodes data (a file or a split name) with the sweep's data.
func trialScoring(tm *trialModel, data string) (scoring, error) {
	pr, err := tm.predictor()
	if err != nil {
		return scoring{}, err
	}
	if slices.Contains(dataset.SplitNames, data) {
		return scoring{pr: pr, ds: tm.data, rows: tm.data.Split(data), files: filePaths(tm.data), what: data + " split"}, nil
	}
	ds, err := tm.data.Encode([]string{data})
	if err != nil {
		return scoring{}, err
	}
	return scoring{pr: pr, ds: ds, rows: ds.Test, files: []string{data}, what: data}, nil
}

func filePaths(ds *dataset.Dataset) []string {
	var out []string
	for _, f := range ds.Files {
		out = append(out, f.Path)
	}
	return out
}

// outputColumns are the output's columns: label, group, kept columns,
// score, attention.
func outputColumns(sc scoring, keep []string, scores []float32, att [][]float32) ([]dataset.OutColumn, error) {
	ds, rows := sc.ds, sc.rows
	var cols []dataset.OutColumn
	label := ds.Schema.Label
	if ds.HasLabel {
		if label == "" || label == "score" || label == "attention" {
			label = "label"
		}
		cols = append(cols, dataset.OutColumn{Name: label, Type: "float32", Value: func(i int) any { return ds.Label[rows[i]] }})
	}
	var raw []string
	if g := ds.Schema.Group; g != "" && ds.Group != nil && g != label {
		raw = append(raw, g)
	}
	for _, k := range keep {
		k = strings.TrimSpace(k)
		switch {
		case k == "score" || k == "attention" && att != nil:
			return nil, fmt.Errorf("--keep %s: the output has a column of that name", k)
		case k != "" && k != label && !slices.Contains(raw, k):
			raw = append(raw, k)
		}
	}
	if len(raw) > 0 {
		read, err := dataset.ReadColumns(sc.files, raw)
		if err != nil {
			return nil, err
		}
		for _, c := range read {
			cols = append(cols, dataset.OutColumn{Name: c.Name, Type: c.Type, Value: func(i int) any { return c.Value(int(rows[i])) }})
		}
	}
	cols = append(cols, dataset.OutColumn{Name: "score", Type: "float32", Value: func(i int) any { return scores[i] }})
	if att != nil {
		cols = append(cols, dataset.OutColumn{Name: "attention", Type: "list<float32>", Value: func(i int) any { return att[i] }})
	}
	return cols, nil
}
