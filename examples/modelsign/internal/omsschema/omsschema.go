// Package omsschema validates bundles against the OMS v1.0 JSON Schemas
// (draft 2020-12) in testdata/oms-spec, for the tests of examples/modelsign.
// Only tests import it: its JSON Schema library stays out of every build of
// the library and the CLI.
package omsschema

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas are the compiled OMS bundle and statement schemas (which refer to
// the envelope and predicate schemas).
type Schemas struct {
	bundle, statement *jsonschema.Schema
}

// Load compiles the four schemas in dir (schemas-v1.0 of the OMS spec).
func Load(dir string) (*Schemas, error) {
	c := jsonschema.NewCompiler()
	ids := map[string]string{}
	for _, name := range []string{"bundle", "envelope", "statement", "predicate"} {
		f, err := os.Open(filepath.Join(dir, name+".schema.json"))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		obj, ok := doc.(map[string]any)
		id, _ := obj["$id"].(string)
		if !ok || id == "" {
			return nil, fmt.Errorf("%s: no $id", name)
		}
		ids[name] = id
		if err := c.AddResource(id, doc); err != nil {
			return nil, err
		}
	}
	var s Schemas
	var err error
	if s.bundle, err = c.Compile(ids["bundle"]); err != nil {
		return nil, err
	}
	if s.statement, err = c.Compile(ids["statement"]); err != nil {
		return nil, err
	}
	return &s, nil
}

// Validate checks a bundle against the bundle schema and its decoded DSSE
// payload against the statement schema, as OMS §3.1 asks conformance
// suites to.
func (s *Schemas) Validate(bundleJSON []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(bundleJSON))
	if err != nil {
		return err
	}
	if err := s.bundle.Validate(doc); err != nil {
		return fmt.Errorf("bundle schema: %w", err)
	}
	var b struct {
		DSSEEnvelope struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(bundleJSON, &b); err != nil {
		return err
	}
	payload, err := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
	if err != nil {
		return err
	}
	st, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	if err := s.statement.Validate(st); err != nil {
		return fmt.Errorf("statement schema: %w", err)
	}
	return nil
}
