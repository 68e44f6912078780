package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/importer"
)

// importConfig bounds the imports uploaded to serve: how many run and wait,
// and the disk their files may use.
type importConfig struct {
	workers, waiting int
	uploadDir        string
	uploadMB         int64
}

func importQueueFlags(fs *flag.FlagSet, c *importConfig) {
	fs.IntVar(&c.workers, "import-workers", importer.DefaultWorkers,
		"uploaded imports run at once on this node (env GRIDMAP_IMPORT_WORKERS)")
	fs.IntVar(&c.waiting, "import-queue", importer.DefaultWaiting,
		"uploaded imports waiting behind them; past that, uploads get 503 with Retry-After (env GRIDMAP_IMPORT_QUEUE)")
	fs.StringVar(&c.uploadDir, "upload-dir", "",
		"where uploads wait and zips unpack; default gridmap-uploads in the temporary directory (env GRIDMAP_UPLOAD_DIR)")
	fs.Int64Var(&c.uploadMB, "upload-space-mb", importer.DefaultSpaceBytes>>20,
		"disk for all uploads and their unpacked zips together, in MiB (env GRIDMAP_UPLOAD_SPACE_MB)")
}

// openImports checks the flags and returns the import jobs of serve. On a
// primary it records the outcome of jobs a dead process left unfinished and
// removes the uploads it left behind.
// check refuses import settings that cannot work.
func (c importConfig) check() error {
	if c.workers < 1 || c.waiting < 0 || c.uploadMB < 1 {
		return usagef("--import-workers and --upload-space-mb must be at least 1, --import-queue at least 0")
	}
	return nil
}

func openImports(ctx context.Context, c importConfig, db *postgres.DB, bg context.Context,
	applied func(context.Context) (int64, error)) (*importer.Jobs, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	jobs := &importer.Jobs{Pool: db.Pool, Base: bg, Applied: applied, Workers: c.workers, Waiting: c.waiting,
		Space: &importer.Space{Dir: c.uploadDir, MaxBytes: c.uploadMB << 20}}
	if db.Standby() {
		return jobs, nil
	}
	interrupted, dirs, err := jobs.Recover(ctx)
	if err != nil {
		return nil, err
	}
	if interrupted > 0 || dirs > 0 {
		slog.Info("recovered from a previous run", "interrupted_imports", interrupted, "uploads_removed", dirs)
	}
	return jobs, nil
}

// importCollectors exports the import queue's places to /metrics: a queue
// held full (uploads trickling in, jobs waiting behind a slow one) shows
// before callers are refused.
func importCollectors(jobs *importer.Jobs) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_import_queue_places_held",
			Help: "Places of the import queue held now: uploads being sent, imports waiting or running."},
			func() float64 { held, _ := jobs.Places(); return float64(held) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_import_queue_places",
			Help: "Places the import queue has (--import-workers plus --import-queue)."},
			func() float64 { _, capacity := jobs.Places(); return float64(capacity) }),
	}
}
