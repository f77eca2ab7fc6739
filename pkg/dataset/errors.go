package dataset

import (
	"fmt"
	"strings"
)

// Error is a problem with one data file. It names the file and, where they
// apply, the column and the row, in one line:
//
//	dataset: data/x.parquet: column "label": row 17: value 2, want 0 or 1
//
// Rows count from 0 within the file.
type Error struct {
	File   string // the file's path as given
	Column string // "" when the problem is not about one column
	Row    int64  // row within the file (from 0), or -1
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("dataset: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q: ", e.Column)
	}
	if e.Row >= 0 {
		fmt.Fprintf(&b, "row %d: ", e.Row)
	}
	b.WriteString(oneLine(e.Err.Error()))
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// fileErr returns an *Error about a whole file.
func fileErr(file string, format string, args ...any) error {
	return &Error{File: file, Row: -1, Err: fmt.Errorf(format, args...)}
}

// colErr returns an *Error about one column of a file.
func colErr(file, column string, format string, args ...any) error {
	return &Error{File: file, Column: column, Row: -1, Err: fmt.Errorf(format, args...)}
}

// rowErr returns an *Error about one value of a file.
func rowErr(file, column string, row int64, format string, args ...any) error {
	return &Error{File: file, Column: column, Row: row, Err: fmt.Errorf(format, args...)}
}

// oneLine keeps error text on one line (some library errors span several).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
