package api

import (
	"encoding/json"

	"github.com/gridmap-dev/gridmap/geo"
)

// importSeen is what a stream may see of an import's end: all of it for a
// signed-in caller who may read the job (GET /v1/imports/{id}: its scope
// covers what the import may touch, the event's code, "" the whole city);
// to others only that the map changed, with the data version that holds
// it (a wall screen reloads its figures then) and no codes, and nothing of
// an import that changed nothing. A job's file name and fate (a dry run,
// a rejected file) are the GIS staff's work in progress; an attacker read
// every import's, anonymously, in the event stream.
func (s *eventStream) importSeen(e *geo.Event) (data json.RawMessage, codes []string, shown bool) {
	if s.in && len(e.Codes) == 1 && s.who.Covers(e.Codes[0]) {
		return e.Data, e.Codes, true
	}
	var d struct {
		Status       geo.JobStatus `json:"status"`
		IndexVersion int64         `json:"index_version"`
	}
	if json.Unmarshal(e.Data, &d) != nil || d.Status != geo.JobSucceeded || d.IndexVersion == 0 {
		return nil, nil, false
	}
	b, err := json.Marshal(d)
	return b, []string{}, err == nil // nor where the uploader works: the changed units' own events say where
}
