package report

import (
	"math"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// Bootstrap settings of the report's comparison.
const (
	bootstrapReplicas = 1000
	bootstrapSeed     = 1
)

// Significance compares the best attention model with the best baseline
// (both chosen on valid) on the test rows.
type Significance struct {
	Attention, Baseline TrialRef
	// Scored: both trials' test scores and the test labels are stored, so
	// Bootstrap holds the paired bootstrap; otherwise it is empty.
	Scored    bool
	TestRows  int
	Bootstrap Bootstrap
	// Seed spread of test AUC: the standard deviation over the repeats of
	// each one's configuration (Std NaN for a configuration run once).
	SpreadAttention, SpreadBaseline Stat
	Verdict                         Verdict
}

// Verdict is what the comparison concludes.
type Verdict int

const (
	// Unclear: the bootstrap interval includes 0 (or there is none).
	Unclear Verdict = iota
	// Real: the interval excludes 0, and the difference exceeds twice the
	// seed spread where the spread was measured.
	Real
	// WithinSpread: the interval excludes 0 but the difference is within
	// twice the seed spread: another seed could reverse it.
	WithinSpread
	// FavoursBaseline: the interval lies below 0.
	FavoursBaseline
)

// SeedSpreadMeasured reports whether either configuration ran with more
// than one seed.
func (s *Significance) SeedSpreadMeasured() bool {
	return s.SpreadAttention.N >= 2 || s.SpreadBaseline.N >= 2
}

// seedSpread is the larger of the two measured spreads (NaN when neither was).
func (s *Significance) seedSpread() float64 {
	out := math.NaN()
	for _, st := range []Stat{s.SpreadAttention, s.SpreadBaseline} {
		if !math.IsNaN(st.Std) && (math.IsNaN(out) || st.Std > out) {
			out = st.Std
		}
	}
	return out
}

func (s *Significance) verdict() Verdict {
	bs := s.Bootstrap
	switch {
	case !s.Scored:
		return Unclear
	case bs.Hi < 0:
		return FavoursBaseline
	case bs.Lo > 0 && s.SeedSpreadMeasured() && bs.Diff <= 2*s.seedSpread():
		return WithinSpread
	case bs.Lo > 0:
		return Real
	}
	return Unclear
}

func (b *builder) significance() error {
	var att, base *store.Trial
	for _, t := range b.ranked {
		if attends(t.Model) && att == nil {
			att = t
		}
		if !attends(t.Model) && base == nil {
			base = t
		}
	}
	if att == nil || base == nil {
		return nil
	}
	s := &Significance{Attention: refOf(att), Baseline: refOf(base)}
	for _, c := range b.configs {
		switch c.trials[0].Config {
		case att.Config:
			s.SpreadAttention = c.stat("test", "auc")
		case base.Config:
			s.SpreadBaseline = c.stat("test", "auc")
		}
	}
	b.r.Significance = s
	blob, err := b.db.SweepArray(b.sw.ID, "test_label")
	if err != nil {
		return err
	}
	labels := store.BlobFloat32(blob)
	sa, err := b.db.Scores(att.ID, "test")
	if err != nil {
		return err
	}
	sb, err := b.db.Scores(base.ID, "test")
	if err != nil {
		return err
	}
	s.TestRows = len(labels)
	if len(labels) == 0 || len(sa) != len(labels) || len(sb) != len(labels) {
		return nil
	}
	s.Scored = true
	s.Bootstrap = pairedBootstrap(sa, sb, labels, bootstrapReplicas, bootstrapSeed)
	s.Verdict = s.verdict()
	return nil
}
