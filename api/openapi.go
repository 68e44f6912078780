package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
)

// The OpenAPI document is kept as one file per resource under openapi/ and
// merged at start: 00-base.json holds info and shared components, every other
// file adds its "paths" (and, optionally, "components.schemas").
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

var openAPIDoc = mustMergeOpenAPI()

func mustMergeOpenAPI() []byte {
	doc, err := mergeOpenAPI(openAPIFiles)
	if err != nil {
		panic(err) // the files are embedded: a broken one is a build defect, caught by tests
	}
	return doc
}

func mergeOpenAPI(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	for _, name := range names { // sorted: 00-base.json comes first
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(data, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if doc == nil {
			doc = part
			continue
		}
		mergeInto(doc, "paths", part["paths"])
		if comps, ok := part["components"].(map[string]any); ok {
			mergeInto(doc["components"].(map[string]any), "schemas", comps["schemas"])
		}
	}
	return json.Marshal(doc)
}

func mergeInto(dst map[string]any, key string, src any) {
	m, ok := src.(map[string]any)
	if !ok {
		return
	}
	if _, ok := dst[key].(map[string]any); !ok {
		dst[key] = map[string]any{}
	}
	for k, v := range m {
		dst[key].(map[string]any)[k] = v
	}
}

// openAPIPath turns a gin route (/v1/units/:code, /files/*path) into an
// OpenAPI path template (/v1/units/{code}).
func openAPIPath(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if len(p) > 1 && (p[0] == ':' || p[0] == '*') {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
