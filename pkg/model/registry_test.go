package model

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// altered is, per hyperparameter, a valid value that differs from the
// default: setting it must change a trial that reads the hyperparameter.
var altered = map[string]any{
	"lr": 0.02, "optimizer": "sgd", "embed_dim": 6, "batch_size": 48, "l2_embedding": 0.05, "l2_dense": 0.05,
	"hidden": []int{12}, "dropout": 0.4, "batch_norm": true, "activation": "dice", "attention_hidden": []int{6},
	"attention_dim": 12, "heads": 1, "layers": 2, "din_softmax": true, "max_len": 3, "momentum": 0.5,
	"beta1": 0.5, "beta2": 0.9, "eps": 0.01, "weight_decay": 0.3, "max_grad_norm": 1e-3,
	"history": "first", "din_pooling": "mean", "attention_activation": "relu", "dot_temperature": true,
	"embedding_dropout": 0.4, "l2_batch": 0.05,
}

// TestRegistry_UsedBy checks every entry's Models and Optimizers against the
// code: for each model (and optimizer, for an optimizer's setting), a short
// training run with the hyperparameter altered must differ from the run
// without it exactly when the registry says the trial reads it. A wrong
// list would make canonical trial keys merge trials that differ, or split
// trials that are the same.
func TestRegistry_UsedBy(t *testing.T) {
	// Two history columns, so that "history" changes what reads them.
	ds := twoHistories(synth(synthConfig{Rows: 240, Seed: 5, HistLen: 8}), 20)
	for _, h := range Hyperparams() {
		v, ok := altered[h.Name]
		if !ok {
			t.Errorf("%s: no altered value in the test", h.Name)
			continue
		}
		if _, err := h.Check(v); err != nil {
			t.Fatalf("%s: altered value: %v", h.Name, err)
		}
		optimizers := []string{"adam"}
		if h.Optimizers != nil {
			optimizers = Optimizers()
		}
		for _, m := range Models() {
			for _, opt := range optimizers {
				base := Params{Model: m, Optimizer: opt, EmbedDim: 4, BatchSize: 32, Hidden: []int{8},
					AttentionHidden: []int{4}, AttentionDim: 4, Epochs: 1, Seed: 3}
				if m == "din" && h.Name == "activation" {
					base.Activation = "relu" // din's default is dice
				}
				if h.Name == "dot_temperature" {
					// At lr 1e-3 the scores of one short epoch stay so
					// small (1e-8 at the start) that float32 softmax
					// weights are exactly 1/len with any temperature.
					base.LR = 0.3
				}
				if h.Name == "optimizer" && opt == "sgd" {
					base.Optimizer = "adam"
				}
				changed := base
				h.Set(&changed, v)
				differs := !sameRun(t, ds, base, changed)
				if want := h.UsedBy(m, base.Optimizer); differs != want {
					t.Errorf("%s with %s (optimizer %s): altering it changes the run: %v; registry says it is used: %v",
						h.Name, m, base.Optimizer, differs, want)
				}
			}
		}
	}
}

// sameRun reports whether training a and b gives the same test scores and
// training loss, bit for bit.
func sameRun(t *testing.T, ds *dataset.Dataset, a, b Params) bool {
	t.Helper()
	ra, err := Train(context.Background(), ds, a, nil)
	if err != nil {
		t.Fatalf("%+v: %v", a, err)
	}
	rb, err := Train(context.Background(), ds, b, nil)
	if err != nil {
		t.Fatalf("%+v: %v", b, err)
	}
	return slices.Equal(ra.TestScores, rb.TestScores) && ra.Epochs[0].TrainLoss == rb.Epochs[0].TrainLoss
}

func TestRegistry_Entries(t *testing.T) {
	seen := map[string]bool{}
	for _, h := range Hyperparams() {
		if seen[h.Name] {
			t.Errorf("%s listed twice", h.Name)
		}
		seen[h.Name] = true
		if h.Doc == "" || (h.Default == nil && h.DefaultDoc == "") {
			t.Errorf("%s: needs a Doc and a Default or DefaultDoc", h.Name)
		}
		if h.Kind == String && len(h.Choices) == 0 {
			t.Errorf("%s: a String hyperparameter needs Choices", h.Name)
		}
		for _, m := range h.Models {
			if _, ok := LookupModel(m); !ok {
				t.Errorf("%s: unknown model %q", h.Name, m)
			}
		}
		for _, o := range h.Optimizers {
			if !slices.Contains(Optimizers(), o) {
				t.Errorf("%s: unknown optimizer %q", h.Name, o)
			}
		}
		// Get and Set address the same field.
		var p Params
		v, _ := h.Check(altered[h.Name])
		h.Set(&p, v)
		if got := h.Get(p); canonicalString(got) != canonicalString(v) {
			t.Errorf("%s: Set %v then Get %v", h.Name, v, got)
		}
	}
	for _, name := range ObjectiveNames() {
		if mi, _ := LookupMetric(name); !mi.Objective {
			t.Errorf("objective %s not marked Objective", name)
		}
	}
	if auc, _ := LookupMetric("auc"); !auc.Maximize || auc.Direction() != "max" {
		t.Error("auc must be maximised")
	}
	if ll, _ := LookupMetric("logloss"); ll.Maximize || !ll.Better(0.1, 0.2) || ll.Oriented(0.1) != -0.1 {
		t.Error("logloss must be minimised")
	}
}

func canonicalString(v any) string {
	return strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(v), " ", ","))
}

// TestRegistry_README checks that README.md documents every model,
// hyperparameter, optimizer and objective the registry lists, so the docs
// cannot drift from the code.
func TestRegistry_README(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	readme := string(b)
	var names []string
	names = append(names, Models()...)
	names = append(names, HyperNames()...)
	names = append(names, Optimizers()...)
	names = append(names, ObjectiveNames()...)
	for _, n := range names {
		if !regexp.MustCompile("`" + regexp.QuoteMeta(n) + "`").MatchString(readme) {
			t.Errorf("README.md does not mention `%s`", n)
		}
	}
	const start, end = "<!-- registry:hyperparameters -->\n", "<!-- /registry -->"
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q block", start, end)
	}
	if got, want := readme[i+len(start):j], hyperTable(); got != want {
		t.Errorf("README.md's hyperparameter table differs from the registry; it should read:\n%s", want)
	}
}

// hyperTable is README's hyperparameter table, made from the registry.
func hyperTable() string {
	kinds := map[Kind]string{Float: "number", Int: "whole number", String: "name", Bool: "true/false", IntList: "list of sizes"}
	var b strings.Builder
	b.WriteString("| name | type | default | read by | what |\n|---|---|---|---|---|\n")
	for _, h := range Hyperparams() {
		typ := kinds[h.Kind]
		if h.Kind == String {
			typ = strings.Join(h.Choices, ", ")
		}
		def := h.DefaultDoc
		if h.Default != nil {
			def = strings.ReplaceAll(fmt.Sprint(h.Default), " ", ", ")
		}
		by := "every model"
		if h.Models != nil {
			by = strings.Join(h.Models, ", ")
		}
		if h.Optimizers != nil {
			by = "optimizers " + strings.Join(h.Optimizers, ", ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", h.Name, typ, def, by, h.Doc)
	}
	return b.String()
}

// TestRegistry_IntRange: whole numbers start at 1, except where 0 names the
// model's default (attention_dim: dot without a projection), so that a
// search can choose between the default and explicit sizes.
func TestRegistry_IntRange(t *testing.T) {
	cases := []struct {
		name string
		v    any
		err  string
	}{
		{"attention_dim", 0, ""},
		{"attention_dim", 16, ""},
		{"attention_dim", -1, "attention_dim: must be from 0 to 2147483647, got -1"},
		{"heads", 0, "heads: must be from 1 to 2147483647, got 0"},
		{"embed_dim", 0, "embed_dim: must be from 1 to 2147483647, got 0"},
	}
	for _, c := range cases {
		h, ok := LookupHyper(c.name)
		if !ok {
			t.Fatalf("%s: not registered", c.name)
		}
		_, err := h.Check(c.v)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s = %v: %v", c.name, c.v, err)
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("%s = %v: error %v, want %q", c.name, c.v, err, c.err)
		}
	}
}
