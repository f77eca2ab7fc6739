package store

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/mattn/go-sqlite3"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// Views are not part of the migrations: they are derived from the registry
// (pkg/model/registry.go) and made anew every time a database is opened, so
// a hyperparameter or metric added to the registry is a leaderboard column
// at once, in old databases too. A writable open replaces the views in the
// file (for sqlite3, pandas and DuckDB); a read-only open makes them as
// TEMP views of its own connection, which shadow the file's.

// viewNames are the views views() makes, dropped before they are made again.
var viewNames = []string{"curves", "leaderboard", "group_leaderboard"}

// views returns the statements that make every view; temp makes TEMP views.
func views(temp bool) []string {
	create := "CREATE VIEW "
	if temp {
		create = "CREATE TEMP VIEW "
	}
	var cols []string
	for _, name := range model.HyperNames() {
		cols = append(cols, fmt.Sprintf("(SELECT value FROM params p WHERE p.trial = t.id AND p.name = '%s') AS %s", name, name))
	}
	for _, split := range []string{"train", "valid", "test"} {
		for _, m := range model.MetricInfos() {
			if !m.Column {
				continue
			}
			cols = append(cols, fmt.Sprintf(
				"(SELECT value FROM metrics m WHERE m.trial = t.id AND m.phase = 'best' AND m.split = '%s' AND m.metric = '%s') AS %s_%s",
				split, m.Name, split, m.Name))
		}
	}
	return []string{
		create + `curves AS SELECT trial, epoch, split, metric, value FROM epochs`,
		create + `leaderboard AS
	SELECT s.name AS sweep, t.id AS trial, t.key, t.config, t.model, t.seed, t.repeat, t.status,
	` + strings.Join(cols, ",\n\t") + `,
	t.best_epoch, t.seconds
	FROM trials t JOIN sweeps s ON s.id = t.sweep`,
		create + `group_leaderboard AS
	SELECT s.name AS sweep, t.id AS trial, t.key, t.model, g.split, g.grouping, g.bucket, g.position,
		g.n, g.positives, g.auc, g.gauc, g.logloss, g.mean_pred, g.mean_label
	FROM group_metrics g JOIN trials t ON t.id = g.trial JOIN sweeps s ON s.id = t.sweep`,
	}
}

// replaceViews drops and makes the file's views inside a migration's
// transaction.
func replaceViews(tx *sql.Tx) error {
	for _, v := range viewNames {
		if _, err := tx.Exec(`DROP VIEW IF EXISTS main.` + v); err != nil {
			return fmt.Errorf("drop view %s: %w", v, err)
		}
	}
	for _, q := range views(false) {
		if _, err := tx.Exec(q); err != nil {
			return fmt.Errorf("create view: %w", err)
		}
	}
	return nil
}

// readOnlyDriver opens connections that cannot change the file nor create
// another: each gets the registry's views as TEMP views, then query_only,
// then readOnlyAuthorizer (authorizer.go).
const readOnlyDriver = "sqlite3-attnsweep-ro"

func init() {
	sql.Register(readOnlyDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		for _, q := range views(true) {
			if _, err := c.Exec(q, nil); err != nil {
				return fmt.Errorf("store: read-only views: %w", err)
			}
		}
		if _, err := c.Exec(`PRAGMA query_only = 1`, nil); err != nil {
			return err
		}
		c.RegisterAuthorizer(readOnlyAuthorizer)
		return nil
	}})
}
