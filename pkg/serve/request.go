package serve

// Requests: JSON → checked rows → an encoded Dataset; and the model's
// description for GET /v1/model.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// request is a decoded scoring request.
type request struct {
	rows      []map[string]any
	common    map[string]any
	attention bool
}

// decode reads and checks the body's JSON: an object with "rows" (a
// non-empty list of objects, at most MaxRows), optionally "common" (an
// object of values every row takes unless it has its own) and "attention"
// (a boolean).
func (s *Server) decode(w http.ResponseWriter, r *http.Request) (*request, error) {
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var top any
	err := dec.Decode(&top)
	if err == nil && dec.Decode(new(any)) != io.EOF {
		err = errors.New("data after the request object")
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, fmt.Errorf("request body larger than %d bytes (the server's --max-body)", s.cfg.MaxBody)
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("empty request body: want a JSON object with \"rows\"")
	case err != nil:
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the request must be a JSON object with \"rows\", got %s", kind(top))
	}
	for k := range obj {
		if k != "rows" && k != "common" && k != "attention" {
			return nil, fmt.Errorf("unknown field %q (a request has rows, common and attention)", k)
		}
	}
	req := &request{}
	if v, ok := obj["attention"]; ok {
		if req.attention, ok = v.(bool); !ok {
			return nil, fmt.Errorf("\"attention\" must be true or false, got %s", kind(v))
		}
		if req.attention && !s.attend {
			return nil, fmt.Errorf("\"attention\": model %s has no attention over the history (dot, din and bst have)", s.mf.Params.Model)
		}
	}
	if v, ok := obj["common"]; ok {
		if req.common, ok = v.(map[string]any); !ok {
			return nil, fmt.Errorf("\"common\" must be an object of column values, got %s", kind(v))
		}
	}
	list, ok := obj["rows"].([]any)
	switch {
	case obj["rows"] == nil:
		return nil, fmt.Errorf("missing field \"rows\": a list of row objects")
	case !ok:
		return nil, fmt.Errorf("\"rows\" must be a list of row objects, got %s", kind(obj["rows"]))
	case len(list) == 0:
		return nil, fmt.Errorf("\"rows\" is empty: nothing to score")
	case len(list) > s.cfg.MaxRows:
		return nil, fmt.Errorf("%d rows, at most %d per request (the server's --max-rows)", len(list), s.cfg.MaxRows)
	}
	for i, x := range list {
		row, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("row %d: want an object of column values, got %s", i, kind(x))
		}
		req.rows = append(req.rows, row)
	}
	return req, nil
}

// encode checks and encodes every input of every row.
func (s *Server) encode(req *request) (*dataset.Rows, error) {
	b, err := s.enc.NewRows(len(req.rows))
	if err != nil {
		return nil, err
	}
	for i, in := range s.inputs {
		cv, inCommon := req.common[in.Name]
		for r, row := range req.rows {
			v, ok := row[in.Name]
			if !ok && !inCommon {
				return nil, fmt.Errorf("row %d: missing field %q (%s, %s; give it in the row or in \"common\")", r, in.Name, in.Role, in.Type)
			}
			if !ok {
				v = cv
			}
			if err := b.Set(i, r, v); err != nil {
				if !ok {
					return nil, fmt.Errorf("\"common\" field %q: %v", in.Name, err)
				}
				return nil, fmt.Errorf("row %d: field %q: %v", r, in.Name, err)
			}
		}
	}
	return b, nil
}

// kind names a JSON value's type for messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	}
	return "an object"
}

// inputInfo is one input column as GET /v1/model describes it.
type inputInfo struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Role       string `json:"role"`
	JSON       string `json:"json"`                 // what a request gives for it
	Vocabulary int    `json:"vocabulary,omitempty"` // ids, unknown included
	MaxLen     int    `json:"max_len,omitempty"`    // history and pooled: items kept, the first ones
	Target     string `json:"target,omitempty"`     // history: the column whose vocabulary it shares
	Length     int    `json:"length,omitempty"`     // dense vector: numbers per row
	Null       string `json:"null"`                 // what null means
}

// describe is the answer to GET /v1/model.
func (s *Server) describe() map[string]any {
	st := s.mf.Encoder
	var inputs []inputInfo
	for _, in := range s.inputs {
		inputs = append(inputs, s.inputInfo(st, in))
	}
	return map[string]any{
		"model": s.mf.Params.Model, "params": s.mf.Params, "about": s.mf.About,
		"format_version": s.mf.Version, "content_sha256": s.mf.Hash,
		"inputs": inputs, "attention": s.attend, "label": st.Label,
		"limits":  map[string]any{"max_rows": s.cfg.MaxRows, "max_body": s.cfg.MaxBody, "workers": s.cfg.Workers},
		"request": `{"rows": [{column: value, ...}, ...], "common": {column: value, ...}, "attention": bool}`,
	}
}

func (s *Server) inputInfo(st *dataset.EncoderState, in dataset.Input) inputInfo {
	info := inputInfo{Name: in.Name, Type: in.Type, Role: in.Role}
	scalar := map[string]string{"int": "an integer", "string": "a string", "bool": "true or false", "float": "a number"}
	item := strings.TrimSuffix(strings.TrimPrefix(in.Type, "list<"), ">")
	info.JSON = scalar[in.Type]
	if item != in.Type {
		info.JSON = "a list of " + strings.TrimPrefix(strings.TrimPrefix(scalar[item], "an "), "a ") + "s"
	}
	vocabOf := func(vs []dataset.VocabState) {
		if k := slices.IndexFunc(vs, func(v dataset.VocabState) bool { return v.Column == in.Name }); k >= 0 {
			info.Vocabulary, info.MaxLen = vs[k].Len(), vs[k].MaxLen
		}
	}
	switch in.Role {
	case "categorical":
		vocabOf(st.Categorical)
		info.Null = "a value of its own when train had nulls, else unknown"
	case "pooled":
		vocabOf(st.Pooled)
		info.Null = "an empty list; null items are skipped"
	case "sequence":
		k := slices.IndexFunc(st.Sequences, func(q dataset.Sequence) bool { return q.Name == in.Name })
		info.MaxLen, info.Target = st.Sequences[k].MaxLen, st.Sequences[k].Target
		info.Null = "an empty history; null items are skipped"
	case "dense":
		k := slices.IndexFunc(st.Dense, func(d dataset.DenseState) bool { return d.Column == in.Name })
		if st.Dense[k].Vector {
			info.Length = len(st.Dense[k].Mean)
		}
		info.Null = "missing: the train mean"
		if st.Dense[k].Missing {
			info.Null += ", and the column's missing indicator set"
		}
		if st.Strict {
			info.Null = "an error (the model was trained with columns.strict)"
		}
	}
	return info
}
