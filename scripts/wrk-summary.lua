-- wrk-summary.lua returns the function the wrk scripts end with: it writes
-- a "wrk-summary rps p50_ms p99_ms non2xx requests" line for the bench
-- scripts. The scripts load it with dofile from their own directory.
return function(summary, latency)
  io.write(string.format("wrk-summary %.1f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
