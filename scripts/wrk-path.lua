-- wrk-path.lua asks for the one path named by the WRK_PATH environment
-- variable, with gzip as a browser does. It ends with a
-- "wrk-summary rps p50_ms p99_ms non2xx requests" line for scripts.
local path = os.getenv("WRK_PATH")

request = function()
  return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
end

done = function(summary, latency, requests)
  io.write(string.format("wrk-summary %.1f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
