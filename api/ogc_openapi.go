package api

// The API definition of /ogc (its service-desc), relative to /ogc as the
// standard expects: GDAL looks up /collections/{id}/items in it to learn
// which query parameters filter on the server, and sends `-where` clauses
// on those properties as parameters instead of filtering on the client.
// The same operations also appear, under /ogc, in /openapi.json.

type jsonObj = map[string]any

func ogcOpenAPI(server string) jsonObj {
	paths := jsonObj{
		"/":            ogcOp("Landing page", nil, mediaJSON),
		"/conformance": ogcOp("Conformance classes implemented", nil, mediaJSON),
		"/api":         ogcOp("This API definition", nil, mediaOpenAPI),
		"/collections": ogcOp("The feature collections", nil, mediaJSON),
		"/collections/{collectionId}": ogcOp("A collection's metadata",
			[]jsonObj{pathParam("collectionId", "Collection id")}, mediaJSON),
		"/collections/{collectionId}/items": ogcOp("Features of a collection",
			append([]jsonObj{pathParam("collectionId", "Collection id")}, itemsParams(nil)...), mediaGeoJSON),
		"/collections/{collectionId}/items/{featureId}": ogcOp("One feature: code, or code@version",
			[]jsonObj{pathParam("collectionId", "Collection id"), pathParam("featureId", "code or code@version"),
				queryParam("datetime", "The instant at which the version is taken (default now)", "string"), crsParam("crs")}, mediaGeoJSON),
		"/collections/{collectionId}/queryables": ogcOp("The queryables of a collection (Part 3), as JSON Schema",
			[]jsonObj{pathParam("collectionId", "Collection id")}, mediaSchema),
	}
	for _, col := range ogcCollections {
		paths["/collections/"+col.ID+"/items"] = ogcOp(col.Title, itemsParams(col.queryables()), mediaGeoJSON)
	}
	return jsonObj{
		"openapi": "3.0.3",
		"info": jsonObj{"title": "gridmap OGC API – Features", "version": "1.0.0",
			"description": "Versioned boundaries of grid-based community governance as OGC API – Features (Part 1: Core, GeoJSON; Part 2: CRS by reference; Part 3: queryables)."},
		"servers": []jsonObj{{"url": server}},
		"paths":   paths,
	}
}

func itemsParams(queryables []string) []jsonObj {
	ps := []jsonObj{
		{"name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "Page size; larger values are lowered to the maximum",
			"schema":      jsonObj{"type": "integer", "minimum": 1, "maximum": ogcMaxLimit, "default": ogcDefaultLimit}},
		{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "minLon,minLat,maxLon,maxLat (CRS84)",
			"schema":      jsonObj{"type": "array", "minItems": 4, "maxItems": 6, "items": jsonObj{"type": "number"}}},
		queryParam("datetime", "An instant (versions valid then) or an interval a/b, ends open with .. (versions valid at some moment of it; ids become code@version). Default: now.", "string"),
		queryParam("cursor", "Opaque position of the next page; follow the next link", "string"),
		crsParam("crs"), crsParam("bbox-crs"),
	}
	for _, q := range queryables {
		desc := "Equal to"
		if q == "created_by" {
			desc = "Equal to: who saved the version, a person's name; needs a token whose scope is the whole city (401 without a token, 403 with a scoped one)"
		}
		ps = append(ps, queryParam(q, desc, "string"))
	}
	return ps
}

func ogcOp(summary string, params []jsonObj, media string) jsonObj {
	if params == nil {
		params = []jsonObj{}
	}
	return jsonObj{"get": jsonObj{
		"summary":    summary,
		"parameters": params,
		"responses": jsonObj{
			"200": jsonObj{"description": summary, "content": jsonObj{media: jsonObj{}}},
			"400": jsonObj{"description": "Problem (RFC 9457)", "content": jsonObj{"application/problem+json": jsonObj{}}},
			"404": jsonObj{"description": "Problem (RFC 9457)", "content": jsonObj{"application/problem+json": jsonObj{}}},
		},
	}}
}

// crsParam is the crs or bbox-crs parameter of Part 2.
func crsParam(name string) jsonObj {
	desc := "Coordinate system of the answer (Content-Crs names it): CRS84 (default) or EPSG 4326, 4490, 3857, 4491–4554, in the registry's axis order"
	if name == "bbox-crs" {
		desc = "Coordinate system of bbox, in its axis order (latitude first for EPSG:4326 and 4490); default CRS84"
	}
	return jsonObj{"name": name, "in": "query", "required": false, "description": desc,
		"schema": jsonObj{"type": "string", "format": "uri"}}
}

func pathParam(name, desc string) jsonObj {
	return jsonObj{"name": name, "in": "path", "required": true, "description": desc, "schema": jsonObj{"type": "string"}}
}

func queryParam(name, desc, typ string) jsonObj {
	return jsonObj{"name": name, "in": "query", "required": false, "description": desc, "schema": jsonObj{"type": typ}}
}
