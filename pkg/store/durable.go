package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// Durable writes. A write that SQLite reports as committed must be in the
// file that the path names, or the caller must hear that it is not:
//
//   - The database file deleted or replaced while a sweep runs (rm, a
//     restore from backup, a second `sweep merge` writing a new file) leaves
//     this process writing into an unlinked inode that nobody will read. The
//     file's identity (device and inode, os.SameFile) is recorded at open,
//     and a commit hook compares the path's identity with it before every
//     commit: on a mismatch the commit is rolled back and the caller gets
//     ErrDatabaseGone naming the path.
//   - A full disk (SQLITE_FULL, ENOSPC, EDQUOT) gives ErrDiskFull, so the
//     runner can tell it from a bug and record its trials as interrupted.
//
// Both errors wrap the SQLite error as well; test them with errors.Is or
// IsDiskFull.

// ErrDatabaseGone is wrapped by a write refused because the database file
// was deleted or replaced after it was opened.
var ErrDatabaseGone = errors.New("results database deleted or replaced")

// ErrDiskFull is wrapped by a write that failed for lack of disk space.
var ErrDiskFull = errors.New("disk full")

// IsDiskFull reports whether err is a write that failed for lack of disk
// space: ErrDiskFull, SQLite's SQLITE_FULL, or ENOSPC/EDQUOT anywhere in
// err's chain.
func IsDiskFull(err error) bool {
	var se sqlite3.Error
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrDiskFull), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return true
	case errors.As(err, &se):
		return se.Code == sqlite3.ErrFull || se.SystemErrno == syscall.ENOSPC || se.SystemErrno == syscall.EDQUOT
	}
	return false
}

// fault is a write error of a known kind: its message names the database,
// and it wraps both the kind (ErrDatabaseGone, ErrDiskFull) and SQLite's
// error.
type fault struct {
	msg         string
	kind, cause error
}

func (f *fault) Error() string   { return f.msg }
func (f *fault) Unwrap() []error { return []error{f.kind, f.cause} }

// writeError turns a driver error into one that says what happened to the
// database; other errors pass unchanged.
func (d *DB) writeError(err error) error {
	var se sqlite3.Error
	switch {
	case err == nil:
		return nil
	case d.gone.Load() && errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintCommitHook:
		return &fault{kind: ErrDatabaseGone, cause: err,
			msg: fmt.Sprintf("results database %s was deleted or replaced while in use: the write is refused and nothing more is recorded there", d.path)}
	case IsDiskFull(err):
		return &fault{kind: ErrDiskFull, cause: err,
			msg: fmt.Sprintf("results database %s: disk full (%v): free space, then resume", d.path, err)}
	}
	return err
}

// sameFile is the commit hook's check: the path still names the file
// opened (0 lets the commit go on, 1 turns it into a rollback).
func (d *DB) sameFile() int {
	if d.ident == nil {
		return 0 // still opening
	}
	fi, err := os.Stat(d.path)
	if err == nil && os.SameFile(fi, d.ident) {
		return 0
	}
	d.gone.Store(true)
	return 1
}

// openWritable opens path through a connector of d's own: every connection
// gets the commit hook, and its write errors go through d.writeError.
func (d *DB) openWritable(dsn string) *sql.DB {
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		c.RegisterCommitHook(d.sameFile)
		return nil
	}}
	return sql.OpenDB(&connector{dsn: dsn, drv: drv, d: d})
}

type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
	d   *DB
}

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	cn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &conn{SQLiteConn: cn.(*sqlite3.SQLiteConn), d: c.d}, nil
}

func (c *connector) Driver() driver.Driver { return c.drv }

// conn is a SQLite connection whose writes and commits report what
// happened to the database (see writeError); everything else is SQLite's.
type conn struct {
	*sqlite3.SQLiteConn
	d *DB
}

func (c *conn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.SQLiteConn.ExecContext(ctx, q, args)
	return res, c.d.writeError(err)
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.SQLiteConn.BeginTx(ctx, opts)
	if err != nil {
		return nil, c.d.writeError(err)
	}
	return &txn{Tx: tx, d: c.d}, nil
}

type txn struct {
	driver.Tx
	d *DB
}

func (t *txn) Commit() error { return t.d.writeError(t.Tx.Commit()) }
