-- wrk-path.lua asks for the one path named by the WRK_PATH environment
-- variable, with gzip as a browser does. It ends with a
-- "wrk-summary rps p50_ms p99_ms non2xx requests" line for scripts.

-- The summary line, shared by the wrk scripts (wrk-summary.lua, found beside this one).
local write_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-summary.lua")
local path = os.getenv("WRK_PATH")

request = function()
  return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
end

done = function(summary, latency, requests)
  write_summary(summary, latency)
end
