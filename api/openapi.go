package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
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
			for kind, v := range comps { // schemas, securitySchemes, parameters, ...
				mergeInto(doc["components"].(map[string]any), kind, v)
			}
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
		// Two files may describe different operations of one path (GET in
		// units.json, PUT in auth.json): merge the path items' members.
		if old, ok := dst[key].(map[string]any)[k].(map[string]any); ok {
			if add, ok := v.(map[string]any); ok && key == "paths" {
				maps.Copy(old, add)
				continue
			}
		}
		dst[key].(map[string]any)[k] = v
	}
}

// openAPIPath turns a gin route (/v1/units/:code, /files/*path) into an
// OpenAPI path template (/v1/units/{code}).
func openAPIPath(route string) string {
	// A literal colon (/v1/reports\:batch) is escaped in the route until
	// gin's first request unescapes it.
	parts := strings.Split(strings.ReplaceAll(route, `\:`, ":"), "/")
	for i, p := range parts {
		if len(p) > 1 && (p[0] == ':' || p[0] == '*') {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
