// Package store keeps sweeps, trials, learning curves and metrics in one
// SQLite file that sqlite3, pandas or DuckDB can open.
//
// The file is in WAL mode with a busy timeout, so several processes (two
// sweeps, or a sweep and a query) can use it at once. Within a process all
// writes go through one connection: the DB type is that single writer.
// Parameters keep their SQLite types (a learning rate is REAL, an optimizer
// TEXT) because the params.value column has no declared type.
package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver
)

// ErrNoSweep is returned when a sweep name is not in the database.
var ErrNoSweep = errors.New("no such sweep")

// DB is an open results database.
type DB struct {
	db       *sql.DB
	path     string
	readOnly bool
	ident    os.FileInfo // the file opened: commits check the path still names it (durable.go)
	gone     atomic.Bool // a commit found the file deleted or replaced
}

// checkPath refuses paths that cannot be a database file: empty, or a
// folder.
func checkPath(path string) error {
	if path == "" {
		return errors.New("store: the results database path is empty")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("store: %s is a folder, not a results database file", path)
	}
	return nil
}

// Open opens (creating it and its folder if needed) the database at path for
// reading and writing, and brings its schema up to date.
func Open(path string) (*DB, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store: create folder for %s: %w", path, err)
		}
	}
	// _txlock=immediate takes the write lock at BEGIN, so two processes never
	// deadlock upgrading read transactions; the busy timeout makes the other
	// one wait instead of failing with "database is locked".
	dsn := "file:" + escapePath(path) + "?_busy_timeout=30000&_txlock=immediate&_foreign_keys=on"
	d := &DB{path: path}
	db := d.openWritable(dsn)
	db.SetMaxOpenConns(1) // the one writer
	d.db = db
	// Connecting creates the file; its identity is what commits check.
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	d.ident = fi
	if err := d.init(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// OpenReadOnly opens an existing database so that no statement can change it.
func OpenReadOnly(path string) (*DB, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: %s: no results database (run `sweep run` first)", path)
	}
	dsn := "file:" + escapePath(path) + "?mode=ro&_busy_timeout=30000"
	db, err := sql.Open(readOnlyDriver, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	d := &DB{db: db, path: path, readOnly: true}
	var v int
	if err := db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: not a results database: %v", path, err)
	}
	return d, nil
}

func escapePath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

func (d *DB) init() error {
	var mode string
	if err := d.db.QueryRow(`PRAGMA journal_mode = wal`).Scan(&mode); err != nil {
		return fmt.Errorf("store: %s: set WAL mode: %w", d.path, err)
	}
	if strings.ToLower(mode) != "wal" {
		return fmt.Errorf("store: %s: journal mode is %q, want wal", d.path, mode)
	}
	if _, err := d.db.Exec(`PRAGMA synchronous = NORMAL`); err != nil {
		return fmt.Errorf("store: %s: %w", d.path, err)
	}
	return d.migrate()
}

// migrations[i] brings the schema from version i to version i+1. Append only.
var migrations = []string{
	schemaV1,
	schemaV2,
	schemaV3,
	schemaV4,
}

// SchemaVersion is the version this build writes.
var SchemaVersion = len(migrations)

func (d *DB) migrate() error {
	tx, err := d.db.Begin()
	if err != nil {
		return fmt.Errorf("store: %s: begin migration: %w", d.path, err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: %s: %w", d.path, err)
	}
	var v int
	switch err := tx.QueryRow(`SELECT version FROM schema_version`).Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.Exec(`INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("store: %s: %w", d.path, err)
		}
	case err != nil:
		return fmt.Errorf("store: %s: read schema version: %w", d.path, err)
	}
	if v > len(migrations) {
		return fmt.Errorf("store: %s: schema version %d is newer than this build's %d: upgrade sweep", d.path, v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if strings.TrimSpace(migrations[v]) == "" {
			// nothing to change
		} else if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("store: %s: migrate to schema version %d: %w", d.path, v+1, err)
		}
		if _, err := tx.Exec(`UPDATE schema_version SET version = ?`, v+1); err != nil {
			return fmt.Errorf("store: %s: %w", d.path, err)
		}
	}
	if err := replaceViews(tx); err != nil {
		return fmt.Errorf("store: %s: %w", d.path, err)
	}
	return tx.Commit()
}
