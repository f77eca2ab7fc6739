package dataset_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

func ExampleLoad() {
	dir, err := os.MkdirTemp("", "dataset-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "synth.parquet")
	if err := dataset.Generate(dataset.SynthConfig{Rows: 1000, Seed: 1, History: 10}, path); err != nil {
		panic(err)
	}

	d, err := dataset.Load(dataset.Source{Paths: []string{path}, Seed: 1}, dataset.Columns{})
	if err != nil {
		panic(err)
	}
	fmt.Println("rows:", d.N, "train/valid/test:", len(d.Train), len(d.Valid), len(d.Test))
	fmt.Println("label:", d.Schema.Label, "dense:", d.Schema.Dense, "p_true:", d.Schema.PTrue)
	for _, f := range d.Schema.Categorical[:3] {
		fmt.Println("field:", f.Name)
	}
	s := d.Schema.Sequences[0]
	fmt.Printf("history: %s → %s, max %d\n", s.Name, s.Target, s.MaxLen)
	// Output:
	// rows: 1000 train/valid/test: 700 150 150
	// label: label dense: [price] p_true: p_true
	// field: user_id
	// field: item_id
	// field: cate_id
	// history: hist_item → item_id, max 20
}

func ExampleInspect() {
	dir, err := os.MkdirTemp("", "dataset-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "synth.parquet")
	if err := dataset.Generate(dataset.SynthConfig{Rows: 1000, Seed: 1, History: 10}, path); err != nil {
		panic(err)
	}
	rep, err := dataset.Inspect([]string{path}, dataset.Columns{})
	if err != nil {
		panic(err)
	}
	for _, c := range rep.Columns {
		fmt.Printf("%-9s %-11s %s\n", c.Name, c.Type, c.Role)
	}
	// Output:
	// label     int64       label
	// user_id   int64       categorical
	// item_id   int64       categorical
	// cate_id   int64       categorical
	// hour      int64       categorical
	// device    int64       categorical
	// weekday   int64       categorical
	// price     double      dense
	// hist_item list<int64> sequence
	// p_true    double      p_true
}

func ExampleDataset_Encode() {
	dir, err := os.MkdirTemp("", "dataset-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	train, fresh := filepath.Join(dir, "train.parquet"), filepath.Join(dir, "new.parquet")
	if err := dataset.Generate(dataset.SynthConfig{Rows: 1000, Seed: 1, History: 10}, train); err != nil {
		panic(err)
	}
	if err := dataset.Generate(dataset.SynthConfig{Rows: 5, Seed: 2, History: 10}, fresh); err != nil {
		panic(err)
	}
	d, err := dataset.Load(dataset.Source{Paths: []string{train}, Seed: 1}, dataset.Columns{})
	if err != nil {
		panic(err)
	}
	// New rows, encoded with the vocabularies and statistics of d's train split.
	s, err := d.Encode([]string{fresh})
	if err != nil {
		panic(err)
	}
	fmt.Println("rows:", s.N, "test:", len(s.Test), "train:", len(s.Train), "labelled:", s.HasLabel)
	fmt.Println("vocabulary of item_id:", s.Schema.Categorical[1].Vocab == d.Schema.Categorical[1].Vocab)
	// Output:
	// rows: 5 test: 5 train: 0 labelled: true
	// vocabulary of item_id: true
}
