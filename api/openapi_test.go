package api

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIDocumentsAreValid checks both API documents with a real
// OpenAPI 3.0 validator (kin-openapi), which refuses 3.1 syntax such as
// "type": ["string", "null"] in a document that says "openapi": "3.0.3".
func TestOpenAPIDocumentsAreValid(t *testing.T) {
	ogc, err := json.Marshal(ogcOpenAPI("http://localhost:8080/ogc"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		doc  []byte
	}{
		{"/openapi.json", openAPIDoc},
		{"/ogc/api", ogc},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := openapi3.NewLoader().LoadFromData(c.doc)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if doc.OpenAPI != "3.0.3" {
				t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
			}
			if err := doc.Validate(context.Background()); err != nil {
				t.Errorf("invalid OpenAPI 3.0: %v", err)
			}
		})
	}
}

// TestOpenAPIValidatorRefusesOpenAPI31Syntax makes sure the validator above
// would catch the defect it is there for.
func TestOpenAPIValidatorRefusesOpenAPI31Syntax(t *testing.T) {
	bad := []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},
		"components":{"schemas":{"Job":{"type":"object","properties":{"finished_at":{"type":["string","null"]}}}}}}`)
	doc, err := openapi3.NewLoader().LoadFromData(bad)
	if err == nil {
		err = doc.Validate(context.Background())
	}
	if err == nil {
		t.Fatal("a 3.0.3 document with a 3.1 type array passed validation")
	}
}
