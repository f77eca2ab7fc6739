package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// A trial's key hashes its model, canonical parameters, protocol and seed,
// not its data: a done record is reused only by sweeps whose data identity
// (sweep_info data_id: the data files' content hashes and the settings that
// encode them) is the same. Sweeps recorded before data identities existed
// have none, and are never reused from.

// reuse copies into trial dst the done record of key from another sweep of
// the same data, if one exists; ok reports a copy.
func reuse(tx *sql.Tx, sweep, dst int64, key, dataID string) (bool, error) {
	var src int64
	var from string
	err := tx.QueryRow(`SELECT t.id, s.name FROM trials t JOIN sweeps s ON s.id = t.sweep
		JOIN sweep_info i ON i.sweep = t.sweep AND i.name = 'data_id'
		WHERE t.key = ? AND t.status = 'done' AND t.sweep <> ? AND i.value = ?
		ORDER BY t.id LIMIT 1`, key, sweep, dataID).Scan(&src, &from)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: look up a done trial %s: %w", key, err)
	}
	const cols = `status, error, started_at, finished_at, seconds, best_epoch, checkpoint`
	if _, err := tx.Exec(`UPDATE trials SET (`+cols+`) = (SELECT `+cols+` FROM trials WHERE id = ?), reused_from = ?
		WHERE id = ?`, src, from, dst); err != nil {
		return false, fmt.Errorf("store: reuse trial %s from sweep %s: %w", key, from, err)
	}
	for _, table := range perTrialTables {
		cols, err := columnsBut(tx, table, "trial")
		if err != nil {
			return false, err
		}
		if _, err := tx.Exec(`INSERT INTO `+table+` (trial, `+cols+`) SELECT ?, `+cols+` FROM `+table+` WHERE trial = ?`, dst, src); err != nil {
			return false, fmt.Errorf("store: reuse %s of trial %s: %w", table, key, err)
		}
	}
	return true, nil
}

// columnsBut lists a table's columns, comma-separated, without one.
func columnsBut(tx *sql.Tx, table, skip string) (string, error) {
	rows, err := tx.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return "", fmt.Errorf("store: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		if c != skip {
			cols = append(cols, c)
		}
	}
	return strings.Join(cols, ", "), rows.Err()
}
