// Package search turns a sweep spec (experiments/*.yaml) into a
// deterministic plan of trials and runs them on a worker pool, recording
// every trial in the store.
//
// Flow: ParseSpec ──► Plan ──► Runner.Run (conc pool) ──► model.TrainOn ──► store.
package search

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// Spec is a parsed and validated sweep spec. See README.md ("The sweep spec").
type Spec struct {
	Name      string                    `yaml:"name"`
	Data      DataSpec                  `yaml:"data"`
	Columns   ColumnsSpec               `yaml:"columns"`
	Models    []string                  `yaml:"models"`
	Search    SearchSpec                `yaml:"search"`
	Space     map[string]any            `yaml:"space"`
	Train     TrainSpec                 `yaml:"train"`
	Objective ObjectiveSpec             `yaml:"objective"`
	PerModel  map[string]map[string]any `yaml:"per_model"`

	File string `yaml:"-"` // where it was read from ("" when parsed from bytes)
	Text string `yaml:"-"` // the YAML as given; stored with the sweep so `sweep resume` can re-plan
	Hash string `yaml:"-"` // hash of Text

	spaces   map[string]Space // per model: the validated search space
	enqueued []configuration  // Search.Enqueue, validated and canonical
	ast      *ast.File
}

// DataSpec says where the data comes from: split files, one table split by
// fractions, or generated synthetic data.
type DataSpec struct {
	Train     any            `yaml:"train"` // a path or a list of paths
	Valid     any            `yaml:"valid"`
	Test      any            `yaml:"test"`
	Path      any            `yaml:"path"`
	Split     *SplitSpec     `yaml:"split"`
	Synthetic *SyntheticSpec `yaml:"synthetic"`
	Seed      uint64         `yaml:"seed"` // seed of a fraction split (default: the search seed)
}

// SplitSpec gives the fractions of a table that go to each split.
type SplitSpec struct {
	By    string  `yaml:"by"` // order by this column (e.g. time) instead of shuffling: the last rows are test
	Train float64 `yaml:"train"`
	Valid float64 `yaml:"valid"`
	Test  float64 `yaml:"test"`
}

// SyntheticSpec asks for generated data with a planted attention effect.
type SyntheticSpec struct {
	Rows    int    `yaml:"rows"`
	Seed    uint64 `yaml:"seed"`
	History int    `yaml:"history"`
}

// ColumnsSpec gives column roles; absent ones are inferred by pkg/dataset.
type ColumnsSpec struct {
	Label        string        `yaml:"label"`
	Categorical  []string      `yaml:"categorical"`
	Dense        []string      `yaml:"dense"`
	Sequences    []SequenceCol `yaml:"sequences"`
	Group        string        `yaml:"group"`
	Pooled       []string      `yaml:"pooled"`         // multi-valued categorical lists (e.g. genres), mean-pooled
	PooledMaxLen int           `yaml:"pooled_max_len"` // items kept per pooled list (default: the longest in train, at most 50)
	MinCount     int           `yaml:"min_count"`      // rarer categorical values share the unknown id (default 1)
	Strict       bool          `yaml:"strict"`         // nulls/NaN in dense columns are errors, not imputed
}

// SequenceCol names a history column and its target (candidate item) column.
type SequenceCol struct {
	Column string `yaml:"column"`
	Target string `yaml:"target"`
	MaxLen int    `yaml:"max_len"`
}

// SearchSpec chooses the search method.
type SearchSpec struct {
	Method  string `yaml:"method"` // grid (default), random or tpe
	Seed    uint64 `yaml:"seed"`
	Repeats int    `yaml:"repeats"` // seeds per configuration (default 1)
	Trials  int    `yaml:"trials"`  // random and tpe: configurations to try (each × repeats)
	// Budget stops starting new trials once this much time has passed
	// (a Go duration such as 30m); the rest stay queued for `sweep resume`.
	Budget    string        `yaml:"budget"`
	Scheduler SchedulerSpec `yaml:"scheduler"`

	// TPE (see tpe.go for the method and the defaults' reasons).
	Startup    int     `yaml:"startup"`    // random configurations per model before TPE is fitted
	Batch      int     `yaml:"batch"`      // configurations proposed together
	Gamma      float64 `yaml:"gamma"`      // fraction of the observations that are "good"
	Candidates int     `yaml:"candidates"` // draws from the good density per proposal

	// Enqueue lists configurations to run first (random and tpe), each a
	// mapping of hyperparameters (and `model` when the sweep has several).
	Enqueue []map[string]any `yaml:"enqueue"`
	// WarmStart names earlier sweeps of the same data whose finished trials
	// TPE starts from (tpe only).
	WarmStart []string `yaml:"warm_start"`
	// Confirm, when > repeats, runs each model's best configuration again
	// until it has this many seeds, once the search is over: the seed
	// spread and the report's intervals need them.
	Confirm int `yaml:"confirm"`

	budget time.Duration
}

// TrainSpec is the training protocol shared by every trial.
type TrainSpec struct {
	Epochs   int     `yaml:"epochs"`
	Patience int     `yaml:"patience"`
	LRDecay  float64 `yaml:"lr_decay"`
}

// ObjectiveSpec is what the sweep optimises.
type ObjectiveSpec struct {
	Metric    string `yaml:"metric"`    // auc (default), logloss or auc-logloss (AUC minus logloss)
	Split     string `yaml:"split"`     // valid (default)
	Direction string `yaml:"direction"` // max or min: fixed by the metric (giving the other is an error)
}

// SpecError is a mistake in a spec, located at a YAML line.
type SpecError struct {
	File string
	Line int // 0 when unknown
	Msg  string
}

func (e *SpecError) Error() string {
	file := e.File
	if file == "" {
		file = "spec"
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", file, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", file, e.Msg)
}

// LoadSpec reads and validates a spec file.
func LoadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &SpecError{File: path, Msg: "spec file not found"}
		}
		return nil, &SpecError{File: path, Msg: err.Error()}
	}
	return ParseSpec(path, b)
}

// ParseSpec parses and validates a spec; file names it in errors.
func ParseSpec(file string, text []byte) (*Spec, error) {
	s := &Spec{File: file, Text: string(text)}
	sum := sha256.Sum256(text)
	s.Hash = hex.EncodeToString(sum[:])
	if err := checkShape(file, text); err != nil {
		return nil, err
	}
	f, err := parser.ParseBytes(text, 0)
	if err != nil {
		return nil, yamlError(file, err)
	}
	s.ast = f
	if err := yaml.UnmarshalWithOptions(text, s, yaml.DisallowUnknownField()); err != nil {
		return nil, yamlError(file, err)
	}
	// An empty document decodes as null, which zeroes the whole struct.
	s.File, s.Text, s.Hash, s.ast = file, string(text), hex.EncodeToString(sum[:]), f
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// validName is what a sweep's name may be: it names a folder, a Slurm job
// and a Kubernetes Job.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// Limits of a spec file, checked before it is parsed: a spec is a page of
// settings, and a huge or deeply nested one would only exhaust the parser.
const (
	maxSpecBytes = 1 << 20
	maxSpecDepth = 32 // nested brackets, or indentation levels
	maxAliases   = 32 // YAML aliases (*name): each can multiply what the decoder builds
)

// checkShape refuses a spec that is too large, too deeply nested or too
// full of aliases, naming the line where it goes over.
func checkShape(file string, text []byte) error {
	if len(text) > maxSpecBytes {
		return &SpecError{File: file, Msg: fmt.Sprintf("spec too large: %d bytes, over the limit of %d (a spec is settings, not data)", len(text), maxSpecBytes)}
	}
	depth, aliases := 0, 0
	var indents []int
	for i, line := range strings.Split(string(text), "\n") {
		trimmed := strings.TrimLeft(line, " -")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(trimmed)
		for len(indents) > 0 && indents[len(indents)-1] >= indent {
			indents = indents[:len(indents)-1]
		}
		indents = append(indents, indent)
		quote := byte(0)
		for j := 0; j < len(trimmed); j++ {
			switch c := trimmed[j]; {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '#' && (j == 0 || trimmed[j-1] == ' '):
				j = len(trimmed)
			case c == '[' || c == '{':
				depth++
			case c == ']' || c == '}':
				depth--
			case c == '*' && (j == 0 || trimmed[j-1] == ' ' || trimmed[j-1] == '[' || trimmed[j-1] == ','):
				aliases++
			}
			if depth+len(indents) > maxSpecDepth {
				return &SpecError{File: file, Line: i + 1, Msg: fmt.Sprintf("spec nests deeper than %d levels", maxSpecDepth)}
			}
		}
		if len(indents) > maxSpecDepth {
			return &SpecError{File: file, Line: i + 1, Msg: fmt.Sprintf("spec nests deeper than %d levels", maxSpecDepth)}
		}
		if aliases > maxAliases {
			return &SpecError{File: file, Line: i + 1, Msg: fmt.Sprintf("spec uses more than %d YAML aliases", maxAliases)}
		}
	}
	return nil
}

// yamlError turns a YAML library error into a one-line SpecError.
func yamlError(file string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		line := 0
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		msg := ye.GetMessage()
		if strings.HasPrefix(msg, "unknown field") {
			msg = strings.Replace(msg, "unknown field", "unknown key", 1)
		}
		return &SpecError{File: file, Line: line, Msg: msg}
	}
	return &SpecError{File: file, Msg: strings.ReplaceAll(err.Error(), "\n", " ")}
}

// errorAt builds a SpecError at the line of a YAML path such as "$.space.lr".
func (s *Spec) errorAt(path string, format string, args ...any) error {
	return &SpecError{File: s.File, Line: s.lineOf(path), Msg: fmt.Sprintf(format, args...)}
}

// lineOf finds the line of a YAML path, falling back to its parents.
func (s *Spec) lineOf(path string) int {
	for path != "" && path != "$" {
		if p, err := yaml.PathString(path); err == nil && s.ast != nil {
			if n, err := p.FilterFile(s.ast); err == nil && n != nil {
				if tk := n.GetToken(); tk != nil && tk.Position != nil {
					return tk.Position.Line
				}
			}
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

func (s *Spec) validate() error {
	if s.Name == "" {
		return s.errorAt("$", "missing key \"name\": every sweep needs a name")
	}
	if !validName.MatchString(s.Name) {
		return s.errorAt("$.name", "name %q: use letters, digits, '-' and '_' only (it names a folder and a cluster job)", s.Name)
	}
	for _, step := range []func() error{s.validateData, s.validateModels, s.validateSearch, s.validateScheduler, s.validateTrain, s.validateObjective} {
		if err := step(); err != nil {
			return err
		}
	}
	s.spaces = map[string]Space{}
	for _, m := range s.Models {
		sp, err := s.modelSpace(m)
		if err != nil {
			return err
		}
		s.spaces[m] = sp
	}
	return s.validateEnqueue()
}

func (s *Spec) validateModels() error {
	if len(s.Models) == 0 {
		return s.errorAt("$", "missing key \"models\": list at least one of %s", strings.Join(ModelNames, ", "))
	}
	for i, m := range s.Models {
		if !slices.Contains(ModelNames, m) {
			return s.errorAt(fmt.Sprintf("$.models[%d]", i), "unknown model %q (known: %s)", m, strings.Join(ModelNames, ", "))
		}
		if slices.Index(s.Models, m) < i {
			return s.errorAt(fmt.Sprintf("$.models[%d]", i), "model %q is listed twice: it would train the same trials twice", m)
		}
	}
	for m := range s.PerModel {
		if !slices.Contains(s.Models, m) {
			return s.errorAt("$.per_model."+m, "per_model names %q, which is not in models %v", m, s.Models)
		}
	}
	return nil
}

func (s *Spec) validateSearch() error {
	sr := &s.Search
	switch sr.Method {
	case "", "grid":
		sr.Method = "grid"
		for _, k := range []string{"trials", "startup", "batch", "gamma", "candidates", "enqueue", "warm_start"} {
			if s.has("$.search." + k) {
				return s.errorAt("$.search."+k, "%s goes with search method random or tpe, not grid", k)
			}
		}
	case "random", "tpe":
		if sr.Trials <= 0 {
			return s.errorAt("$.search", "%s search needs trials: a positive number", sr.Method)
		}
	default:
		return s.errorAt("$.search.method", "unknown search method %q (known: grid, random, tpe)", sr.Method)
	}
	if err := s.positive("$.search.repeats", &sr.Repeats, 1, "repeats"); err != nil {
		return err
	}
	if sr.Budget != "" {
		d, err := time.ParseDuration(sr.Budget)
		if err != nil || d <= 0 {
			return s.errorAt("$.search.budget", "budget %q: want a positive duration such as 30m or 2h", sr.Budget)
		}
		sr.budget = d
	}
	if s.has("$.search.confirm") && sr.Confirm <= sr.Repeats {
		return s.errorAt("$.search.confirm", "confirm %d: want more seeds than repeats (%d) for each model's best configuration", sr.Confirm, sr.Repeats)
	}
	if sr.Method == "tpe" {
		return s.validateTPE()
	}
	for _, k := range []string{"startup", "batch", "gamma", "candidates", "warm_start"} {
		if s.has("$.search." + k) {
			return s.errorAt("$.search."+k, "%s goes with search method tpe", k)
		}
	}
	return nil
}

// validateTPE checks TPE's options and fills their defaults.
func (s *Spec) validateTPE() error {
	sr := &s.Search
	for _, f := range []struct {
		key  string
		v    *int
		def  int
		name string
	}{{"startup", &sr.Startup, tpeDefaultStartup, "startup"}, {"batch", &sr.Batch, tpeDefaultBatch, "batch"},
		{"candidates", &sr.Candidates, tpeDefaultCandidates, "candidates"}} {
		if err := s.positive("$.search."+f.key, f.v, f.def, f.name); err != nil {
			return err
		}
	}
	if !s.has("$.search.gamma") {
		sr.Gamma = tpeDefaultGamma
	} else if !(sr.Gamma > 0 && sr.Gamma < 1) {
		return s.errorAt("$.search.gamma", "gamma is the fraction of trials TPE calls good: want it in (0, 1), got %g", sr.Gamma)
	}
	perModel := (sr.Trials - len(sr.Enqueue) + len(s.Models) - 1) / len(s.Models)
	if sr.Startup > perModel {
		return s.errorAt("$.search.startup", "startup %d is more than the %d trials each model gets (trials %d over %d models): TPE would never be fitted; lower startup or raise trials",
			sr.Startup, perModel, sr.Trials, len(s.Models))
	}
	for i, w := range sr.WarmStart {
		if w == "" || w == s.Name {
			return s.errorAt(fmt.Sprintf("$.search.warm_start[%d]", i), "warm_start names an earlier sweep (not this one), got %q", w)
		}
	}
	return nil
}

// positive checks an optional whole-number setting: absent takes def; given,
// it must be at least 1.
func (s *Spec) positive(path string, v *int, def int, name string) error {
	if !s.has(path) {
		*v = def
		return nil
	}
	if *v < 1 {
		return s.errorAt(path, "%s must be at least 1, got %d", name, *v)
	}
	return nil
}

// has reports whether the spec's YAML sets a path such as "$.train.epochs"
// (a zero value that is written counts, an absent key does not).
func (s *Spec) has(path string) bool {
	p, err := yaml.PathString(path)
	if err != nil || s.ast == nil {
		return false
	}
	n, err := p.FilterFile(s.ast)
	return err == nil && n != nil
}

func (s *Spec) validateTrain() error {
	t := &s.Train
	if err := s.positive("$.train.epochs", &t.Epochs, model.DefaultEpochs, "epochs"); err != nil {
		return err
	}
	if err := s.positive("$.train.patience", &t.Patience, model.DefaultPatience, "patience"); err != nil {
		return err
	}
	if !s.has("$.train.lr_decay") {
		t.LRDecay = model.DefaultLRDecay
	} else if !(t.LRDecay > 0 && t.LRDecay <= 1) {
		return s.errorAt("$.train.lr_decay", "lr_decay must be in (0, 1], got %g", t.LRDecay)
	}
	return nil
}

// validateObjective fixes the objective once: its metric from the registry,
// the direction the metric's (a contrary direction is an error, not a
// silent reversal), the split valid.
func (s *Spec) validateObjective() error {
	o := &s.Objective
	if o.Metric == "" {
		o.Metric = "auc"
	}
	mi, ok := model.LookupMetric(o.Metric)
	if !ok || !mi.Objective {
		return s.errorAt("$.objective.metric", "unknown objective metric %q (known: %s)", o.Metric, strings.Join(model.ObjectiveNames(), ", "))
	}
	if o.Direction != "" && o.Direction != mi.Direction() {
		if o.Direction != "max" && o.Direction != "min" {
			return s.errorAt("$.objective.direction", "direction must be max or min, got %q", o.Direction)
		}
		verb := map[bool]string{true: "maximised", false: "minimised"}[mi.Maximize]
		return s.errorAt("$.objective.direction", "%s is %s: direction %s would prefer the worst model (leave direction out)", o.Metric, verb, o.Direction)
	}
	o.Direction = mi.Direction()
	if o.Split == "" {
		o.Split = "valid"
	}
	if o.Split != "valid" {
		return s.errorAt("$.objective.split", "objective split %q: trials are selected on valid, never on train or test", o.Split)
	}
	return nil
}

// Metric is the objective's registry entry.
func (o ObjectiveSpec) metric() model.MetricInfo {
	mi, _ := model.LookupMetric(o.Metric)
	return mi
}

func (s *Spec) validateData() error {
	d := &s.Data
	files := d.Train != nil || d.Valid != nil || d.Test != nil
	kinds := 0
	for _, set := range []bool{files, d.Path != nil, d.Synthetic != nil} {
		if set {
			kinds++
		}
	}
	if kinds == 0 {
		return s.errorAt("$.data", "data needs train/valid/test files, a path to split, or synthetic: {rows: N}")
	}
	if kinds > 1 {
		return s.errorAt("$.data", "data takes one of train/valid/test, path, or synthetic, not several")
	}
	if files {
		for _, k := range []string{"train", "valid", "test"} {
			v := map[string]any{"train": d.Train, "valid": d.Valid, "test": d.Test}[k]
			if v == nil {
				return s.errorAt("$.data", "data has train/valid/test files but no %q", k)
			}
			if _, err := stringList(v); err != nil {
				return s.errorAt("$.data."+k, "data.%s: %v", k, err)
			}
		}
		if d.Split != nil {
			return s.errorAt("$.data.split", "split goes with path, not with train/valid/test files")
		}
	}
	if d.Path != nil {
		if _, err := stringList(d.Path); err != nil {
			return s.errorAt("$.data.path", "data.path: %v", err)
		}
	}
	if sp := d.Split; sp != nil {
		if d.Path == nil && d.Synthetic == nil {
			return s.errorAt("$.data.split", "split goes with path or synthetic data")
		}
		if sp.Train <= 0 || sp.Valid <= 0 || sp.Test < 0 || math.Abs(sp.Train+sp.Valid+sp.Test-1) > 1e-9 {
			return s.errorAt("$.data.split", "split fractions must be positive and sum to 1, got %g + %g + %g = %g", sp.Train, sp.Valid, sp.Test, sp.Train+sp.Valid+sp.Test)
		}
	}
	if s.has("$.columns.min_count") && s.Columns.MinCount < 1 {
		return s.errorAt("$.columns.min_count", "min_count must be at least 1, got %d", s.Columns.MinCount)
	}
	if sy := d.Synthetic; sy != nil {
		if sy.Rows <= 0 {
			return s.errorAt("$.data.synthetic", "synthetic data needs rows: a positive number")
		}
		if sy.History < 0 {
			return s.errorAt("$.data.synthetic.history", "history must be at least 0, got %d", sy.History)
		}
	}
	return nil
}

// stringList accepts a path or a list of paths.
func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil, errors.New("empty path")
		}
		return []string{x}, nil
	case []any:
		if len(x) == 0 {
			return nil, errors.New("empty list of paths")
		}
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("item %d is not a path", i)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a path or a list of paths, got %T", v)
}
