package store

import (
	"strings"

	"github.com/mattn/go-sqlite3"
)

// readOnlyAuthorizer is SQLite's authorizer on read-only connections: it
// denies, when a statement is prepared, whatever could change the database
// or create a file. mode=ro and query_only already stop writes to the
// database itself, but not these:
//
//   - ATTACH 'path' creates the file it names; VACUUM INTO 'path' writes a
//     copy (SQLite authorises both, and plain VACUUM, as an ATTACH);
//   - DETACH, and PRAGMAs that set something (query_only = 0 among them)
//     or act (wal_checkpoint, optimize, incremental_vacuum);
//   - load_extension(), which runs native code.
//
// Statements that write are denied here too, so every refusal reads the
// same ("not authorized").
func readOnlyAuthorizer(op int, arg1, arg2, _ string) int {
	switch op {
	case sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH,
		sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE,
		sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_CREATE_TABLE, sqlite3.SQLITE_CREATE_TRIGGER,
		sqlite3.SQLITE_CREATE_VIEW, sqlite3.SQLITE_CREATE_VTABLE,
		sqlite3.SQLITE_CREATE_TEMP_INDEX, sqlite3.SQLITE_CREATE_TEMP_TABLE,
		sqlite3.SQLITE_CREATE_TEMP_TRIGGER, sqlite3.SQLITE_CREATE_TEMP_VIEW,
		sqlite3.SQLITE_DROP_INDEX, sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_DROP_TRIGGER,
		sqlite3.SQLITE_DROP_VIEW, sqlite3.SQLITE_DROP_VTABLE,
		sqlite3.SQLITE_DROP_TEMP_INDEX, sqlite3.SQLITE_DROP_TEMP_TABLE,
		sqlite3.SQLITE_DROP_TEMP_TRIGGER, sqlite3.SQLITE_DROP_TEMP_VIEW,
		sqlite3.SQLITE_ALTER_TABLE, sqlite3.SQLITE_REINDEX, sqlite3.SQLITE_ANALYZE:
		return sqlite3.SQLITE_DENY
	case sqlite3.SQLITE_PRAGMA:
		if readingPragma(arg1, arg2) {
			return sqlite3.SQLITE_OK
		}
		return sqlite3.SQLITE_DENY
	case sqlite3.SQLITE_FUNCTION:
		if strings.EqualFold(arg2, "load_extension") {
			return sqlite3.SQLITE_DENY
		}
	}
	return sqlite3.SQLITE_OK
}

// readingPragma reports whether PRAGMA name (with argument arg, "" for
// none) only reads: a pragma without argument reports its value, except
// the few that act; with an argument only the schema questions are read.
func readingPragma(name, arg string) bool {
	switch strings.ToLower(name) {
	case "wal_checkpoint", "optimize", "incremental_vacuum":
		return false
	case "table_info", "table_xinfo", "table_list", "index_info", "index_xinfo", "index_list",
		"foreign_key_list", "foreign_key_check", "integrity_check", "quick_check":
		return true
	}
	return arg == ""
}
