package importer

// Progress receives an import's phases and, within a phase, how far it has
// come. The command line draws a bar; the HTTP API writes the job row.
type Progress interface {
	// Phase starts a named phase.
	Phase(name string)
	// Set reports progress within the phase (total 0: unknown).
	Set(done, total int64)
}

// NoProgress discards progress.
type NoProgress struct{}

// Phase implements Progress.
func (NoProgress) Phase(string) {}

// Set implements Progress.
func (NoProgress) Set(int64, int64) {}
